#include "service/dedicated_host_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/ids.h"
#include "service/deployment_set_service.h"
#include "service/names.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {

Result<DedicatedHost*> FindHost(State& s, const std::string& account_id, const std::string& id) {
  DedicatedHost* dh = FindOwned(s.dedicated_hosts, id, account_id);
  if (!dh)
    return MakeError(ErrorCode::kInvalidDedicatedHostIdNotFound,
                     "The specified DedicatedHostId " + id + " does not exist.");
  return dh;
}

Status ValidateChoices(const std::optional<std::string>& auto_placement,
                       const std::optional<std::string>& action_on_maintenance) {
  if (auto_placement && *auto_placement != "on" && *auto_placement != "off")
    return MakeError(ErrorCode::kInvalidParameter, "AutoPlacement must be on or off.");
  if (action_on_maintenance && *action_on_maintenance != "Migrate" &&
      *action_on_maintenance != "Stop")
    return MakeError(ErrorCode::kInvalidParameter, "ActionOnMaintenance must be Migrate or Stop.");
  return Ok();
}

// True if `host` can be reserved: nothing of anyone is on it or kept in its files.
bool Free(const State& s, const Host& host, const std::set<std::string>& dedicated) {
  if (host.lost_since != 0 || dedicated.count(host.id)) return false;
  for (const auto& [id, i] : s.instances)
    if (i.host_id == host.id) return false;
  // Custom images: one kept in the host's own image store needs it to launch; one in the shared
  // storage is still copied, exported and removed by its maker, for whichever account.
  for (const auto& [id, img] : s.images)
    if (img.host_id == host.id) return false;
  if (host.storage.empty()) {  // its disks and snapshots are its own files
    for (const auto& [id, d] : s.disks)
      if (d.host_id == host.id) return false;
    for (const auto& [id, snap] : s.snapshots)
      if (snap.host_id == host.id) return false;
  }
  return true;
}

}  // namespace

std::vector<DedicatedHostTypeInfo> DedicatedHostTypes() {
  std::map<std::string, DedicatedHostTypeInfo> by_type;
  for (const InstanceType& t : AllInstanceTypes()) {
    std::string family = t.family;
    std::string bare = family.rfind("ecs.", 0) == 0 ? family.substr(4) : family;
    DedicatedHostTypeInfo& info = by_type["ddh." + bare];
    info.type = "ddh." + bare;
    info.family = family;
    info.instance_types.push_back(t.id);
  }
  std::vector<DedicatedHostTypeInfo> out;
  for (auto& [type, info] : by_type) out.push_back(std::move(info));
  return out;
}

const DedicatedHostTypeInfo* FindDedicatedHostType(const std::string& type) {
  static const std::vector<DedicatedHostTypeInfo> kTypes = DedicatedHostTypes();
  for (const auto& t : kTypes)
    if (t.type == type) return &t;
  return nullptr;
}

Status ValidateDedicatedHostName(const std::string& name) {
  bool ok = ValidResourceName(name);
  for (unsigned char c : name)
    ok = ok && (c >= 0x80 || std::isalnum(c) || c == ':' || c == '_' || c == '.' || c == '-');
  if (!ok)
    return MakeError(ErrorCode::kInvalidDedicatedHostName,
                     "DedicatedHostName must be 2 to 128 characters, start with a letter, and "
                     "hold letters, digits, ':', '_', '.' and '-' only.");
  return Ok();
}

Result<std::vector<std::string>> AllocateDedicatedHosts(Cloud& cloud,
                                                        const AllocateDedicatedHostsRequest& r) {
  if (!FindDedicatedHostType(r.type))
    return MakeError(ErrorCode::kInvalidDedicatedHostTypeNotFound,
                     "The specified DedicatedHostType " + r.type +
                         " does not exist (DescribeDedicatedHostTypes lists them).");
  OPENECS_RETURN_IF_ERROR(ValidateDedicatedHostName(r.name));
  OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetDescription(r.description));
  OPENECS_RETURN_IF_ERROR(ValidateChoices(r.auto_placement, r.action_on_maintenance));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  if (r.charge_type != "PostPaid")
    return MakeError(ErrorCode::kInvalidParameter,
                     "OpenECS dedicated hosts are pay-as-you-go: ChargeType must be PostPaid.");
  if (r.quantity < 1 || r.quantity > kMaxDedicatedHostsPerCall)
    return MakeError(ErrorCode::kInvalidParameter, "Quantity must be 1 to 100.");
  const auto& zones = cloud.config().zones;
  if (!r.zone_id.empty() && std::find(zones.begin(), zones.end(), r.zone_id) == zones.end())
    return MakeError(ErrorCode::kInvalidZoneIdNotFound,
                     "The specified zone " + r.zone_id + " does not exist.");
  std::vector<std::string> made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    made.clear();
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxDedicatedHosts, r.quantity));
    std::set<std::string> dedicated;
    for (const auto& [id, dh] : s.dedicated_hosts) dedicated.insert(dh.host_id);
    std::vector<const Host*> free;
    for (const auto& [id, h] : s.hosts)
      if ((r.zone_id.empty() || h.zone_id == r.zone_id) && Free(s, h, dedicated))
        free.push_back(&h);
    if (static_cast<int>(free.size()) < r.quantity)
      return MakeError(ErrorCode::kNoStock,
                       "Only " + std::to_string(free.size()) + " host(s) " +
                           (r.zone_id.empty() ? "in the region" : "in " + r.zone_id) +
                           " hold nothing of anyone and can be dedicated; " +
                           std::to_string(r.quantity) + " asked for.");
    // The largest machines first: an account asking for a dedicated host wants room.
    std::stable_sort(free.begin(), free.end(), [](const Host* a, const Host* b) {
      return std::tie(a->vcpus, a->memory_mb) > std::tie(b->vcpus, b->memory_mb);
    });
    for (int n = 0; n < r.quantity; ++n) {
      const Host& h = *free[n];
      made.push_back(txn.Put(DedicatedHost{.id = NewId("dh"),
                                           .account_id = r.account_id,
                                           .resource_group_id = group,
                                           .region_id = r.region_id,
                                           .zone_id = h.zone_id,
                                           .host_id = h.id,
                                           .name = r.name,
                                           .description = r.description,
                                           .type = r.type,
                                           .charge_type = r.charge_type,
                                           .auto_placement = r.auto_placement,
                                           .action_on_maintenance = r.action_on_maintenance,
                                           .tags = r.tags,
                                           .creation_time = txn.now()})
                         .id);
    }
    return Ok();
  }));
  return made;
}

Status ModifyDedicatedHostAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& id, const DedicatedHostChange& c) {
  if (c.name) OPENECS_RETURN_IF_ERROR(ValidateDedicatedHostName(*c.name));
  if (c.description) OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetDescription(*c.description));
  OPENECS_RETURN_IF_ERROR(ValidateChoices(c.auto_placement, c.action_on_maintenance));
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(DedicatedHost * dh, FindHost(txn.state(), account_id, id));
    if (c.name) dh->name = *c.name;
    if (c.description) dh->description = *c.description;
    if (c.auto_placement) dh->auto_placement = *c.auto_placement;
    if (c.action_on_maintenance) dh->action_on_maintenance = *c.action_on_maintenance;
    txn.Touch(*dh);
    return Ok();
  });
}

Status ReleaseDedicatedHost(Cloud& cloud, const std::string& account_id, const std::string& id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(DedicatedHost * dh, FindHost(txn.state(), account_id, id));
    for (const auto& [iid, i] : txn.state().instances)
      if (i.dedicated_host_id == id)
        return MakeError(ErrorCode::kDedicatedHostInstanceExist,
                         "Instance " + iid + " is on dedicated host " + id + "; release it first.");
    txn.Erase<DedicatedHost>(dh->id);
    return Ok();
  });
}

DedicatedHostUse DedicatedHostUseOf(const State& s, const DedicatedHost& dh) {
  DedicatedHostUse u;
  if (auto h = s.hosts.find(dh.host_id); h != s.hosts.end()) {
    u.total_vcpus = h->second.vcpus;
    u.total_memory_mb = h->second.memory_mb;
    u.gpus = h->second.gpus;
    u.gpu_spec = h->second.gpu_spec;
    u.lost = h->second.lost_since != 0;
  }
  for (const auto& [id, i] : s.instances) {
    if (i.dedicated_host_id != dh.id) continue;
    u.instances.push_back(&i);
    if (i.claimed && i.host_id == dh.host_id) {
      u.used_vcpus += i.cpu;
      u.used_memory_mb += i.memory_mb;
    }
  }
  return u;
}

Result<DedicatedHost> DedicatedHostFor(const State& s, const std::string& account_id,
                                       const std::string& id, const std::string& zone_id,
                                       const InstanceType& instance_type) {
  const DedicatedHost* dh = FindOwned(s.dedicated_hosts, id, account_id);
  if (!dh)
    return MakeError(ErrorCode::kInvalidDedicatedHostIdNotFound,
                     "The specified DedicatedHostId " + id + " does not exist.");
  if (dh->zone_id != zone_id)
    return MakeError(ErrorCode::kInvalidParameter, "Dedicated host " + id + " is in zone " +
                                                       dh->zone_id + ", not in " + zone_id + ".");
  const DedicatedHostTypeInfo* type = FindDedicatedHostType(dh->type);
  if (!type || type->family != instance_type.family)
    return MakeError(ErrorCode::kInvalidInstanceType,
                     "Dedicated host " + id + " (" + dh->type + ") runs " +
                         (type ? type->family : std::string("no")) + " instances, not " +
                         instance_type.id + ".");
  return *dh;
}

}  // namespace openecs
