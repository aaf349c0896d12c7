#include "service/eni_service.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "model/catalogue.h"
#include "service/names.h"
#include "service/network_service.h"
#include "service/public_ip.h"
#include "service/resource_group_service.h"

namespace openecs {
namespace {

constexpr int kDetachedEniPrivateIps = 10;

bool IsPrimary(const State& s, const std::string& eni_id, const Instance** owner) {
  if (eni_id.rfind("eni-", 0) != 0) return false;
  auto it = s.instances.find("i-" + eni_id.substr(4));
  if (it == s.instances.end() || it->second.vpc_id.empty()) return false;
  *owner = &it->second;
  return true;
}

// 1-5 existing groups of the VPC.
Status CheckGroups(const State& s, const std::string& account_id, const std::string& vpc_id,
                   const std::vector<std::string>& groups) {
  if (groups.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"SecurityGroupId\" that is mandatory for processing "
                     "this request is not supplied.");
  if (groups.size() > 5)
    return MakeError(ErrorCode::kInvalidParameter,
                     "A network interface belongs to 1 to 5 security groups.");
  for (const auto& g : groups) {
    const SecurityGroup* group = FindOwned(s.security_groups, g, account_id);
    if (!group)
      return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound,
                       "The security group " + g + " does not exist.");
    if (group->vpc_id != vpc_id) return MakeError(ErrorCode::kEniVpcMismatch);
  }
  return Ok();
}

// Takes `fixed` (each usable and free in the vSwitch) and then `count` free addresses.
Result<std::vector<std::string>> TakeIps(IpPool& pool, const std::vector<std::string>& fixed,
                                         int count) {
  std::vector<std::string> out;
  for (const auto& ip : fixed) {
    auto v = ParseIpv4(ip);
    if (!v || !pool.cidr.Contains(*v) || !pool.Usable(*v))
      return MakeError(ErrorCode::kVSwitchIpInvalid,
                       "The private IP address " + ip + " is not assignable in the vSwitch.");
    if (pool.InUse(*v))
      return MakeError(ErrorCode::kInvalidPrivateIpAddressDuplicated,
                       "The private IP address " + ip + " is already in use.");
    pool.Take(*v);
    out.push_back(FormatIpv4(*v));
  }
  for (int k = 0; k < count; ++k) {
    auto v = pool.Next();
    if (!v) return MakeError(ErrorCode::kVSwitchIpNotEnough);
    out.push_back(FormatIpv4(*v));
  }
  return out;
}

// Where an ENI's mutable parts live: the instance (primary) or its record (secondary).
struct EniRef {
  Instance* instance = nullptr;     // primary
  NetworkInterface* eni = nullptr;  // secondary
  std::vector<std::string>& secondary_ips() {
    return instance ? instance->secondary_ips : eni->secondary_ips;
  }
  std::vector<std::string>& groups() {
    return instance ? instance->security_group_ids : eni->security_group_ids;
  }
  const std::string& vswitch_id() const {
    return instance ? instance->vswitch_id : eni->vswitch_id;
  }
  const std::string& vpc_id() const { return instance ? instance->vpc_id : eni->vpc_id; }
  const std::string& attached_to() const { return instance ? instance->id : eni->instance_id; }
  void Touch(Txn& txn) {
    if (instance)
      txn.Touch(*instance);
    else
      txn.Touch(*eni);
  }
};

Result<EniRef> Resolve(State& s, const std::string& account_id, const std::string& eni_id) {
  const Instance* owner = nullptr;
  if (IsPrimary(s, eni_id, &owner)) {
    if (!OwnedBy(*owner, account_id)) return MakeError(ErrorCode::kInvalidEniIdNotFound);
    return EniRef{&s.instances.at(owner->id), nullptr};
  }
  NetworkInterface* eni = FindOwned(s.enis, eni_id, account_id);
  if (!eni) return MakeError(ErrorCode::kInvalidEniIdNotFound);
  return EniRef{nullptr, eni};
}

// An instance that may have ENIs attached or detached now.
Result<Instance*> AttachableInstance(State& s, const std::string& account_id,
                                     const std::string& instance_id) {
  Instance* found = FindOwned(s.instances, instance_id, account_id);
  if (!found) return MakeError(ErrorCode::kInvalidEcsIdNotFound);
  Instance& i = *found;
  if (!CheckAction(InstanceAction::kChangeDevices, i.status, i.task).ok())
    return MakeError(ErrorCode::kInvalidEcsState);
  return &i;
}

}  // namespace

EniView ViewOf(const Instance& i) {
  EniView v;
  v.id = PrimaryEniId(i.id);
  v.primary = true;
  v.status = "InUse";
  v.account_id = i.account_id;
  v.region_id = i.region_id;
  v.zone_id = i.zone_id;
  v.vpc_id = i.vpc_id;
  v.vswitch_id = i.vswitch_id;
  v.mac = MacForId(i.id);
  v.primary_ip = i.private_ip;
  v.secondary_ips = i.secondary_ips;
  v.security_group_ids = i.security_group_ids;
  v.instance_id = i.id;
  v.resource_group_id = i.resource_group_id;
  v.creation_time = i.creation_time;
  return v;
}

EniView ViewOf(const NetworkInterface& e) {
  EniView v;
  v.id = e.id;
  v.status = e.instance_id.empty() ? "Available" : "InUse";
  v.account_id = e.account_id;
  v.region_id = e.region_id;
  v.zone_id = e.zone_id;
  v.vpc_id = e.vpc_id;
  v.vswitch_id = e.vswitch_id;
  v.name = e.name;
  v.description = e.description;
  v.mac = MacForId(e.id);
  v.primary_ip = e.primary_ip;
  v.secondary_ips = e.secondary_ips;
  v.security_group_ids = e.security_group_ids;
  v.instance_id = e.instance_id;
  v.device_index = e.device_index;
  v.resource_group_id = e.resource_group_id;
  v.tags = e.tags;
  v.creation_time = e.creation_time;
  return v;
}

std::string PrimaryEniId(const std::string& instance_id) {
  return "eni-" + (instance_id.size() > 2 ? instance_id.substr(2) : instance_id);
}

std::vector<EniView> ListEnis(const State& s) {
  std::vector<EniView> out;
  for (const auto& [id, i] : s.instances)
    if (!i.vpc_id.empty()) out.push_back(ViewOf(i));
  for (const auto& [id, e] : s.enis) out.push_back(ViewOf(e));
  return out;
}

std::optional<EniView> FindEni(const State& s, const std::string& eni_id) {
  const Instance* owner = nullptr;
  if (IsPrimary(s, eni_id, &owner)) return ViewOf(*owner);
  auto it = s.enis.find(eni_id);
  if (it == s.enis.end()) return std::nullopt;
  return ViewOf(it->second);
}

std::vector<const NetworkInterface*> AttachedEnis(const State& s, const std::string& instance_id) {
  std::vector<const NetworkInterface*> out;
  for (const auto& [id, e] : s.enis)
    if (e.instance_id == instance_id) out.push_back(&e);
  std::sort(out.begin(), out.end(),
            [](auto* a, auto* b) { return a->device_index < b->device_index; });
  return out;
}

Result<NetworkInterface> CreateNetworkInterface(Cloud& cloud, const CreateEniRequest& r) {
  if (!ValidResourceName(r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The NetworkInterfaceName is not valid.");
  if (r.secondary_count < 0)
    return MakeError(ErrorCode::kInvalidParameter,
                     "SecondaryPrivateIpAddressCount must not be negative.");
  if (1 + r.secondary_ips.size() + r.secondary_count > kDetachedEniPrivateIps)
    return MakeError(ErrorCode::kMaxEniPrivateIpsCountExceeded);
  NetworkInterface out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const VSwitch* vsw = FindOwned(s.vswitches, r.vswitch_id, r.account_id);
    if (!vsw) return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
    OPENECS_RETURN_IF_ERROR(CheckGroups(s, r.account_id, vsw->vpc_id, r.security_group_ids));
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    IpPool pool = PoolOf(s, *vsw);
    std::vector<std::string> fixed;
    if (!r.primary_ip.empty()) fixed.push_back(r.primary_ip);
    fixed.insert(fixed.end(), r.secondary_ips.begin(), r.secondary_ips.end());
    OPENECS_ASSIGN_OR_RETURN(auto ips,
                             TakeIps(pool, fixed, r.secondary_count + (r.primary_ip.empty())));
    NetworkInterface e;
    e.id = NewId("eni");
    e.account_id = r.account_id;
    e.resource_group_id = group;
    e.region_id = r.region_id;
    e.zone_id = vsw->zone_id;
    e.vpc_id = vsw->vpc_id;
    e.vswitch_id = r.vswitch_id;
    e.name = r.name;
    e.description = r.description;
    // The primary address is the given one, else the first picked.
    if (!r.primary_ip.empty()) {
      e.primary_ip = ips.front();
      e.secondary_ips.assign(ips.begin() + 1, ips.end());
    } else {
      e.primary_ip = ips.back();
      e.secondary_ips.assign(ips.begin(), ips.end() - 1);
    }
    e.security_group_ids = r.security_group_ids;
    e.tags = r.tags;
    e.creation_time = txn.now();
    out = txn.Put(e);
    return Ok();
  }));
  return out;
}

Status AttachNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id, const std::string& instance_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(s, account_id, eni_id));
    if (ref.instance) return MakeError(ErrorCode::kInvalidEniType);
    NetworkInterface& e = *ref.eni;
    OPENECS_ASSIGN_OR_RETURN(Instance * i, AttachableInstance(s, account_id, instance_id));
    if (!e.instance_id.empty())
      return MakeError(ErrorCode::kInvalidEniState, "The network interface is already InUse.");
    if (e.vpc_id != i->vpc_id) return MakeError(ErrorCode::kEniVpcMismatch);
    if (e.zone_id != i->zone_id) return MakeError(ErrorCode::kEniAvailabilityZoneMismatch);
    auto attached = AttachedEnis(s, instance_id);
    const InstanceType* type = FindInstanceType(i->instance_type);
    if (type && static_cast<int>(attached.size()) + 1 >= type->eni_quantity)
      return MakeError(ErrorCode::kEniPerInstanceLimitExceeded);
    if (type && static_cast<int>(1 + e.secondary_ips.size()) > type->eni_private_ips)
      return MakeError(ErrorCode::kMaxEniPrivateIpsCountExceeded);
    int index = 1;
    for (const auto* a : attached)
      if (a->device_index == index) ++index;
    e.instance_id = instance_id;
    e.device_index = index;
    txn.Touch(e);
    return Ok();
  });
}

Status DetachNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id, const std::string& instance_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(s, account_id, eni_id));
    if (ref.instance) return MakeError(ErrorCode::kDetachPrimaryEniNotAllowed);
    NetworkInterface& e = *ref.eni;
    if (auto i = AttachableInstance(s, account_id, instance_id); !i.ok()) return i.error();
    if (e.instance_id != instance_id)
      return MakeError(ErrorCode::kInvalidEniState,
                       "The network interface is not attached to " + instance_id + ".");
    e.instance_id.clear();
    e.device_index = 0;
    txn.Touch(e);
    return Ok();
  });
}

Status DeleteNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(txn.state(), account_id, eni_id));
    if (ref.instance) return MakeError(ErrorCode::kInvalidEniType);
    if (!ref.eni->instance_id.empty())
      return MakeError(ErrorCode::kInvalidEniState,
                       "Only an Available network interface can be deleted.");
    txn.Erase<NetworkInterface>(eni_id);
    return Ok();
  });
}

Status ModifyNetworkInterface(Cloud& cloud, const ModifyEniRequest& r) {
  if (r.name && !ValidResourceName(*r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The NetworkInterfaceName is not valid.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(s, r.account_id, r.eni_id));
    if (r.security_group_ids)
      OPENECS_RETURN_IF_ERROR(CheckGroups(s, r.account_id, ref.vpc_id(), *r.security_group_ids));
    if (ref.instance && (r.name || r.description))
      return MakeError(ErrorCode::kInvalidEniType,
                       "A primary network interface takes its name from its instance.");
    if (r.security_group_ids) ref.groups() = *r.security_group_ids;
    if (ref.eni && r.name) ref.eni->name = *r.name;
    if (ref.eni && r.description) ref.eni->description = *r.description;
    ref.Touch(txn);
    return Ok();
  });
}

Result<std::vector<std::string>> AssignPrivateIps(Cloud& cloud, const std::string& account_id,
                                                  const std::string& eni_id,
                                                  const std::vector<std::string>& ips, int count) {
  if (count < 0)
    return MakeError(ErrorCode::kInvalidParameter,
                     "SecondaryPrivateIpAddressCount must not be negative.");
  if (ips.empty() && count == 0)
    return MakeError(ErrorCode::kMissingParameter,
                     "Give PrivateIpAddress.N or SecondaryPrivateIpAddressCount.");
  std::vector<std::string> out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(s, account_id, eni_id));
    int limit = kDetachedEniPrivateIps;
    if (auto i = s.instances.find(ref.attached_to()); i != s.instances.end())
      if (const InstanceType* type = FindInstanceType(i->second.instance_type))
        limit = type->eni_private_ips;
    auto& secondary = ref.secondary_ips();
    if (static_cast<int>(1 + secondary.size() + ips.size()) + count > limit)
      return MakeError(ErrorCode::kMaxEniPrivateIpsCountExceeded);
    auto vsw = s.vswitches.find(ref.vswitch_id());
    if (vsw == s.vswitches.end()) return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
    IpPool pool = PoolOf(s, vsw->second);
    OPENECS_ASSIGN_OR_RETURN(out, TakeIps(pool, ips, count));
    secondary.insert(secondary.end(), out.begin(), out.end());
    ref.Touch(txn);
    return Ok();
  }));
  return out;
}

Status UnassignPrivateIps(Cloud& cloud, const std::string& account_id, const std::string& eni_id,
                          const std::vector<std::string>& ips) {
  if (ips.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"PrivateIpAddress.N\" that is mandatory for "
                     "processing this request is not supplied.");
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(EniRef ref, Resolve(txn.state(), account_id, eni_id));
    auto& secondary = ref.secondary_ips();
    for (const auto& ip : ips)
      if (std::find(secondary.begin(), secondary.end(), ip) == secondary.end())
        return MakeError(ErrorCode::kIpUnassigned,
                         ip + " is not a secondary private IP address of " + eni_id + ".");
    std::erase_if(secondary, [&](const std::string& ip) {
      return std::find(ips.begin(), ips.end(), ip) != ips.end();
    });
    ref.Touch(txn);
    return Ok();
  });
}

Status ModifyInstanceVpcAttribute(Cloud& cloud, const ModifyVpcAttributeRequest& r) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, r.instance_id, r.account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = *found;
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kModifyVpc, i.status, i.task));
    const VSwitch* vsw = FindOwned(s.vswitches, r.vswitch_id, r.account_id);
    if (!vsw) return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
    std::string vpc_id = r.vpc_id.empty() ? i.vpc_id : r.vpc_id;
    if (vsw->vpc_id != vpc_id)
      return MakeError(r.vpc_id.empty() ? ErrorCode::kInvalidVSwitchIdMismatch
                                        : ErrorCode::kVSwitchNotInVpc);
    if (vsw->zone_id != i.zone_id) return MakeError(ErrorCode::kInvalidVSwitchIdMismatch);
    bool moves_vpc = vpc_id != i.vpc_id, moves_vswitch = r.vswitch_id != i.vswitch_id;
    if (moves_vpc) {
      if (r.security_group_ids.empty())
        return MakeError(ErrorCode::kMissingParameter,
                         "SecurityGroupId.N: the groups to join in the new VPC.");
      if (!AttachedEnis(s, i.id).empty() || !PublicAddressOf(i, EipOf(s, i.id)).ip.empty())
        return MakeError(ErrorCode::kOperationDenied,
                         "Detach the secondary network interfaces and give up the public IP or "
                         "EIP before moving the instance to another VPC.");
    }
    if (!r.security_group_ids.empty())
      OPENECS_RETURN_IF_ERROR(CheckGroups(s, r.account_id, vpc_id, r.security_group_ids));
    if ((moves_vswitch || moves_vpc) && !i.secondary_ips.empty())
      return MakeError(ErrorCode::kOperationDenied,
                       "Unassign the secondary private IP addresses first.");
    std::string ip = r.private_ip;
    if (ip.empty() && !moves_vswitch) ip = i.private_ip;
    if (ip != i.private_ip || moves_vswitch) {
      IpPool pool = PoolOf(s, *vsw);
      // Its own address is free again in its own vSwitch only: in another one (of another VPC,
      // whose block may overlap) the same number may be another record's.
      if (auto mine = ParseIpv4(i.private_ip); mine && !moves_vswitch) pool.Release(*mine);
      auto taken = TakeIps(pool, ip.empty() ? std::vector<std::string>{} : std::vector{ip},
                           ip.empty() ? 1 : 0);
      if (!taken.ok()) {
        if (taken.error().code == ErrorCode::kVSwitchIpInvalid)
          return MakeError(ErrorCode::kInvalidPrivateIpAddressMalformed,
                           "The private IP address is not assignable in the vSwitch.");
        return taken.error();
      }
      ip = taken->front();
    }
    i.vpc_id = vpc_id;
    i.vswitch_id = r.vswitch_id;
    i.private_ip = ip;
    if (!r.security_group_ids.empty()) i.security_group_ids = r.security_group_ids;
    txn.Touch(i);
    return Ok();
  });
}

void SettleEnis(Txn& txn, const Instance& inst, const std::map<std::string, std::string>& refused) {
  for (const auto& [eni_id, why] : refused) {
    auto it = txn.state().enis.find(eni_id);
    if (it == txn.state().enis.end() || it->second.instance_id != inst.id) continue;
    LOG_WARN("network interface {}: attaching to {} failed, it is Available again: {}", eni_id,
             inst.id, why);
    it->second.instance_id.clear();
    it->second.device_index = 0;
    txn.Touch(it->second);
  }
}

void DetachEnisOf(Txn& txn, const std::string& instance_id) {
  for (auto& [id, e] : txn.state().enis)
    if (e.instance_id == instance_id) {
      e.instance_id.clear();
      e.device_index = 0;
      txn.Touch(e);
    }
}

}  // namespace openecs
