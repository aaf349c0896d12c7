#include "net/ruleset.h"

#include "net/names.h"

namespace openecs {
namespace {

// The nft match for one rule, without its verdict ("" matches everything).
std::vector<std::string> Matches(const DesiredRule& r) {
  std::string proto;
  if (r.protocol == "tcp" || r.protocol == "udp") {
    proto = "meta l4proto " + r.protocol;
    if (r.port_from > 0)
      proto += " th dport " + std::to_string(r.port_from) +
               (r.port_to > r.port_from ? "-" + std::to_string(r.port_to) : "");
  } else if (r.protocol == "icmp") {
    proto = "meta l4proto icmp";
  }
  std::vector<std::string> out;
  const char* dir = r.ingress ? "ip saddr " : "ip daddr ";
  if (r.peers.empty()) {
    out.push_back(proto);
  } else {
    for (const auto& p : r.peers)
      out.push_back(std::string(dir) + p + (proto.empty() ? "" : " " + proto));
  }
  return out;
}

}  // namespace

std::string BuildVpcRuleset(const std::vector<DesiredNic>& nics) {
  std::string s = "table inet openecs {\n";
  // Anti-spoofing, before anything else looks at the packet.
  s += "  chain spoof {\n    type filter hook prerouting priority raw; policy accept;\n";
  // Instances with a public address reach the Internet through the uplink, whatever the
  // custom routes say (the policy rules of vpc_network.h send marked packets there).
  std::string public_sources;
  for (const auto& n : nics)
    if (!n.public_ip.empty()) public_sources += (public_sources.empty() ? "" : ", ") + n.ip;
  if (!public_sources.empty())
    s += "    iifname \"oe*\" ip saddr { " + public_sources + " } meta mark set " +
         kPublicRouteMark + "\n";
  for (const auto& n : nics) {
    std::string tap = TapName(n.eni_id);
    s += "    iifname \"" + tap + "\" ether saddr != " + n.mac + " drop\n";
    s += "    iifname \"" + tap + "\" ip saddr 0.0.0.0 udp dport 67 accept\n";
    // The next hop of custom routes forwards for their destinations, replies included.
    for (const auto& cidr : n.routed_cidrs)
      s += "    iifname \"" + tap + "\" ip saddr " + cidr + " accept\n";
    std::string own = n.ip;  // it may send from its secondary addresses too
    for (const auto& ip : n.secondary_ips) own += ", " + ip;
    s += "    iifname \"" + tap +
         "\" ip saddr != " + (n.secondary_ips.empty() ? own : "{ " + own + " }") + " drop\n";
    s += "    iifname \"" + tap + "\" meta protocol != { ip, arp } drop\n";
  }
  s += "  }\n";
  // To the router itself: DHCP, DNS, the gateway.
  s += "  chain input {\n    type filter hook input priority filter; policy accept;\n";
  s += "    iifname \"oe*\" ct state invalid drop\n  }\n";
  // Between interfaces.
  s += "  chain forward {\n    type filter hook forward priority filter; policy accept;\n";
  // To other hosts the VXLAN headers take 50 bytes: TCP learns it from its SYNs.
  s += "    oifname \"" + std::string(kVxlan) +
       "\" tcp flags syn tcp option maxseg size set rt mtu\n";
  s += "    ct state established,related accept\n    ct state invalid drop\n";
  // Taps this ruleset does not know (yet) are cut off in both directions.
  std::string known;
  for (size_t k = 0; k < nics.size(); ++k)
    known += std::string(k ? ", " : "") + "\"" + TapName(nics[k].eni_id) + "\"";
  std::string unknown = nics.empty() ? "" : " != { " + known + " }";
  s += "    iifname \"oe*\"" + (nics.empty() ? "" : " iifname" + unknown) + " drop\n";
  s += "    oifname \"oe*\"" + (nics.empty() ? "" : " oifname" + unknown) + " drop\n";
  if (!nics.empty()) {
    s += "    iifname vmap {";
    for (size_t k = 0; k < nics.size(); ++k)
      s += std::string(k ? "," : "") + " \"" + TapName(nics[k].eni_id) + "\" : jump egress_" +
           TapName(nics[k].eni_id);
    s += " }\n";
    s += "    oifname vmap {";
    for (size_t k = 0; k < nics.size(); ++k)
      s += std::string(k ? "," : "") + " \"" + TapName(nics[k].eni_id) + "\" : jump ingress_" +
           TapName(nics[k].eni_id);
    s += " }\n";
  }
  // Public addresses: 1:1 NAT on the uplink; only instances that have one may use it.
  std::string publics;
  for (const auto& n : nics)
    if (!n.public_ip.empty()) publics += std::string(publics.empty() ? "" : ", ") + n.ip;
  s += "    oifname \"" + std::string(kUplink) + "\"" +
       (publics.empty() ? "" : " ip saddr != { " + publics + " }") + " drop\n";
  s += "  }\n";
  if (!publics.empty()) {
    s += "  chain nat_in {\n    type nat hook prerouting priority dstnat; policy accept;\n";
    for (const auto& n : nics)
      if (!n.public_ip.empty())
        s += "    iifname \"" + std::string(kUplink) + "\" ip daddr " + n.public_ip +
             " dnat ip to " + n.ip + "\n";
    s += "  }\n  chain nat_out {\n    type nat hook postrouting priority srcnat; policy accept;\n";
    for (const auto& n : nics)
      if (!n.public_ip.empty())
        s += "    oifname \"" + std::string(kUplink) + "\" ip saddr " + n.ip + " snat ip to " +
             n.public_ip + "\n";
    s += "  }\n";
  }
  for (const auto& n : nics) {
    std::string tap = TapName(n.eni_id);
    // Egress: a matching accept lets the packet go on to the receiver's check (return).
    s += "  chain egress_" + tap + " {\n";
    for (const auto& r : n.rules)
      if (!r.ingress)
        for (const auto& m : Matches(r))
          s += "    " + (m.empty() ? "" : m + " ") + (r.accept ? "return" : "drop") + "\n";
    s += "  }\n";
    s += "  chain ingress_" + tap + " {\n";
    for (const auto& r : n.rules)
      if (r.ingress)
        for (const auto& m : Matches(r))
          s += "    " + (m.empty() ? "" : m + " ") + (r.accept ? "accept" : "drop") + "\n";
    s += "    drop\n  }\n";
  }
  s += "}\n";
  return s;
}

std::string BuildUnderlayFilter(const std::string& underlay_ip,
                                const std::set<std::string>& peers) {
  std::string out =
      "table inet openecs_underlay\n"
      "delete table inet openecs_underlay\n";
  if (peers.empty() || underlay_ip.empty()) return out;
  out += "table inet openecs_underlay {\n  set peers {\n    type ipv4_addr\n    elements = { ";
  bool first = true;
  for (const auto& p : peers) {
    out += (first ? "" : ", ") + p;
    first = false;
  }
  out += " }\n  }\n  chain input {\n    type filter hook input priority -50; policy accept;\n";
  out += "    ip daddr " + underlay_ip + " udp dport 4789 ip saddr != @peers counter drop\n";
  out += "  }\n}\n";
  return out;
}

std::string TrafficCounterName(bool in, const std::string& ip) {
  std::string name = std::string(in ? "in_" : "out_") + ip;
  for (char& c : name)
    if (c == '.') c = '_';
  return name;
}

std::string BuildTrafficCounters(const std::set<std::string>& public_ips) {
  std::string t = std::string(" ip ") + kTrafficTable;
  std::string s = "add table" + t + "\n";
  for (const auto& ip : public_ips)
    for (bool in : {true, false}) s += "add counter" + t + " " + TrafficCounterName(in, ip) + "\n";
  // Inbound before DNAT (raw), outbound after SNAT (srcnat is 100): both see the public address.
  s += "add chain" + t + " count_in { type filter hook prerouting priority raw; policy accept; }\n";
  s += "add chain" + t +
       " count_out { type filter hook postrouting priority 300; policy accept; }\n";
  s += "flush chain" + t + " count_in\nflush chain" + t + " count_out\n";
  if (public_ips.empty()) return s;
  for (bool in : {true, false}) {
    s += "add rule" + t + (in ? " count_in iifname \"" : " count_out oifname \"") + kUplink +
         "\" counter name ip " + (in ? "daddr" : "saddr") + " map {";
    bool first = true;
    for (const auto& ip : public_ips) {
      s += std::string(first ? " " : ", ") + ip + " : \"" + TrafficCounterName(in, ip) + "\"";
      first = false;
    }
    s += " }\n";
  }
  return s;
}

}  // namespace openecs
