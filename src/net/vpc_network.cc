#include "net/vpc_network.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/ipv4.h"
#include "common/log.h"
#include "common/text.h"
#include "net/names.h"
#include "net/ruleset.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// True if /run/netns/<ns> holds a namespace: the file is a mount of nsfs, on another device than
// the folder. A bare file is a stale entry (its namespace is gone, or it was mounted in another
// mount namespace: `ip netns exec` gives each process one) and is removed, so it is made anew.
bool NamespaceExists(const std::string& ns) {
  std::string path = "/run/netns/" + ns;
  struct stat file {
  }, dir{};
  if (::stat(path.c_str(), &file) != 0) return false;
  if (::stat("/run/netns", &dir) == 0 && file.st_dev != dir.st_dev) return true;
  LOG_WARN("net: {} is a stale entry without a namespace: removing it", path);
  (void)Run({"ip", "netns", "del", ns});
  std::error_code ec;
  fs::remove(path, ec);
  return false;
}

// Runs a command inside a namespace.
Status InOk(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return RunOk(argv);
}

Status SetSysctl(const std::string& ns, const std::string& path, const std::string& value) {
  return InOk(ns, {"sh", "-c", "echo " + value + " > /proc/sys/" + path});
}

// "10.1.1.0/24" as dnsmasq and ip want it (an unparsable block gives 0.0.0.0/0).
Cidr BlockOf(const std::string& cidr) { return ParseCidr(cidr, false).value_or(Cidr{}); }
std::string Netmask(const Cidr& c) {
  return FormatIpv4(c.prefix == 0 ? 0 : ~uint32_t{0} << (32 - c.prefix));
}

int DnsmasqPid(const std::string& dir) {
  int pid = std::atoi(ReadFile(dir + "/dnsmasq.pid").c_str());
  if (pid <= 0 || ::kill(pid, 0) != 0) return 0;
  if (ReadFile("/proc/" + std::to_string(pid) + "/cmdline").find(dir) == std::string::npos)
    return 0;
  return pid;
}

// The router MAC of the host at `underlay` on every VXLAN segment (see names.h).
std::string RouterMac(const std::string& underlay) {
  uint32_t a = ParseIpv4(underlay).value_or(0);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:0e:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 255,
                (a >> 8) & 255, a & 255);
  return mac;
}

// The source address of this host's default route, "" without one.
std::string DefaultSourceAddress() {
  auto out = Run({"ip", "-4", "-o", "route", "get", "203.0.113.1"});
  if (!out.ok()) return "";
  auto at = out->find(" src ");
  if (at == std::string::npos) return "";
  std::istringstream in(out->substr(at + 5));
  std::string ip;
  in >> ip;
  return ip;
}

// The device that carries `ip` in this namespace ("" if none does).
std::string UnderlayDevice(const std::string& ip) {
  auto out = Run({"ip", "-o", "-4", "addr", "show", "to", ip + "/32"});
  if (!out.ok()) return "";
  std::istringstream in(*out);
  std::string index, dev;
  in >> index >> dev;
  return dev;
}

}  // namespace

VpcNetworks::VpcNetworks(std::string state_dir, std::string underlay_ip)
    : state_dir_(AbsolutePath(state_dir)), underlay_ip_(std::move(underlay_ip)) {
  std::error_code ec;
  fs::create_directories(state_dir_, ec);
  if (underlay_ip_.empty()) underlay_ip_ = DefaultSourceAddress();
  if (underlay_ip_.empty())
    LOG_WARN(
        "net: no underlay address (no default route, no --underlay-ip): VPCs of this host "
        "do not reach other hosts");
}

Status VpcNetworks::EnsureNamespace(const std::string& vpc_id, Vpc& vpc) {
  std::string ns = VpcNamespace(vpc_id);
  std::error_code ec;
  fs::create_directories(Dir(vpc_id), ec);  // first: it marks the namespace as this agent's
  if (!NamespaceExists(ns)) {
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "netns", "add", ns}));
    vpc.metadata.reset();  // a listener left in a namespace that is gone
    LOG_INFO("net: created router namespace {}", ns);
  }
  OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "link", "set", "lo", "up"}));
  OPENECS_RETURN_IF_ERROR(SetSysctl(ns, "net/ipv4/ip_forward", "1"));
  // Addresses are checked by the ruleset (anti-spoofing); a reverse-path filter inherited from
  // the host would drop Internet traffic to public addresses (whose default route is only in
  // the uplink table) and replies forwarded by a custom route's next hop.
  OPENECS_RETURN_IF_ERROR(SetSysctl(ns, "net/ipv4/conf/all/rp_filter", "0"));
  OPENECS_RETURN_IF_ERROR(SetSysctl(ns, "net/ipv4/conf/default/rp_filter", "0"));
  // Specific routes of the main table first; then the uplink table for public addresses; then
  // the main table's default route (a custom 0.0.0.0/0) for the others.
  auto rules = Run({"ip", "-n", ns, "-4", "rule", "show"});
  if (!rules.ok()) return rules.error();
  if (rules->find("suppress_prefixlength 0") == std::string::npos)
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "-4", "rule", "add", "pref", "1000", "lookup",
                                   "main", "suppress_prefixlength", "0"}));
  if (rules->find(std::string("fwmark ") + kPublicRouteMark) == std::string::npos)
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "-4", "rule", "add", "pref", "1001", "fwmark",
                                   kPublicRouteMark, "lookup", kUplinkTable}));
  if (metadata_handler_ && !vpc.metadata) {
    OPENECS_RETURN_IF_ERROR(RunOk(
        {"ip", "-n", ns, "addr", "replace", std::string(kMetadataAddress) + "/32", "dev", "lo"}));
    auto handler = [this, vpc_id](const HttpRequest& req) {
      return metadata_handler_(vpc_id, req);
    };
    // Guests are the clients: a few connections each is plenty, and one guest opening
    // thousands must not take the agent's descriptors (issue 13's H5).
    HttpServerLimits limits;
    limits.max_connections = 256;
    limits.max_per_source = 16;
    limits.request_timeout_s = 10;
    limits.idle_timeout_s = 10;
    limits.write_timeout_s = 10;
    OPENECS_ASSIGN_OR_RETURN(vpc.metadata, HttpServer::Start(std::string(kMetadataAddress) + ":80",
                                                             1, std::move(handler), 1, ns, limits));
  }
  return Ok();
}

Status VpcNetworks::Plug(const DesiredNic& nic) {
  std::lock_guard<std::mutex> lock(mu_);
  if (nic.vpc_id.empty() || nic.ip.empty() || nic.gateway.empty())
    return MakeError(ErrorCode::kInternalError, "interface " + nic.eni_id + " has no VPC address");
  Vpc& vpc = vpcs_[nic.vpc_id];
  if (!vpc.ready || !NamespaceExists(VpcNamespace(nic.vpc_id))) {
    OPENECS_RETURN_IF_ERROR(EnsureNamespace(nic.vpc_id, vpc));
    vpc.ready = true;
  }
  vpc.nics[nic.eni_id] = nic;
  // Rules and the DHCP entry first: the tap is isolated until its chains exist.
  OPENECS_RETURN_IF_ERROR(Sync(nic.vpc_id, vpc));
  std::string ns = VpcNamespace(nic.vpc_id), tap = TapName(nic.eni_id);
  if (fs::exists("/sys/class/net/" + tap)) {
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "link", "set", tap, "netns", ns}));
  }
  std::string gateway = nic.gateway + "/" + std::to_string(BlockOf(nic.cidr).prefix);
  OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "link", "set", tap, "up"}));
  OPENECS_RETURN_IF_ERROR(
      RunOk({"ip", "-n", ns, "addr", "replace", gateway, "dev", tap, "noprefixroute"}));
  OPENECS_ASSIGN_OR_RETURN(bool plugged, SyncRoutes(ns, nic));
  if (!plugged) return MakeError(ErrorCode::kInternalError, tap + " vanished while plugged");
  vpc.routed[nic.eni_id] = nic.ip + " " + Join(nic.secondary_ips, " ");
  OPENECS_RETURN_IF_ERROR(SetSysctl(ns, "net/ipv4/conf/" + tap + "/proxy_arp", "1"));
  OPENECS_RETURN_IF_ERROR(SetSysctl(ns, "net/ipv4/conf/" + tap + "/rp_filter", "0"));
  OPENECS_RETURN_IF_ERROR(SyncCustomRoutes(nic.vpc_id, vpc));  // those via this ENI
  LOG_DEBUG("net: {} plugged into {} as {} ({})", nic.eni_id, ns, tap, nic.ip);
  return Ok();
}

Status VpcNetworks::Apply(const std::vector<DesiredNic>& nics,
                          const std::vector<RemoteAddress>& remote) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::map<std::string, DesiredNic>> want;
  for (const auto& n : nics)
    if (!n.vpc_id.empty()) want[n.vpc_id][n.eni_id] = n;
  std::map<std::string, std::vector<RemoteAddress>> remote_of;
  for (const auto& r : remote)
    if (want.count(r.vpc_id) && r.underlay_ip != underlay_ip_) remote_of[r.vpc_id].push_back(r);
  Status result = Ok();
  for (auto& [vpc_id, by_eni] : want) {
    Vpc& vpc = vpcs_[vpc_id];
    Status st = Ok();
    if (!vpc.ready || !NamespaceExists(VpcNamespace(vpc_id))) {
      st = EnsureNamespace(vpc_id, vpc);
      vpc.ready = st.ok();
    }
    vpc.nics = by_eni;
    vpc.remote = remote_of[vpc_id];
    if (st.ok()) st = Sync(vpc_id, vpc);
    if (!st.ok()) result = st;
  }
  // VPCs with nothing left here, including namespaces left by an earlier run of this agent
  // (it keeps a directory per VPC it set up; other "oe-" namespaces are not its own).
  std::set<std::string> gone;
  for (const auto& [vpc_id, vpc] : vpcs_)
    if (!want.count(vpc_id)) gone.insert(vpc_id);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("oe-", 0) != 0) continue;
    std::string vpc_id = name.substr(3);
    if (!want.count(vpc_id) && fs::is_directory(Dir(vpc_id), ec)) gone.insert(vpc_id);
  }
  for (const auto& vpc_id : gone) {
    Status st = Teardown(vpc_id);
    if (!st.ok()) result = st;
    vpcs_.erase(vpc_id);
  }
  // Only the hosts this one shares a segment with may send it VXLAN.
  std::set<std::string> peers;
  for (const auto& [vpc_id, vpc] : vpcs_)
    for (const auto& [ip, underlay] : vpc.overlay) peers.insert(underlay);
  std::string filter = BuildUnderlayFilter(underlay_ip_, peers);
  if (filter != underlay_filter_) {
    Status st = WriteFileAtomic(state_dir_ + "/underlay.nft", filter);
    if (st.ok()) st = RunOk({"nft", "-f", state_dir_ + "/underlay.nft"});
    if (st.ok())
      underlay_filter_ = filter;
    else
      result = st;
  }
  if (want.empty() && fs::exists(std::string("/sys/class/net/") + kPublicBridge)) {
    if (Status st = RunOk({"ip", "link", "del", kPublicBridge}); !st.ok()) result = st;
  }
  return result;
}

Status VpcNetworks::Sync(const std::string& vpc_id, Vpc& vpc) {
  std::vector<DesiredNic> nics;
  for (const auto& [id, n] : vpc.nics) nics.push_back(n);
  std::string ns = VpcNamespace(vpc_id), dir = Dir(vpc_id);

  std::string ruleset = BuildVpcRuleset(nics);
  if (ruleset != vpc.ruleset) {
    // One transaction: the old table goes and the new one comes in together.
    std::string script = "table inet openecs\ndelete table inet openecs\n" + ruleset;
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/ruleset.nft", script));
    OPENECS_RETURN_IF_ERROR(InOk(ns, {"nft", "-f", dir + "/ruleset.nft"}));
    vpc.ruleset = ruleset;
  }

  std::string publics;
  for (const auto& n : nics)
    if (!n.public_ip.empty()) publics += n.public_ip + "=" + n.ip + " ";
  if (publics != vpc.publics) {
    OPENECS_RETURN_IF_ERROR(SyncUplink(vpc_id, nics));
    OPENECS_RETURN_IF_ERROR(SyncTrafficCounters(vpc_id, nics));
    vpc.publics = publics;
  }
  std::string shaping;
  for (const auto& n : nics)
    if (!n.public_ip.empty())
      shaping += n.public_ip + ":" + std::to_string(n.bandwidth_out_mbps) + "/" +
                 std::to_string(n.bandwidth_in_mbps) + " ";
  if (shaping != vpc.shaping) {
    OPENECS_RETURN_IF_ERROR(SyncBandwidth(vpc_id, nics));
    vpc.shaping = shaping;
  }

  // Secondary addresses assigned or unassigned while the ENI is plugged. ENIs this process
  // has not plugged (after a restart) are adopted if their tap is in the namespace.
  std::string links;
  for (const auto& n : nics)
    if (!vpc.routed.count(n.eni_id) && links.empty()) {
      auto listed = Run({"ip", "-n", ns, "-o", "link", "show"});
      links = listed.ok() ? *listed : " ";
    }
  for (const auto& n : nics) {
    std::string routed = n.ip + " " + Join(n.secondary_ips, " ");
    auto it = vpc.routed.find(n.eni_id);
    if (it != vpc.routed.end() && it->second == routed) continue;
    if (it == vpc.routed.end() && links.find(": " + TapName(n.eni_id) + ":") == std::string::npos &&
        links.find(": " + TapName(n.eni_id) + "@") == std::string::npos)
      continue;  // not plugged here
    OPENECS_ASSIGN_OR_RETURN(bool plugged, SyncRoutes(ns, n));
    if (plugged)
      vpc.routed[n.eni_id] = routed;
    else
      vpc.routed.erase(n.eni_id);  // its guest stopped: the next Plug routes it
  }
  for (auto it = vpc.routed.begin(); it != vpc.routed.end();)
    it = vpc.nics.count(it->first) ? std::next(it) : vpc.routed.erase(it);
  OPENECS_RETURN_IF_ERROR(SyncOverlay(vpc_id, vpc, nics.empty() ? 0 : nics.front().vni));
  OPENECS_RETURN_IF_ERROR(SyncCustomRoutes(vpc_id, vpc));

  std::string dhcp_hosts, hosts, conf;
  std::map<std::string, std::string> ranges;  // vSwitch -> dhcp-range line
  for (const auto& n : nics) {
    dhcp_hosts += n.mac + "," + n.ip + (n.host_name.empty() ? "" : "," + n.host_name) + "\n";
    if (!n.host_name.empty()) hosts += n.ip + " " + n.host_name + "\n";
    Cidr b = BlockOf(n.cidr);
    ranges[n.vswitch_id] = "dhcp-range=set:" + n.vswitch_id + "," + FormatIpv4(b.network) +
                           ",static," + Netmask(b) + "," + std::to_string(kDhcpLeaseSeconds) +
                           "\ndhcp-option=tag:" + n.vswitch_id + ",option:router," + n.gateway +
                           "\n";
  }
  conf =
      "interface=oe*\nbind-dynamic\nexcept-interface=lo\nno-resolv\nno-hosts\n"
      "dhcp-authoritative\nuser=root\n"
      "addn-hosts=" +
      dir + "/hosts\ndhcp-hostsfile=" + dir +
      "/dhcp-hosts\n"
      "dhcp-leasefile=" +
      dir + "/leases\npid-file=" + dir +
      "/dnsmasq.pid\n"
      "log-facility=" +
      dir + "/dnsmasq.log\n";
  for (const auto& [vsw, line] : ranges) conf += line;
  bool files_changed = dhcp_hosts != vpc.dhcp_hosts || hosts != vpc.hosts;
  if (files_changed) {
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/dhcp-hosts", dhcp_hosts));
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/hosts", hosts));
  }
  bool restart = conf != vpc.dnsmasq_conf;
  if (restart) OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/dnsmasq.conf", conf));
  OPENECS_RETURN_IF_ERROR(EnsureDnsmasq(vpc_id, vpc, restart));
  if (files_changed && !restart) {
    if (int pid = DnsmasqPid(dir)) ::kill(pid, SIGHUP);  // re-reads hosts and dhcp-hosts
  }
  vpc.dhcp_hosts = dhcp_hosts;
  vpc.hosts = hosts;
  vpc.dnsmasq_conf = conf;
  return Ok();
}

Status VpcNetworks::SyncUplink(const std::string& vpc_id, const std::vector<DesiredNic>& nics) {
  std::set<std::string> want;
  std::string pool;
  for (const auto& n : nics)
    if (!n.public_ip.empty()) {
      want.insert(n.public_ip);
      pool = n.public_cidr;
    }
  std::string ns = VpcNamespace(vpc_id);
  bool have = Run({"ip", "-n", ns, "link", "show", kUplink}).ok();
  if (want.empty() && !have) return Ok();
  if (!want.empty()) {
    Cidr b = BlockOf(pool);
    std::string host_side = FormatIpv4(b.first() + 1);  // the pool's first address
    if (!fs::exists(std::string("/sys/class/net/") + kPublicBridge)) {
      OPENECS_RETURN_IF_ERROR(RunOk({"ip", "link", "add", kPublicBridge, "type", "bridge"}));
      LOG_INFO("net: created the public bridge {} ({}/{})", kPublicBridge, host_side, b.prefix);
    }
    OPENECS_RETURN_IF_ERROR(
        RunOk({"ip", "addr", "replace", host_side + "/" + std::to_string(b.prefix), "dev",
               kPublicBridge}));
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "link", "set", kPublicBridge, "up"}));
    std::string host_end = UplinkHostEnd(vpc_id);
    if (!have)
      OPENECS_RETURN_IF_ERROR(RunOk(
          {"ip", "link", "add", host_end, "type", "veth", "peer", "name", kUplink, "netns", ns}));
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "link", "set", host_end, "master", kPublicBridge, "up"}));
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "link", "set", kUplink, "up"}));
    OPENECS_RETURN_IF_ERROR(
        RunOk({"ip", "-n", ns, "route", "replace", host_side + "/32", "dev", kUplink}));
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "route", "replace", "default", "via", host_side,
                                   "dev", kUplink, "table", kUplinkTable}));
    // Other traffic still meets the uplink's default route in the main table, below any custom
    // default (the highest metric), as it did before custom routes: without it the router
    // answers "net unreachable" where it used to pass the packet on (an address that just left
    // this uplink, still in the host's neighbour cache). Namespaces made before had it at
    // metric 0, which would beat a custom default: that one goes first.
    (void)Run({"ip", "-n", ns, "route", "del", "default", "dev", kUplink, "table", "main"});
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "route", "replace", "default", "via", host_side,
                                   "dev", kUplink, "metric", "4294967295"}));
  }
  // The VPC's public addresses, exactly.
  auto listed = Run({"ip", "-n", ns, "-4", "-o", "addr", "show", "dev", kUplink});
  std::set<std::string> present;
  if (listed.ok()) {
    std::istringstream in(*listed);
    std::string line;
    while (std::getline(in, line)) {
      auto at = line.find(" inet ");
      if (at == std::string::npos) continue;
      std::string addr = line.substr(at + 6);
      present.insert(addr.substr(0, addr.find('/')));
    }
  }
  for (const auto& ip : present)
    if (!want.count(ip))
      OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "addr", "del", ip + "/32", "dev", kUplink}));
  for (const auto& ip : want)
    if (!present.count(ip))
      OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "addr", "add", ip + "/32", "dev", kUplink}));
  return Ok();
}

namespace {
// The named counters of the traffic table in a namespace, by name: {packets, bytes}.
std::map<std::string, std::pair<int64_t, int64_t>> ListTrafficCounters(const std::string& ns) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  auto listed = Run(
      {"ip", "netns", "exec", ns, "nft", "-j", "list", "counters", "table", "ip", kTrafficTable});
  if (!listed.ok()) return out;
  json j = json::parse(*listed, nullptr, false);
  if (!j.is_object() || !j.contains("nftables") || !j["nftables"].is_array()) return out;
  for (const auto& item : j["nftables"]) {
    if (!item.is_object() || !item.contains("counter")) continue;
    const json& c = item["counter"];
    out[c.value("name", "")] = {c.value("packets", int64_t{0}), c.value("bytes", int64_t{0})};
  }
  return out;
}
}  // namespace

Status VpcNetworks::SyncTrafficCounters(const std::string& vpc_id,
                                        const std::vector<DesiredNic>& nics) {
  std::set<std::string> want;
  for (const auto& n : nics)
    if (!n.public_ip.empty()) want.insert(n.public_ip);
  std::string ns = VpcNamespace(vpc_id), file = Dir(vpc_id) + "/traffic.nft";
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(file, BuildTrafficCounters(want)));
  OPENECS_RETURN_IF_ERROR(InOk(ns, {"nft", "-f", file}));
  // Counters of addresses that left (no rule names them any more).
  std::string gone;
  for (const auto& [name, counts] : ListTrafficCounters(ns)) {
    bool kept = false;
    for (const auto& ip : want)
      kept = kept || name == TrafficCounterName(true, ip) || name == TrafficCounterName(false, ip);
    if (!kept) gone += std::string("delete counter ip ") + kTrafficTable + " " + name + "\n";
  }
  if (gone.empty()) return Ok();
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(file, gone));
  return InOk(ns, {"nft", "-f", file});
}

std::map<std::string, NicIo> VpcNetworks::Counters() {
  std::map<std::string, std::map<std::string, std::string>> taps;  // VPC -> tap -> ENI
  std::map<std::string, std::string> public_of;                    // ENI -> public address
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [vpc_id, vpc] : vpcs_) {
      if (!vpc.ready) continue;
      for (const auto& [eni, nic] : vpc.nics) {
        taps[vpc_id][TapName(eni)] = eni;
        if (!nic.public_ip.empty()) public_of[eni] = nic.public_ip;
      }
    }
  }
  std::map<std::string, NicIo> out;
  for (const auto& [vpc_id, by_tap] : taps) {
    std::string ns = VpcNamespace(vpc_id);
    auto links = Run({"ip", "-n", ns, "-s", "-j", "link", "show"});
    if (!links.ok()) continue;
    json j = json::parse(*links, nullptr, false);
    if (!j.is_array()) continue;
    bool any_public = false;
    for (const auto& link : j) {
      auto tap = by_tap.find(link.value("ifname", ""));
      if (tap == by_tap.end() || !link.contains("stats64")) continue;
      const json& st = link["stats64"];
      if (!st.contains("rx") || !st.contains("tx")) continue;
      NicIo& io = out[tap->second];
      // The tap receives what the guest sends.
      io.tx_bytes = st["rx"].value("bytes", int64_t{0});
      io.tx_packets = st["rx"].value("packets", int64_t{0});
      io.tx_dropped = st["rx"].value("dropped", int64_t{0});
      io.rx_bytes = st["tx"].value("bytes", int64_t{0});
      io.rx_packets = st["tx"].value("packets", int64_t{0});
      io.rx_dropped = st["tx"].value("dropped", int64_t{0});
      if (auto p = public_of.find(tap->second); p != public_of.end()) {
        io.public_ip = p->second;
        any_public = true;
      }
    }
    if (!any_public) continue;
    auto counters = ListTrafficCounters(ns);
    for (const auto& [tap, eni] : by_tap) {
      auto io = out.find(eni);
      if (io == out.end() || io->second.public_ip.empty()) continue;
      auto in = counters.find(TrafficCounterName(true, io->second.public_ip));
      auto outbound = counters.find(TrafficCounterName(false, io->second.public_ip));
      if (in != counters.end()) {
        io->second.public_rx_packets = in->second.first;
        io->second.public_rx_bytes = in->second.second;
      }
      if (outbound != counters.end()) {
        io->second.public_tx_packets = outbound->second.first;
        io->second.public_tx_bytes = outbound->second.second;
      }
    }
  }
  return out;
}

Status VpcNetworks::SyncBandwidth(const std::string& vpc_id, const std::vector<DesiredNic>& nics) {
  std::string ns = VpcNamespace(vpc_id), host_end = UplinkHostEnd(vpc_id);
  // One HTB per direction; traffic no class claims passes unshaped.
  auto tree = [&](const std::string& dev, const char* match, bool out) {
    std::string batch = "qdisc add dev " + dev + " root handle 1: htb\n";
    int minor = 1;
    for (const auto& n : nics) {
      int mbps = out ? n.bandwidth_out_mbps : n.bandwidth_in_mbps;
      if (n.public_ip.empty() || mbps <= 0) continue;
      std::string cls = "1:" + std::to_string(minor++);
      batch += "class add dev " + dev + " parent 1: classid " + cls + " htb rate " +
               std::to_string(mbps) + "mbit ceil " + std::to_string(mbps) + "mbit\n";
      batch += "filter add dev " + dev + " parent 1: protocol ip prio 1 u32 match ip " + match +
               " " + n.public_ip + "/32 flowid " + cls + "\n";
    }
    return minor > 1 ? batch : "";
  };
  std::string out = tree(kUplink, "src", true), in = tree(host_end, "dst", false);
  bool have = Run({"ip", "-n", ns, "link", "show", kUplink}).ok();
  if (!have) return Ok();  // no uplink: no public traffic to shape
  (void)Run({"ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", kUplink, "root"});
  (void)Run({"tc", "qdisc", "del", "dev", host_end, "root"});
  std::string dir = Dir(vpc_id);
  if (!out.empty()) {
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/tc-out", out));
    OPENECS_RETURN_IF_ERROR(InOk(ns, {"tc", "-batch", dir + "/tc-out"}));
  }
  if (!in.empty()) {
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/tc-in", in));
    OPENECS_RETURN_IF_ERROR(RunOk({"tc", "-batch", dir + "/tc-in"}));
  }
  return Ok();
}

Result<bool> VpcNetworks::SyncRoutes(const std::string& ns, const DesiredNic& nic) {
  std::string tap = TapName(nic.eni_id);
  std::set<std::string> want = {nic.ip};
  want.insert(nic.secondary_ips.begin(), nic.secondary_ips.end());
  std::set<std::string> have;
  auto listed = Run({"ip", "-n", ns, "-4", "-o", "route", "show", "dev", tap});
  if (!listed.ok()) return false;  // no such device here
  {
    std::istringstream in(*listed);
    std::string dst;
    while (in >> dst) {
      have.insert(dst.substr(0, dst.find('/')));
      in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
  }
  for (const auto& ip : have)
    if (!want.count(ip))
      OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "route", "del", ip + "/32", "dev", tap}));
  for (const auto& ip : want)
    if (!have.count(ip))
      OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "route", "replace", ip + "/32", "dev", tap}));
  return true;
}

Status VpcNetworks::SyncOverlay(const std::string& vpc_id, Vpc& vpc, int vni) {
  std::map<std::string, std::string> want;  // remote address -> its host's underlay address
  if (vni > 0 && !underlay_ip_.empty())
    for (const auto& r : vpc.remote) want[r.ip] = r.underlay_ip;
  if (vpc.overlay_vni == vni && vpc.overlay == want) return Ok();
  std::string ns = VpcNamespace(vpc_id), dev = VxlanHostName(vpc_id);
  // What is in force: known if this process made the device for this VNI; otherwise (a
  // restart, another VNI, a failed batch) the device is started over.
  std::map<std::string, std::string> had;
  if (vpc.overlay_vni == vni && vni > 0) had = std::move(vpc.overlay);
  vpc.overlay_vni = -1;
  vpc.overlay.clear();
  bool have = Run({"ip", "-n", ns, "link", "show", kVxlan}).ok();
  if (have && (had.empty() || want.empty())) {
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "link", "del", kVxlan}));
    have = false;
    had.clear();
  }
  if (!want.empty() && !have) {
    if (fs::exists("/sys/class/net/" + dev)) (void)Run({"ip", "link", "del", dev});
    // On the underlay's device, so its MTU is that device's less the 50 bytes of headers.
    std::vector<std::string> add = {"ip",        "link",
                                    "add",       dev,
                                    "address",   RouterMac(underlay_ip_),
                                    "type",      "vxlan",
                                    "id",        std::to_string(vni),
                                    "local",     underlay_ip_,
                                    "dstport",   "4789",
                                    "nolearning"};
    std::string lower = UnderlayDevice(underlay_ip_);
    if (!lower.empty())
      add.insert(add.end(), {"dev", lower});
    else
      add.insert(add.end(), {"mtu", "1450"});
    OPENECS_RETURN_IF_ERROR(RunOk(add));
    Status moved = RunOk({"ip", "link", "set", dev, "netns", ns});
    if (moved.ok()) moved = RunOk({"ip", "-n", ns, "link", "set", dev, "name", kVxlan, "up"});
    if (moved.ok())
      moved = SetSysctl(ns, std::string("net/ipv4/conf/") + kVxlan + "/rp_filter", "0");
    if (!moved.ok()) {
      (void)Run({"ip", "link", "del", dev});
      (void)Run({"ip", "-n", ns, "link", "del", dev});
      return moved;
    }
    LOG_INFO("net: {} joins VXLAN segment {} from {}", vpc_id, vni, underlay_ip_);
  }
  // Only the differences, in one batch per tool.
  std::string routes, fdb;
  std::set<std::string> hosts_had, hosts_want;
  for (const auto& [ip, u] : had) hosts_had.insert(u);
  for (const auto& [ip, u] : want) hosts_want.insert(u);
  for (const auto& u : hosts_want)
    if (!hosts_had.count(u))
      fdb += "fdb replace " + RouterMac(u) + " dev " + kVxlan + " dst " + u + " self permanent\n";
  for (const auto& [ip, u] : want) {
    auto it = had.find(ip);
    if (it != had.end() && it->second == u) continue;
    routes += "neigh replace " + ip + " lladdr " + RouterMac(u) + " dev " + kVxlan +
              " nud permanent\nroute replace " + ip + "/32 dev " + kVxlan + "\n";
  }
  for (const auto& [ip, u] : had)
    if (!want.count(ip))
      routes +=
          "route del " + ip + "/32 dev " + kVxlan + "\nneigh del " + ip + " dev " + kVxlan + "\n";
  for (const auto& u : hosts_had)
    if (!hosts_want.count(u))
      fdb += "fdb del " + RouterMac(u) + " dev " + kVxlan + " dst " + u + " self\n";
  std::string dir = Dir(vpc_id);
  if (!fdb.empty()) {
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/vxlan-fdb", fdb));
    OPENECS_RETURN_IF_ERROR(RunOk({"bridge", "-n", ns, "-batch", dir + "/vxlan-fdb"}));
  }
  if (!routes.empty()) {
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/vxlan-routes", routes));
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "-n", ns, "-batch", dir + "/vxlan-routes"}));
  }
  vpc.overlay_vni = vni;
  vpc.overlay = std::move(want);
  return Ok();
}

Status VpcNetworks::SyncCustomRoutes(const std::string& vpc_id, Vpc& vpc) {
  std::map<std::string, std::string> want;  // destination -> next hop address
  for (const auto& [id, n] : vpc.nics)
    for (const auto& cidr : n.routed_cidrs) want[cidr] = n.ip;
  for (const auto& r : vpc.remote)
    for (const auto& cidr : r.routed_cidrs) want[cidr] = r.ip;
  std::string ns = VpcNamespace(vpc_id);
  // What is in force: the kernel's word, since a route goes when its next hop's tap does.
  auto listed =
      Run({"ip", "-n", ns, "-4", "-o", "route", "show", "table", "main", "proto", "static"});
  if (!listed.ok()) return listed.error();
  std::map<std::string, std::string> have;
  std::istringstream in(*listed);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string dest, word, via;
    words >> dest;
    while (words >> word)
      if (word == "via") words >> via;
    if (dest.empty()) continue;
    if (dest == "default") dest = "0.0.0.0/0";
    if (dest.find('/') == std::string::npos) dest += "/32";
    have[dest] = via;
  }
  for (const auto& [dest, via] : have)
    if (!want.count(dest))
      OPENECS_RETURN_IF_ERROR(
          RunOk({"ip", "-n", ns, "route", "del", dest, "table", "main", "proto", "static"}));
  for (const auto& [dest, via] : want) {
    auto it = have.find(dest);
    if (it != have.end() && it->second == via) continue;
    // Fails while the next hop is not reachable here (its guest is not running, or its host
    // is not joined yet): the next Sync or Plug tries again.
    Status st = RunOk({"ip", "-n", ns, "route", "replace", dest, "via", via, "proto", "static"});
    if (!st.ok())
      LOG_DEBUG("net: route {} via {} in {} not set yet: {}", dest, via, ns, st.error().message);
  }
  return Ok();
}

Status VpcNetworks::EnsureDnsmasq(const std::string& vpc_id, Vpc& vpc, bool restart) {
  std::string dir = Dir(vpc_id);
  int pid = DnsmasqPid(dir);
  if (pid && !restart) return Ok();
  if (pid) {
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) usleep(20000);
  }
  return InOk(VpcNamespace(vpc_id), {"dnsmasq", "--conf-file=" + dir + "/dnsmasq.conf"});
}

Status VpcNetworks::Teardown(const std::string& vpc_id) {
  std::string dir = Dir(vpc_id), ns = VpcNamespace(vpc_id);
  // The listening socket would keep the namespace alive after `ip netns del`.
  if (auto it = vpcs_.find(vpc_id); it != vpcs_.end()) it->second.metadata.reset();
  if (int pid = DnsmasqPid(dir)) ::kill(pid, SIGTERM);
  if (NamespaceExists(ns)) {
    OPENECS_RETURN_IF_ERROR(RunOk({"ip", "netns", "del", ns}));
    LOG_INFO("net: removed router namespace {}", ns);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return Ok();
}

std::map<std::string, int64_t> VpcNetworks::DhcpRequests() const {
  // dnsmasq's lease file: "<expiry> <mac> <ip> <host name> <client id>" per lease; the expiry
  // is set to now + the lease time at every request it answers.
  std::map<std::string, int64_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir_, ec)) {
    std::istringstream in(ReadFile((e.path() / "leases").string()));
    int64_t expiry = 0;
    std::string mac, rest;
    while (in >> expiry >> mac && std::getline(in, rest))
      out[mac] = std::max(out[mac], expiry - kDhcpLeaseSeconds);
  }
  return out;
}

}  // namespace openecs
