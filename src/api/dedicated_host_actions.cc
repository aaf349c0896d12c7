// Dedicated host actions: AllocateDedicatedHosts, DescribeDedicatedHosts,
// ModifyDedicatedHostAttribute, ReleaseDedicatedHost and DescribeDedicatedHostTypes. What a
// dedicated host is on OpenECS (a whole registered machine for one account) and the rules live in
// service/dedicated_host_service.h; this file parses parameters and renders replies in the form
// the SDK's response models declare.
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "service/dedicated_host_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// Host clusters and CPU over-commit: OpenECS has neither, so a value is refused rather than
// silently not kept.
Status RefuseClustersAndOverCommit(const Params& p) {
  for (const char* k : {"DedicatedHostClusterId", "CpuOverCommitRatio"})
    if (auto v = p.Get(k); v && !v->empty())
      return MakeError(ErrorCode::kInvalidParameter,
                       std::string(k) +
                           ": OpenECS dedicated hosts have no clusters and no CPU "
                           "over-commit.");
  return Ok();
}

Result<json> AllocateDedicatedHostsAction(ApiContext& c) {
  const Params& p = c.params;
  AllocateDedicatedHostsRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.type, p.Required("DedicatedHostType"));
  r.zone_id = p.GetOr("ZoneId", "");
  r.name = p.GetOr("DedicatedHostName", "");
  r.description = p.GetOr("Description", "");
  OPENECS_ASSIGN_OR_RETURN(auto charge, p.Enum("ChargeType", {"PrePaid", "PostPaid"}));
  r.charge_type = charge.value_or("PostPaid");
  OPENECS_ASSIGN_OR_RETURN(auto placement, p.Enum("AutoPlacement", {"on", "off"}));
  r.auto_placement = placement.value_or("on");
  OPENECS_ASSIGN_OR_RETURN(auto action, p.Enum("ActionOnMaintenance", {"Migrate", "Stop"}));
  r.action_on_maintenance = action.value_or("Migrate");
  OPENECS_ASSIGN_OR_RETURN(int64_t quantity, p.IntOr("Quantity", 1, 1, kMaxDedicatedHostsPerCall));
  r.quantity = static_cast<int>(quantity);
  // MinQuantity: OpenECS reserves all or nothing, so a smaller minimum changes nothing.
  OPENECS_RETURN_IF_ERROR(p.IntOr("MinQuantity", 1, 1, kMaxDedicatedHostsPerCall));
  r.resource_group_id = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(RefuseClustersAndOverCommit(p));
  OPENECS_ASSIGN_OR_RETURN(auto ids, AllocateDedicatedHosts(c.cloud, r));
  return json{{"DedicatedHostIdSets", Wrap("DedicatedHostId", ids)}, {"OrderId", ""}};
}

json RenderDedicatedHost(const State& s, const DedicatedHost& dh) {
  DedicatedHostUse use = DedicatedHostUseOf(s, dh);
  const DedicatedHostTypeInfo* type = FindDedicatedHostType(dh.type);
  json instances = json::array();
  for (const Instance* i : use.instances)
    instances.push_back({{"InstanceId", i->id},
                         {"InstanceType", i->instance_type},
                         {"InstanceOwnerId", NumericAccountId(i->account_id)},
                         {"SocketId", 0}});
  json families = json::array(), types = json::array(), available = json::array();
  double free_gib = (use.total_memory_mb - use.used_memory_mb) / 1024.0;
  int free_vcpus = use.total_vcpus - use.used_vcpus;
  if (type) {
    families.push_back(type->family);
    for (const auto& t : type->instance_types) {
      types.push_back(t);
      const InstanceType* it = FindInstanceType(t);
      if (!it || it->cpu <= 0) continue;
      int fit = std::min(free_vcpus / it->cpu,
                         it->memory_gib > 0 ? static_cast<int>(free_gib / it->memory_gib) : 0);
      available.push_back({{"InstanceType", t}, {"AvailableInstanceCapacity", std::max(0, fit)}});
    }
  }
  double total_gib = use.total_memory_mb / 1024.0;
  return {{"DedicatedHostId", dh.id},
          {"DedicatedHostName", dh.name},
          {"DedicatedHostType", dh.type},
          {"DedicatedHostClusterId", ""},
          {"Description", dh.description},
          // A lost machine is being assessed (host_health.h); Available otherwise.
          {"Status", use.lost ? "UnderAssessment" : "Available"},
          {"RegionId", dh.region_id},
          {"ZoneId", dh.zone_id},
          {"ResourceGroupId", EffectiveGroup(dh.resource_group_id, dh.account_id)},
          {"ChargeType", dh.charge_type},
          {"SaleCycle", ""},
          {"CreationTime", FormatIso(dh.creation_time)},
          {"ExpiredTime", ""},
          {"AutoReleaseTime", ""},
          {"AutoPlacement", dh.auto_placement},
          {"ActionOnMaintenance", dh.action_on_maintenance},
          {"CpuOverCommitRatio", 1},
          {"Cores", use.total_vcpus / 2},
          {"Sockets", 1},
          {"PhysicalGpus", use.gpus},
          {"GPUSpec", use.gpu_spec},
          {"MachineId", dh.host_id},
          {"Capacity",
           {{"TotalVcpus", use.total_vcpus},
            {"AvailableVcpus", free_vcpus},
            {"TotalMemory", total_gib},
            {"AvailableMemory", free_gib},
            {"TotalVgpus", 0},
            {"AvailableVgpus", 0},
            {"TotalLocalStorage", 0},
            {"AvailableLocalStorage", 0},
            {"LocalStorageCategory", ""},
            {"AvailableInstanceTypes", Wrap("AvailableInstanceType", available)},
            // One socket: OpenECS does not place by socket.
            {"SocketCapacities",
             Wrap("SocketCapacity", json::array({{{"SocketId", 0},
                                                  {"TotalVcpu", use.total_vcpus},
                                                  {"AvailableVcpu", free_vcpus},
                                                  {"TotalMemory", total_gib},
                                                  {"AvailableMemory", free_gib}}}))}}},
          {"DedicatedHostOwnerId", NumericAccountId(dh.account_id)},
          {"SchedulerOptions", {{"ManagedPrivateSpaceId", ""}}},
          {"SupportedCustomInstanceTypeFamilies",
           Wrap("SupportedCustomInstanceTypeFamily", json::array())},
          {"Instances", Wrap("Instance", instances)},
          {"SupportedInstanceTypeFamilies", Wrap("SupportedInstanceTypeFamily", families)},
          {"SupportedInstanceTypesList", Wrap("SupportedInstanceTypesList", types)},
          {"OperationLocks", Wrap("OperationLock", json::array())},
          {"NetworkAttributes", {{"SlbUdpTimeout", 0}, {"UdpTimeout", 0}}},
          {"HostDetailInfo", {{"SerialNumber", dh.host_id}, {"VgpuVersion", ""}}},
          {"Tags", RenderTags(dh.tags, false)}};
}

Result<json> DescribeDedicatedHostsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto id_list, p.JsonList("DedicatedHostIds"));
  if (id_list.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "DedicatedHostIds holds at most 100 ids.");
  std::set<std::string> ids(id_list.begin(), id_list.end());
  auto name = p.Get("DedicatedHostName");
  auto type = p.Get("DedicatedHostType");
  auto zone = p.Get("ZoneId");
  auto group = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(auto status,
                           p.Enum("Status", {"Available", "UnderAssessment", "PermanentFailure",
                                             "TempUnavailable", "Redeploying"}));
  OPENECS_ASSIGN_OR_RETURN(auto lock, p.Enum("LockReason", {"financial", "security"}));
  // What OpenECS answers whatever they say (no inventory, no host detail beyond the record, one
  // socket): checked, then taken as given.
  OPENECS_RETURN_IF_ERROR(p.Bool("QueryInventory", false));
  OPENECS_RETURN_IF_ERROR(p.Enum("SocketDetails", {"true", "false"}));
  OPENECS_ASSIGN_OR_RETURN(Tags want_tags, TagsOf(p));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<json> matched;
    for (const auto& [id, dh] : Owned(s.dedicated_hosts, c.account_id)) {
      if (dh.region_id != c.region_id || lock) continue;  // OpenECS locks no dedicated host
      if (!ids.empty() && !ids.count(id)) continue;
      if ((name && !name->empty() && dh.name != *name) ||
          (type && !type->empty() && dh.type != *type) ||
          (zone && !zone->empty() && dh.zone_id != *zone))
        continue;
      if (!InGroup(group, dh.resource_group_id, dh.account_id)) continue;
      if (!TagsMatch(dh.tags, want_tags)) continue;
      json rendered = RenderDedicatedHost(s, dh);
      if (status && rendered["Status"] != *status) continue;
      matched.push_back(std::move(rendered));
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), PageSpec{}));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) arr.push_back(std::move(matched[k]));
    json reply = {{"DedicatedHosts", Wrap("DedicatedHost", arr)}};
    page.Render(reply, matched.size());
    if (!reply.contains("NextToken")) reply["NextToken"] = "";  // the model has both styles
    return reply;
  });
}

Result<json> ModifyDedicatedHostAttributeAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("DedicatedHostId"));
  DedicatedHostChange change;
  change.name = p.Get("DedicatedHostName");
  change.description = p.Get("Description");
  OPENECS_ASSIGN_OR_RETURN(change.auto_placement, p.Enum("AutoPlacement", {"on", "off"}));
  OPENECS_ASSIGN_OR_RETURN(change.action_on_maintenance,
                           p.Enum("ActionOnMaintenance", {"Migrate", "Stop"}));
  OPENECS_RETURN_IF_ERROR(RefuseClustersAndOverCommit(p));
  OPENECS_RETURN_IF_ERROR(ModifyDedicatedHostAttribute(c.cloud, c.account_id, id, change));
  return json::object();
}

Result<json> ReleaseDedicatedHostAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("DedicatedHostId"));
  OPENECS_RETURN_IF_ERROR(c.params.Bool("TerminateSubscription", false));
  OPENECS_RETURN_IF_ERROR(ReleaseDedicatedHost(c.cloud, c.account_id, id));
  return json::object();
}

// Per type, the largest registered host of the region that is not lost: what an allocation may
// get at most.
Result<json> DescribeDedicatedHostTypesAction(ApiContext& c) {
  auto want = c.params.Get("DedicatedHostType");
  auto family = c.params.Get("SupportedInstanceTypeFamily");
  auto [vcpus, memory_mb] = c.cloud.Read<std::pair<int, int64_t>>([](const State& s) {
    std::pair<int, int64_t> best{0, 0};
    for (const auto& [id, h] : s.hosts)
      if (h.lost_since == 0) best = std::max(best, std::pair<int, int64_t>{h.vcpus, h.memory_mb});
    return best;
  });
  json arr = json::array();
  for (const auto& t : DedicatedHostTypes()) {
    if (want && !want->empty() && t.type != *want) continue;
    if (family && !family->empty() && t.family != *family) continue;
    arr.push_back(
        {{"DedicatedHostType", t.type},
         {"Sockets", 1},
         {"Cores", vcpus / 2},
         {"TotalVcpus", vcpus},
         {"TotalVgpus", 0},
         {"PhysicalGpus", 0},
         {"GPUSpec", ""},
         {"MemorySize", memory_mb / 1024.0},
         {"LocalStorageAmount", 0},
         {"LocalStorageCapacity", 0},
         {"LocalStorageCategory", ""},
         {"SupportCpuOverCommitRatio", false},
         {"CpuOverCommitRatioRange", ""},
         {"SupportedInstanceTypeFamilies", Wrap("SupportedInstanceTypeFamily", {t.family})},
         {"SupportedInstanceTypesList", Wrap("SupportedInstanceTypesList", t.instance_types)}});
  }
  return json{{"DedicatedHostTypes", Wrap("DedicatedHostType", arr)}};
}

}  // namespace

void RegisterDedicatedHostActions(ActionTable& t) {
  t[{kEcsVersion, "AllocateDedicatedHosts"}] = {AllocateDedicatedHostsAction, true, true};
  t[{kEcsVersion, "DescribeDedicatedHosts"}] = {DescribeDedicatedHostsAction};
  t[{kEcsVersion, "ModifyDedicatedHostAttribute"}] = {ModifyDedicatedHostAttributeAction};
  t[{kEcsVersion, "ReleaseDedicatedHost"}] = {ReleaseDedicatedHostAction};
  t[{kEcsVersion, "DescribeDedicatedHostTypes"}] = {DescribeDedicatedHostTypesAction};
}

}  // namespace openecs
