#include "service/network_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/ipv4.h"
#include "common/text.h"
#include "service/names.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"

namespace openecs {
namespace {

Result<Cidr> PrivateCidr(const std::string& s) {
  auto c = ParseCidr(s, true);
  if (!c)
    return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                     "The specified CidrBlock \"" + s + "\" is not a valid IPv4 CIDR block.");
  return *c;
}

// The smallest VXLAN segment number no VPC has.
Result<int> FreeVni(const State& s) {
  std::set<int> used;
  for (const auto& [id, vpc] : s.vpcs) used.insert(vpc.vni);
  for (int vni = 1; vni < (1 << 24); ++vni)
    if (!used.count(vni)) return vni;
  return MakeError(ErrorCode::kInternalError, "No VXLAN segment is left for another VPC.");
}

// The system route table of a new VPC.
RouteTable SystemTableOf(const Vpc& vpc) {
  RouteTable t;
  t.id = vpc.route_table_id;
  t.account_id = vpc.account_id;
  t.region_id = vpc.region_id;
  t.vpc_id = vpc.id;
  t.creation_time = vpc.creation_time;
  return t;
}
}  // namespace

Result<Vpc> CreateVpc(Cloud& cloud, const CreateVpcRequest& r) {
  std::string cidr_s = r.cidr_block.empty() ? "172.16.0.0/12" : r.cidr_block;
  OPENECS_ASSIGN_OR_RETURN(Cidr cidr, PrivateCidr(cidr_s));
  if (cidr.prefix < 8 || cidr.prefix > 28)
    return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                     "The VPC CidrBlock must have a prefix length between 8 and 28.");
  if (!ValidResourceName(r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The VpcName is not valid.");
  if (r.dry_run) return DryRunOk();
  Vpc vpc;
  vpc.id = NewId("vpc");
  vpc.account_id = r.account_id;
  vpc.region_id = r.region_id;
  vpc.cidr_block = cidr.ToString();
  vpc.name = r.name;
  vpc.description = r.description;
  vpc.vrouter_id = NewId("vrt");
  vpc.route_table_id = NewId("vtb");
  vpc.tags = r.tags;
  vpc.creation_time = cloud.Now();
  Vpc out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(vpc.resource_group_id,
                             ResolveResourceGroup(txn.state(), r.account_id, r.resource_group_id));
    OPENECS_ASSIGN_OR_RETURN(vpc.vni, FreeVni(txn.state()));
    out = txn.Put(vpc);
    txn.Put(SystemTableOf(out));
    return Ok();
  }));
  return out;
}

Status UpgradeVpcRecords(Cloud& cloud) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    for (auto& [id, vpc] : s.vpcs) {
      if (vpc.vni == 0) {
        OPENECS_ASSIGN_OR_RETURN(vpc.vni, FreeVni(s));
        txn.Touch(vpc);
      }
      if (!s.route_tables.count(vpc.route_table_id)) txn.Put(SystemTableOf(vpc));
    }
    return Ok();
  });
}

Status ModifyVpc(Cloud& cloud, const std::string& account_id, const std::string& vpc_id,
                 const std::optional<std::string>& name,
                 const std::optional<std::string>& description) {
  if (name && !ValidResourceName(*name))
    return MakeError(ErrorCode::kInvalidParameter, "The VpcName is not valid.");
  return cloud.Write([&](Txn& txn) -> Status {
    Vpc* v = FindOwned(txn.state().vpcs, vpc_id, account_id);
    if (!v) return MakeError(ErrorCode::kInvalidVpcIdNotFound);
    if (name) v->name = *name;
    if (description) v->description = *description;
    txn.Touch(*v);
    return Ok();
  });
}

Status ModifyVSwitch(Cloud& cloud, const std::string& account_id, const std::string& vswitch_id,
                     const std::optional<std::string>& name,
                     const std::optional<std::string>& description) {
  if (name && !ValidResourceName(*name))
    return MakeError(ErrorCode::kInvalidParameter, "The VSwitchName is not valid.");
  return cloud.Write([&](Txn& txn) -> Status {
    VSwitch* v = FindOwned(txn.state().vswitches, vswitch_id, account_id);
    if (!v) return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
    if (name) v->name = *name;
    if (description) v->description = *description;
    txn.Touch(*v);
    return Ok();
  });
}

Status DeleteVpc(Cloud& cloud, const std::string& account_id, const std::string& vpc_id,
                 bool dry_run) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const Vpc* vpc = FindOwned(s.vpcs, vpc_id, account_id);
    if (!vpc) return MakeError(ErrorCode::kInvalidVpcIdNotFound);
    for (const auto& [id, v] : s.vswitches)
      if (v.vpc_id == vpc_id)
        return MakeError(ErrorCode::kDependencyViolation,
                         "The VPC still has vSwitch " + id + "; delete its vSwitches first.");
    for (const auto& [id, g] : s.security_groups)
      if (g.vpc_id == vpc_id)
        return MakeError(ErrorCode::kDependencyViolation,
                         "The VPC still has security group " + id + "; delete it first.");
    for (const auto& [id, e] : s.route_entries)
      if (e.vpc_id == vpc_id)
        return MakeError(
            ErrorCode::kDependencyViolation,
            "The VPC's route table still has custom route entry " + id + "; delete it first.");
    if (dry_run) return DryRunOk();
    txn.Erase<RouteTable>(vpc->route_table_id);
    txn.Erase<Vpc>(vpc_id);  // `vpc` is gone after this
    return Ok();
  });
}

Result<VSwitch> CreateVSwitch(Cloud& cloud, const CreateVSwitchRequest& r) {
  OPENECS_ASSIGN_OR_RETURN(Cidr cidr, PrivateCidr(r.cidr_block));
  if (cidr.prefix < 16 || cidr.prefix > 29)
    return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                     "The vSwitch CidrBlock must have a prefix length between 16 and 29.");
  if (!ValidResourceName(r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The VSwitchName is not valid.");
  const auto& zones = cloud.config().zones;
  if (std::find(zones.begin(), zones.end(), r.zone_id) == zones.end())
    return MakeError(ErrorCode::kInvalidZoneIdNotFound);
  VSwitch out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const Vpc* vpc = FindOwned(s.vpcs, r.vpc_id, r.account_id);
    if (!vpc) return MakeError(ErrorCode::kInvalidVpcIdNotFound);
    Cidr vpc_cidr = *ParseCidr(vpc->cidr_block, false);
    if (!vpc_cidr.Contains(cidr))
      return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                       "The vSwitch CidrBlock " + cidr.ToString() + " is not inside the VPC's " +
                           vpc->cidr_block + ".");
    for (const auto& [id, v] : s.vswitches) {
      if (v.vpc_id != r.vpc_id) continue;
      if (ParseCidr(v.cidr_block, false)->Overlaps(cidr))
        return MakeError(ErrorCode::kInvalidCidrBlockOverlapped,
                         "The CidrBlock " + cidr.ToString() + " overlaps vSwitch " + id + " (" +
                             v.cidr_block + ").");
    }
    // A custom route's destination may not lie inside a vSwitch's block (route_service.h).
    for (const auto& [id, e] : s.route_entries)
      if (e.vpc_id == r.vpc_id && cidr.Contains(*ParseCidr(e.destination, false)))
        return MakeError(ErrorCode::kInvalidCidrBlockOverlapped,
                         "The CidrBlock " + cidr.ToString() + " contains " + e.destination +
                             ", the destination of route entry " + id + ".");
    if (r.dry_run) return DryRunOk();
    VSwitch v;
    v.id = NewId("vsw");
    v.account_id = r.account_id;
    v.resource_group_id = vpc->resource_group_id;  // as its VPC's
    v.region_id = r.region_id;
    v.vpc_id = r.vpc_id;
    v.zone_id = r.zone_id;
    v.cidr_block = cidr.ToString();
    v.name = r.name;
    v.description = r.description;
    v.tags = r.tags;
    v.creation_time = txn.now();
    out = txn.Put(v);
    return Ok();
  }));
  return out;
}

Status DeleteVSwitch(Cloud& cloud, const std::string& account_id, const std::string& vswitch_id,
                     bool dry_run) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (!FindOwned(s.vswitches, vswitch_id, account_id))
      return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
    for (const auto& [id, i] : s.instances)
      if (i.vswitch_id == vswitch_id)
        return MakeError(ErrorCode::kDependencyViolation,
                         "The vSwitch is still used by instance " + id + ".");
    for (const auto& [id, e] : s.enis)
      if (e.vswitch_id == vswitch_id)
        return MakeError(ErrorCode::kDependencyViolation,
                         "The vSwitch is still used by network interface " + id + ".");
    if (dry_run) return DryRunOk();
    txn.Erase<VSwitch>(vswitch_id);
    return Ok();
  });
}

IpPool PoolOf(const State& s, const VSwitch& vsw) {
  IpPool pool;
  // A record always holds a valid block; anything else (an absent vSwitch rendered empty)
  // is a pool without a usable address.
  pool.cidr = ParseCidr(vsw.cidr_block, false).value_or(Cidr{0, 32});
  pool.held = s.index.AddressesOf(vsw.id);
  return pool;
}

int64_t IpPool::InUseCount() const {
  int64_t n = held ? static_cast<int64_t>(held->size()) : 0;
  for (uint32_t ip : taken)
    if (!held || !held->Holds(ip)) ++n;
  for (uint32_t ip : released)
    if (held && held->Holds(ip)) --n;
  return n;
}

std::optional<uint32_t> IpPool::Next() {
  // Jumps over each run of held addresses (AddressSet::FirstFreeFrom) rather than walking it,
  // stopping at an address this Write released; later calls start where this one ended.
  uint64_t ip = std::max(cursor_, cidr.first() + 1);
  while (ip + 3 <= cidr.last()) {
    auto at = static_cast<uint32_t>(ip);
    if (taken.count(at)) {
      ++ip;
    } else if (held && held->Holds(at) && !released.count(at)) {
      uint64_t free = held->FirstFreeFrom(at);
      auto r = released.upper_bound(at);
      ip = r != released.end() && *r < free ? *r : free;
    } else {
      Take(at);
      cursor_ = at + 1;
      return at;
    }
  }
  return std::nullopt;
}

int64_t AvailableIpCount(const State& s, const VSwitch& vsw) {
  IpPool pool = PoolOf(s, vsw);
  int64_t usable = static_cast<int64_t>(pool.cidr.size()) - 4 - pool.InUseCount();
  return usable < 0 ? 0 : usable;
}

Result<SecurityGroup> CreateSecurityGroup(Cloud& cloud, const CreateSecurityGroupRequest& r) {
  if (!ValidResourceName(r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The SecurityGroupName is not valid.");
  if (!r.type.empty() && r.type != "normal" && r.type != "enterprise")
    return MakeError(ErrorCode::kInvalidParameter,
                     "SecurityGroupType must be normal or enterprise.");
  SecurityGroup out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (r.vpc_id.empty())
      return MakeError(ErrorCode::kMissingParameter,
                       "The input parameter \"VpcId\" that is mandatory for processing this "
                       "request is not supplied.");
    if (!FindOwned(s.vpcs, r.vpc_id, r.account_id))
      return MakeError(ErrorCode::kInvalidVpcIdNotFound);
    SecurityGroup g;
    OPENECS_ASSIGN_OR_RETURN(g.resource_group_id,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxSecurityGroups, 1));
    if (r.dry_run) return DryRunOk();
    g.id = NewId("sg");
    g.account_id = r.account_id;
    g.region_id = r.region_id;
    g.vpc_id = r.vpc_id;
    g.name = r.name;
    g.description = r.description;
    g.type = r.type.empty() ? "normal" : r.type;
    g.inner_access_policy = g.type == "enterprise" ? "Drop" : "Accept";
    g.tags = r.tags;
    g.creation_time = txn.now();
    out = txn.Put(g);
    return Ok();
  }));
  return out;
}

Status DeleteSecurityGroup(Cloud& cloud, const std::string& account_id, const std::string& sg_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (!FindOwned(s.security_groups, sg_id, account_id))
      return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    for (const auto& [id, i] : s.instances)
      if (std::find(i.security_group_ids.begin(), i.security_group_ids.end(), sg_id) !=
          i.security_group_ids.end())
        return MakeError(ErrorCode::kDependencyViolation,
                         "There is still instance(s) in the specified security group.");
    for (const auto& [id, e] : s.enis)
      if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), sg_id) !=
          e.security_group_ids.end())
        return MakeError(ErrorCode::kDependencyViolation,
                         "Network interface " + id + " is still in the specified security group.");
    for (const auto& [id, g] : s.security_groups) {
      if (id == sg_id) continue;
      for (const auto& rule : g.rules)
        if (rule.source_group_id == sg_id || rule.dest_group_id == sg_id)
          return MakeError(ErrorCode::kDependencyViolation,
                           "Security group " + id + " has rules that reference this group.");
    }
    txn.Erase<SecurityGroup>(sg_id);
    return Ok();
  });
}

Status NormaliseRule(SecurityGroupRule& r) {
  std::string proto = r.ip_protocol;
  for (auto& c : proto) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (proto.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"IpProtocol\" that is mandatory for processing this "
                     "request is not supplied.");
  if (proto != "TCP" && proto != "UDP" && proto != "ICMP" && proto != "GRE" && proto != "ALL")
    return MakeError(
        ErrorCode::kInvalidIpProtocol,
        "IpProtocol \"" + r.ip_protocol + "\" is not one of TCP, UDP, ICMP, GRE, ALL.");
  r.ip_protocol = proto;
  bool ported = proto == "TCP" || proto == "UDP";
  if (r.port_range.empty()) {
    if (ported)
      return MakeError(ErrorCode::kMissingParameter,
                       "The input parameter \"PortRange\" that is mandatory for TCP and UDP rules "
                       "is not supplied.");
    r.port_range = "-1/-1";
  }
  auto parts = Split(r.port_range, '/');
  auto bad_range = MakeError(ErrorCode::kInvalidPortRange,
                             "PortRange \"" + r.port_range + "\" is not valid for " + proto + ".");
  if (parts.size() != 2) return bad_range;
  int lo = 0, hi = 0;
  try {
    size_t a = 0, b = 0;
    lo = std::stoi(parts[0], &a);
    hi = std::stoi(parts[1], &b);
    if (a != parts[0].size() || b != parts[1].size()) return bad_range;
  } catch (...) {
    return bad_range;
  }
  if (ported) {
    if (lo < 1 || hi > 65535 || lo > hi) return bad_range;
  } else if (!(lo == -1 && hi == -1)) {
    return bad_range;
  }
  if (!r.source_port_range.empty()) {  // stored and shown, the same form as PortRange
    auto sp = Split(r.source_port_range, '/');
    bool ok = ported && sp.size() == 2;
    try {
      size_t a = 0, b = 0;
      int from = ok ? std::stoi(sp[0], &a) : 0, to = ok ? std::stoi(sp[1], &b) : 0;
      ok = ok && a == sp[0].size() && b == sp[1].size() && from >= 1 && to <= 65535 && from <= to;
    } catch (...) {
      ok = false;
    }
    if (!ok)
      return MakeError(ErrorCode::kInvalidPortRange, "SourcePortRange \"" + r.source_port_range +
                                                         "\" is not valid for " + proto + ".");
  }
  if (!r.source_cidr_ip.empty()) {
    auto c = ParseCidr(r.source_cidr_ip, false);
    auto ip = ParseIpv4(r.source_cidr_ip);
    if (!c && !ip) return MakeError(ErrorCode::kInvalidSourceCidrIp);
    r.source_cidr_ip = c ? c->ToString() : FormatIpv4(*ip);
  }
  if (!r.dest_cidr_ip.empty()) {
    auto c = ParseCidr(r.dest_cidr_ip, false);
    auto ip = ParseIpv4(r.dest_cidr_ip);
    if (!c && !ip) return MakeError(ErrorCode::kInvalidDestCidrIp);
    r.dest_cidr_ip = c ? c->ToString() : FormatIpv4(*ip);
  }
  std::string policy = ToLower(r.policy.empty() ? "accept" : r.policy);
  if (policy != "accept" && policy != "drop") return MakeError(ErrorCode::kInvalidPolicy);
  r.policy = policy;
  if (r.priority < 1 || r.priority > 100) return MakeError(ErrorCode::kInvalidPriority);
  if (r.nic_type.empty()) r.nic_type = "intranet";
  if (r.nic_type != "intranet" && r.nic_type != "internet")
    return MakeError(ErrorCode::kInvalidNicType);
  return Ok();
}

namespace {
// "10.0.0.1" and "10.0.0.1/32" are one block.
bool SameBlock(const std::string& a, const std::string& b) {
  auto full = [](const std::string& c) {
    return c.empty() || c.find('/') != std::string::npos ? c : c + "/32";
  };
  return full(a) == full(b);
}

bool SameRule(const SecurityGroupRule& a, const SecurityGroupRule& b) {
  return a.direction == b.direction && a.ip_protocol == b.ip_protocol &&
         a.port_range == b.port_range && SameBlock(a.source_cidr_ip, b.source_cidr_ip) &&
         a.source_group_id == b.source_group_id && SameBlock(a.dest_cidr_ip, b.dest_cidr_ip) &&
         a.dest_group_id == b.dest_group_id && a.policy == b.policy && a.priority == b.priority &&
         a.nic_type == b.nic_type && a.source_port_range == b.source_port_range;
}
}  // namespace

Status AuthorizeRules(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                      std::vector<SecurityGroupRule> rules) {
  for (auto& r : rules) {
    OPENECS_RETURN_IF_ERROR(NormaliseRule(r));
    bool ingress = r.direction == "ingress";
    bool has_peer = ingress ? (!r.source_cidr_ip.empty() || !r.source_group_id.empty())
                            : (!r.dest_cidr_ip.empty() || !r.dest_group_id.empty());
    if (!has_peer)
      return MakeError(ErrorCode::kMissingParameter,
                       ingress ? "Either SourceCidrIp or SourceGroupId must be given."
                               : "Either DestCidrIp or DestGroupId must be given.");
  }
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    SecurityGroup* g = FindOwned(s.security_groups, sg_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    for (const auto& r : rules) {
      for (const std::string& peer : {r.source_group_id, r.dest_group_id}) {
        if (peer.empty()) continue;
        if (!FindOwned(s.security_groups, peer, account_id))
          return MakeError(ErrorCode::kInvalidSourceGroupIdNotFound,
                           "The security group " + peer + " named in the rule does not exist.");
      }
    }
    if (g->rules.size() + rules.size() > 200)
      return MakeError(ErrorCode::kInvalidParameter, "A security group holds at most 200 rules.");
    bool changed = false;
    for (auto r : rules) {
      bool dup = std::any_of(g->rules.begin(), g->rules.end(),
                             [&](const SecurityGroupRule& e) { return SameRule(e, r); });
      if (dup) continue;
      r.id = NewId("sgr");
      r.create_time = txn.now();
      g->rules.push_back(r);
      changed = true;
    }
    if (changed) txn.Touch(*g);
    return Ok();
  });
}

Status RevokeRules(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                   const std::vector<std::string>& rule_ids,
                   const std::vector<SecurityGroupRule>& rules_in) {
  std::vector<SecurityGroupRule> rules = rules_in;
  for (auto& r : rules) OPENECS_RETURN_IF_ERROR(NormaliseRule(r));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    SecurityGroup* g = FindOwned(s.security_groups, sg_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    auto& existing = g->rules;
    for (const auto& rid : rule_ids) {
      if (std::none_of(existing.begin(), existing.end(),
                       [&](const SecurityGroupRule& e) { return e.id == rid; }))
        return MakeError(ErrorCode::kInvalidSecurityGroupRuleIdNotFound,
                         "The security group rule " + rid + " does not exist in " + sg_id + ".");
    }
    size_t before = existing.size();
    existing.erase(
        std::remove_if(existing.begin(), existing.end(),
                       [&](const SecurityGroupRule& e) {
                         if (std::find(rule_ids.begin(), rule_ids.end(), e.id) != rule_ids.end())
                           return true;
                         return std::any_of(
                             rules.begin(), rules.end(),
                             [&](const SecurityGroupRule& r) { return SameRule(e, r); });
                       }),
        existing.end());
    if (existing.size() != before) txn.Touch(*g);
    return Ok();
  });
}

Status ModifySecurityGroupAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& sg_id,
                                    const std::optional<std::string>& name,
                                    const std::optional<std::string>& description) {
  if (name && !ValidResourceName(*name))
    return MakeError(ErrorCode::kInvalidParameter, "The SecurityGroupName is not valid.");
  if (description && description->size() > 256)
    return MakeError(ErrorCode::kInvalidParameter,
                     "The Description is longer than 256 characters.");
  return cloud.Write([&](Txn& txn) -> Status {
    SecurityGroup* g = FindOwned(txn.state().security_groups, sg_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    if (name) g->name = *name;
    if (description) g->description = *description;
    txn.Touch(*g);
    return Ok();
  });
}

Status ModifySecurityGroupPolicy(Cloud& cloud, const std::string& account_id,
                                 const std::string& sg_id, const std::string& policy_in) {
  std::string policy = ToLower(policy_in);
  if (policy != "accept" && policy != "drop")
    return MakeError(ErrorCode::kInvalidPolicy,
                     "The InnerAccessPolicy is invalid: only Accept and Drop are supported.");
  return cloud.Write([&](Txn& txn) -> Status {
    SecurityGroup* g = FindOwned(txn.state().security_groups, sg_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    g->inner_access_policy = policy == "accept" ? "Accept" : "Drop";
    txn.Touch(*g);
    return Ok();
  });
}

namespace {
// The fields of a rule by their wire names.
std::string* RuleField(SecurityGroupRule& r, const std::string& key) {
  static const std::map<std::string, std::string SecurityGroupRule::*> fields = {
      {"IpProtocol", &SecurityGroupRule::ip_protocol},
      {"PortRange", &SecurityGroupRule::port_range},
      {"SourceCidrIp", &SecurityGroupRule::source_cidr_ip},
      {"SourceGroupId", &SecurityGroupRule::source_group_id},
      {"DestCidrIp", &SecurityGroupRule::dest_cidr_ip},
      {"DestGroupId", &SecurityGroupRule::dest_group_id},
      {"SourcePortRange", &SecurityGroupRule::source_port_range},
      {"Policy", &SecurityGroupRule::policy},
      {"NicType", &SecurityGroupRule::nic_type},
      {"Description", &SecurityGroupRule::description}};
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &(r.*(it->second));
}

// SetRuleFields for the wire names in `keys` only.
void SetRuleFields(SecurityGroupRule& r, const std::map<std::string, std::string>& fields,
                   const std::set<std::string>& keys) {
  for (const auto& [k, v] : fields) {
    if (!keys.count(k) || v.empty()) continue;
    if (k == "Priority") {
      r.priority = 0;
      try {
        size_t used = 0;
        int p = std::stoi(v, &used);
        if (used == v.size()) r.priority = p;
      } catch (...) {
      }
    } else if (std::string* f = RuleField(r, k)) {
      *f = v;
    }
  }
}
}  // namespace

const std::vector<std::string>& RuleFieldNames() {
  static const std::vector<std::string> names = {
      "IpProtocol", "PortRange", "SourceCidrIp",    "SourceGroupId", "DestCidrIp", "DestGroupId",
      "Policy",     "Priority",  "SourcePortRange", "NicType",       "Description"};
  return names;
}

void SetRuleFields(SecurityGroupRule& r, const std::map<std::string, std::string>& fields) {
  const auto& names = RuleFieldNames();
  SetRuleFields(r, fields, std::set<std::string>(names.begin(), names.end()));
}

Status ModifyRule(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                  const std::string& direction, const std::string& rule_id,
                  const std::map<std::string, std::string>& fields) {
  bool ingress = direction == "ingress";
  const std::set<std::string> identity = {"IpProtocol",
                                          "PortRange",
                                          ingress ? "SourceCidrIp" : "DestCidrIp",
                                          ingress ? "SourceGroupId" : "DestGroupId",
                                          "NicType",
                                          "SourcePortRange"};
  const std::set<std::string> changes = {"Policy", "Priority", "Description"};
  // Without an id, the rule is found by value: normalised the way stored rules are.
  SecurityGroupRule key;
  if (rule_id.empty()) {
    key.direction = direction;
    SetRuleFields(key, fields, identity);
    OPENECS_RETURN_IF_ERROR(NormaliseRule(key));
  }
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    SecurityGroup* g = FindOwned(s.security_groups, sg_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    SecurityGroupRule* rule = nullptr;
    for (auto& r : g->rules) {
      bool match = rule_id.empty()
                       ? r.direction == direction && r.ip_protocol == key.ip_protocol &&
                             r.port_range == key.port_range &&
                             SameBlock(r.source_cidr_ip, key.source_cidr_ip) &&
                             r.source_group_id == key.source_group_id &&
                             SameBlock(r.dest_cidr_ip, key.dest_cidr_ip) &&
                             r.dest_group_id == key.dest_group_id && r.nic_type == key.nic_type
                       : r.id == rule_id && r.direction == direction;
      if (match) {
        rule = &r;
        break;
      }
    }
    if (!rule) return MakeError(ErrorCode::kSecurityGroupRuleNotFound);
    SecurityGroupRule next = *rule;
    std::set<std::string> settable = changes;
    if (!rule_id.empty()) settable.insert(identity.begin(), identity.end());
    settable.erase("NicType");  // fixed for the rule's life, as on ECS
    SetRuleFields(next, fields, settable);
    OPENECS_RETURN_IF_ERROR(NormaliseRule(next));
    bool has_peer = ingress ? (!next.source_cidr_ip.empty() || !next.source_group_id.empty())
                            : (!next.dest_cidr_ip.empty() || !next.dest_group_id.empty());
    if (!has_peer)
      return MakeError(ErrorCode::kMissingParameter,
                       ingress ? "Either SourceCidrIp or SourceGroupId must be given."
                               : "Either DestCidrIp or DestGroupId must be given.");
    for (const std::string& peer : {next.source_group_id, next.dest_group_id}) {
      if (peer.empty()) continue;
      if (!FindOwned(s.security_groups, peer, account_id))
        return MakeError(ErrorCode::kInvalidSourceGroupIdNotFound,
                         "The security group " + peer + " named in the rule does not exist.");
    }
    *rule = next;
    txn.Touch(*g);
    return Ok();
  });
}

}  // namespace openecs
