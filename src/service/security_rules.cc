#include "service/security_rules.h"

#include <algorithm>

#include "common/ids.h"
#include "common/ipv4.h"
#include "common/text.h"
#include "service/public_ip.h"
#include "service/route_service.h"

namespace openecs {

NetworkIndex IndexNetworks(const State& s, bool members) {
  NetworkIndex out;
  auto add = [&](const std::vector<std::string>& groups, const std::string& ip,
                 const std::vector<std::string>& secondary) {
    if (ip.empty() || !members) return;
    for (const auto& g : groups) {
      auto& m = out.members[g];
      m.push_back(ip);
      m.insert(m.end(), secondary.begin(), secondary.end());
    }
  };
  if (members)
    for (const auto& [id, i] : s.instances)
      add(i.security_group_ids, i.private_ip, i.secondary_ips);
  for (const auto& [id, e] : s.enis)
    if (!e.instance_id.empty()) {
      add(e.security_group_ids, e.primary_ip, e.secondary_ips);
      out.enis_of[e.instance_id].push_back(&e);
    }
  for (auto& [id, enis] : out.enis_of)
    std::sort(enis.begin(), enis.end(),
              [](auto* a, auto* b) { return a->device_index < b->device_index; });
  for (const auto& [id, e] : s.eips)
    if (!e.instance_id.empty()) out.eip_of[e.instance_id] = &e;
  for (const auto& [id, r] : s.route_entries)
    if (std::string eni = NextHopEni(s, r); !eni.empty())
      out.routed_to[eni].push_back(r.destination);
  return out;
}

namespace {

// "22/22" -> {22, 22}; "-1/-1" (or anything unparsable) -> every port.
std::pair<int, int> Ports(const std::string& range) {
  auto parts = Split(range, '/');
  if (parts.size() != 2) return {-1, -1};
  int a = std::atoi(parts[0].c_str()), b = std::atoi(parts[1].c_str());
  if (a <= 0 || b <= 0) return {-1, -1};
  return {a, b};
}

// One interface: its place in the VPC and its merged security rules (no public address).
DesiredNic NicOf(const State& s, const EniView& eni, const NetworkIndex& index, bool with_rules) {
  DesiredNic nic;
  nic.eni_id = eni.id;
  nic.mac = eni.mac;
  nic.ip = eni.primary_ip;
  nic.secondary_ips = eni.secondary_ips;
  nic.vpc_id = eni.vpc_id;
  if (auto vpc = s.vpcs.find(eni.vpc_id); vpc != s.vpcs.end()) nic.vni = vpc->second.vni;
  nic.vswitch_id = eni.vswitch_id;
  if (auto vsw = s.vswitches.find(eni.vswitch_id); vsw != s.vswitches.end()) {
    nic.cidr = vsw->second.cidr_block;
    if (auto c = ParseCidr(nic.cidr, false)) nic.gateway = FormatIpv4(c->last() - 2);
  }
  if (!with_rules) return nic;
  auto own = [&](const std::string& ip) {
    return ip == eni.primary_ip || std::find(eni.secondary_ips.begin(), eni.secondary_ips.end(),
                                             ip) != eni.secondary_ips.end();
  };
  auto ips_of = [&](const std::string& group) {
    auto it = index.members.find(group);
    return it == index.members.end() ? std::vector<std::string>{} : it->second;
  };

  std::vector<DesiredRule> rules;
  for (const auto& gid : eni.security_group_ids) {
    auto g = s.security_groups.find(gid);
    if (g == s.security_groups.end()) continue;
    for (const auto& r : g->second.rules) {
      DesiredRule d;
      d.ingress = r.direction != "egress";
      d.protocol = ToLower(r.ip_protocol);
      if (d.protocol != "tcp" && d.protocol != "udp" && d.protocol != "icmp") d.protocol = "all";
      if (d.protocol == "tcp" || d.protocol == "udp")
        std::tie(d.port_from, d.port_to) = Ports(r.port_range);
      d.accept = ToLower(r.policy) != "drop";
      d.priority = r.priority;
      const std::string& cidr = d.ingress ? r.source_cidr_ip : r.dest_cidr_ip;
      const std::string& group = d.ingress ? r.source_group_id : r.dest_group_id;
      if (!group.empty()) {
        d.peers = ips_of(group);
        if (d.peers.empty()) continue;  // a group with no instances matches nobody
      } else if (!cidr.empty() && cidr != "0.0.0.0/0") {
        d.peers = {cidr};
      }
      rules.push_back(std::move(d));
    }
  }
  std::stable_sort(rules.begin(), rules.end(), [](const DesiredRule& a, const DesiredRule& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    return !a.accept && b.accept;  // drop first
  });
  // Inner access: members of a shared group with InnerAccessPolicy Accept come in.
  for (const auto& gid : eni.security_group_ids) {
    auto g = s.security_groups.find(gid);
    if (g == s.security_groups.end() || g->second.inner_access_policy != "Accept") continue;
    DesiredRule d;
    d.priority = 101;
    for (const auto& ip : ips_of(gid))
      if (!own(ip)) d.peers.push_back(ip);
    if (!d.peers.empty()) rules.push_back(std::move(d));
  }
  nic.rules = std::move(rules);
  if (auto it = index.routed_to.find(eni.id); it != index.routed_to.end())
    nic.routed_cidrs = it->second;
  return nic;
}

}  // namespace

std::vector<DesiredNic> InstanceNics(const State& s, const Instance& i, const NetworkIndex& index,
                                     const std::string& public_cidr, bool with_rules) {
  std::vector<DesiredNic> out;
  if (i.vpc_id.empty()) return out;
  DesiredNic nic = NicOf(s, ViewOf(i), index, with_rules);
  nic.host_name = i.host_name;
  auto eip = index.eip_of.find(i.id);
  PublicAddress pub = PublicAddressOf(i, eip == index.eip_of.end() ? nullptr : eip->second);
  nic.public_ip = pub.ip;
  nic.bandwidth_out_mbps = pub.out_mbps;
  nic.bandwidth_in_mbps = pub.in_mbps;
  nic.public_cidr = public_cidr;
  out.push_back(std::move(nic));
  if (auto it = index.enis_of.find(i.id); it != index.enis_of.end())
    for (const NetworkInterface* e : it->second)
      out.push_back(NicOf(s, ViewOf(*e), index, with_rules));
  return out;
}

}  // namespace openecs
