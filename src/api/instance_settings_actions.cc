// Per-instance settings that clients read with every refresh (the Terraform provider's
// alicloud_instance Read calls all of these): maintenance attributes, private pool
// (capacity reservation) attachment, and the instance's RAM role; and the instance type
// (ModifyInstanceSpec, and what it may become: DescribeResourcesModification).
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "model/catalogue.h"
#include "service/capacity.h"
#include "service/instance_service.h"
#include "service/public_ip.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// The caller's instances among `ids` (all of them in the region when `ids` is empty), in id
// order; InvalidInstanceId.NotFound for an id that is not the caller's when `strict`.
Result<std::vector<const Instance*>> OwnedInstances(const State& s, const ApiContext& c,
                                                    const std::vector<std::string>& ids,
                                                    bool strict) {
  std::vector<const Instance*> out;
  if (ids.empty()) {
    for (const auto& [id, i] : Owned(s.instances, c.account_id))
      if (i.region_id == c.region_id) out.push_back(&i);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& id : ids) {
    const Instance* i = FindOwned(s.instances, id, c.account_id);
    if (!i) {
      if (strict)
        return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                         "The instance " + id + " does not exist.");
      continue;
    }
    if (seen.insert(id).second) out.push_back(i);
  }
  return out;
}

PageSpec Pages(int64_t max) {
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = max;
  return spec;
}

Result<json> DescribeInstanceMaintenanceAttributesAction(ApiContext& c) {
  std::vector<std::string> ids = c.params.RepeatList("InstanceId");
  if (ids.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 InstanceId.N are allowed.");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto matched, OwnedInstances(s, c, ids, false));
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), Pages(100)));
    json arr = json::array();
    for (size_t n = page.begin; n < page.end; ++n) {
      const Instance& i = *matched[n];
      json windows = json::array();
      for (const auto& w : i.maintenance_windows)
        windows.push_back({{"StartTime", w.start_time}, {"EndTime", w.end_time}});
      arr.push_back(
          {{"InstanceId", i.id},
           {"NotifyOnMaintenance", i.maintenance_notify},
           {"ActionOnMaintenance",
            {{"Value", i.maintenance_action},
             {"DefaultValue", "AutoRecover"},
             {"SupportedValues",
              Wrap("SupportedValue", json::array({"Stop", "AutoRecover", "AutoRedeploy"}))}}},
           {"MaintenanceWindows", Wrap("MaintenanceWindow", windows)}});
    }
    json reply = {{"MaintenanceAttributes", Wrap("MaintenanceAttribute", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> ModifyInstanceMaintenanceAttributesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto ids, RequiredRepeatList(c.params, "InstanceId"));
  if (ids.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 InstanceId.N are allowed.");
  MaintenanceChange change;
  change.action = c.params.Get("ActionOnMaintenance");
  OPENECS_ASSIGN_OR_RETURN(change.notify, c.params.OptBool("NotifyOnMaintenance"));
  auto windows = c.params.ObjectList("MaintenanceWindow");
  if (!windows.empty()) {
    change.windows.emplace();
    for (auto& w : windows) {
      if (!w.count("StartTime") || !w.count("EndTime"))
        return MakeError(ErrorCode::kMissingParameter,
                         "A MaintenanceWindow needs both StartTime and EndTime.");
      change.windows->push_back({w["StartTime"], w["EndTime"]});
    }
  }
  OPENECS_RETURN_IF_ERROR(ModifyMaintenanceAttributes(c.cloud, c.account_id, ids, change));
  return json::object();
}

// Instances are attached to a private pool (a capacity reservation) only when launched into
// one; OpenECS has no private pools, so every instance answers "None".
Result<json> DescribeInstanceAttachmentAttributesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto ids, c.params.JsonList("InstanceIds"));
  if (ids.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"InstanceIds\" that is mandatory for processing this "
                     "request is not supplied.");
  if (ids.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 InstanceIds are allowed.");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto matched, OwnedInstances(s, c, ids, false));
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), Pages(100)));
    json arr = json::array();
    for (size_t n = page.begin; n < page.end; ++n)
      arr.push_back({{"InstanceId", matched[n]->id},
                     {"PrivatePoolOptionsId", ""},
                     {"PrivatePoolOptionsMatchCriteria", "None"}});
    json reply = {{"Instances", Wrap("Instance", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

// ModifyInstanceSpec: the instance type of a Stopped pay-as-you-go instance (bandwidth is
// ModifyInstanceNetworkSpec's).
Result<json> ModifyInstanceSpecAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  auto type = c.params.Get("InstanceType");
  if (!type)
    return MakeError(ErrorCode::kMissingParameter,
                     "Give InstanceType (bandwidth changes with ModifyInstanceNetworkSpec).");
  OPENECS_ASSIGN_OR_RETURN(bool dry, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(ModifyInstanceSpec(c.cloud, c.account_id, id, *type, dry));
  return json::object();
}

// DescribeResourcesModification: what an instance (ResourceId) may change to, in its zone, with
// stock. InstanceType: the offered types ModifyInstanceSpec would take for it
// (WithInstanceType), Available when they fit on its host (it holds a claim) or on a host it may
// start on (it does not); Upgrade lists every type for a pay-as-you-go instance (ECS's only
// value for them), for a subscription one the types no smaller (Downgrade and RenewDowngrade: no
// larger; RenewModify: any). SystemDisk: the categories its system disk may take through
// ModifyDiskSpec, with their size range for the instance type named by InstanceType (required).
// Instances stay in their zone (MigrateAcrossZone is not offered): another ZoneId has nothing.
Result<json> DescribeResourcesModificationAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("ResourceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string dest, p.Required("DestinationResource"));
  if (dest != "InstanceType" && dest != "SystemDisk")
    return MakeError(ErrorCode::kInvalidDestinationResource,
                     "DestinationResource must be InstanceType or SystemDisk.");
  std::string op = p.GetOr("OperationType", "Upgrade");
  static const std::set<std::string> kOps = {"Upgrade", "Downgrade", "RenewDowngrade",
                                             "RenewModify"};
  if (!kOps.count(op))
    return MakeError(ErrorCode::kInvalidOperationType,
                     "OperationType must be Upgrade, Downgrade, RenewDowngrade or RenewModify.");
  auto type_filter = p.Get("InstanceType");
  OPENECS_ASSIGN_OR_RETURN(auto cores, p.Int("Cores", 1, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto memory, p.Double("Memory", 0, 1 << 20));
  if (type_filter && (cores || memory)) return MakeError(ErrorCode::kTypeAndCpuMemConflict);
  const InstanceType* named = nullptr;
  if (type_filter) {
    named = FindInstanceType(*type_filter);
    if (!named) return MakeError(ErrorCode::kInvalidInstanceType);
  }
  if (dest == "SystemDisk" && !named)
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"InstanceType\" that is mandatory for "
                     "DestinationResource SystemDisk is not supplied.");
  auto zone = p.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  OPENECS_ASSIGN_OR_RETURN(bool across, p.Bool("MigrateAcrossZone", false));
  (void)across;  // no instance changes zone here: the answer is the same either way
  for (const auto& cond : p.RepeatList("Conditions"))
    if (cond != "DiskCategory")
      return MakeError(ErrorCode::kInvalidParameter, "Conditions.N may only be DiskCategory.");
  auto offered = OfferedTypes(c.cloud);
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const Instance* inst = FindOwned(s.instances, id, c.account_id);
    if (!inst || inst->region_id != c.region_id)
      return MakeError(ErrorCode::kInvalidResourceIdNotFound,
                       "The instance " + id + " does not exist.");
    json zones = json::array();
    if (zone && *zone != inst->zone_id)
      return json{{"AvailableZones", Wrap("AvailableZone", zones)}};
    json supported = json::array();
    bool any = false;
    if (dest == "InstanceType") {
      const InstanceType* now = FindInstanceType(inst->instance_type);
      bool prepaid = inst->charge_type == "PrePaid";
      auto hosts = Capacities(s);
      for (const InstanceType* t : offered) {
        if (t->id == inst->instance_type) continue;
        if (named && t != named) continue;
        if (cores && t->cpu != *cores) continue;
        if (memory && t->memory_gib != *memory) continue;
        if (now) {
          bool larger = t->cpu > now->cpu || t->memory_gib > now->memory_gib;
          bool smaller = t->cpu < now->cpu || t->memory_gib < now->memory_gib;
          if (op == "Upgrade" && prepaid && smaller) continue;
          if ((op == "Downgrade" || op == "RenewDowngrade") && larger) continue;
        }
        auto changed = WithInstanceType(s, *inst, *t);
        if (!changed.ok() && changed.error().code != ErrorCode::kNoStock) continue;
        bool in_stock = changed.ok() && (inst->claimed || PickHost(hosts, DemandOf(*changed)));
        any |= in_stock;
        supported.push_back(SupportedResource(t->id, in_stock));
      }
    } else {
      // The system disk's category and the ones ModifyDiskSpec may give it.
      std::string current;
      for (const auto& disk_id : inst->disk_ids)
        if (auto d = s.disks.find(disk_id); d != s.disks.end() && d->second.type == "system")
          current = d->second.category;
      std::vector<std::string> categories = {"cloud_essd", "cloud_ssd", "cloud_efficiency"};
      if (std::find(categories.begin(), categories.end(), current) == categories.end())
        categories = {current};
      for (const auto& name : categories) {
        const DiskCategory* cat = FindDiskCategory(name);
        if (!cat) continue;
        any = true;
        supported.push_back(
            SupportedResource(name, true, cat->min_system_gib, cat->max_system_gib, "GiB"));
      }
    }
    json resource = {
        {"Type", dest},
        {"SupportedResources", Wrap("SupportedResource", supported)},
        {"ConditionSupportedResources", Wrap("ConditionSupportedResource", json::array())}};
    zones.push_back({{"ZoneId", inst->zone_id},
                     {"RegionId", inst->region_id},
                     {"Status", any ? "Available" : "SoldOut"},
                     {"StatusCategory", any ? "WithStock" : "WithoutStock"},
                     {"AvailableResources", Wrap("AvailableResource", json::array({resource}))}});
    return json{{"AvailableZones", Wrap("AvailableZone", zones)}};
  });
}

Result<json> ModifyInstanceNetworkSpecAction(ApiContext& c) {
  NetworkSpecChange change;
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(auto out, c.params.Int("InternetMaxBandwidthOut", 0, 1024));
  OPENECS_ASSIGN_OR_RETURN(auto in, c.params.Int("InternetMaxBandwidthIn", 0, 1024));
  if (out) change.out_mbps = static_cast<int>(*out);
  if (in) change.in_mbps = static_cast<int>(*in);
  change.charge_type = c.params.Get("NetworkChargeType");
  OPENECS_ASSIGN_OR_RETURN(change.allocate_public_ip, c.params.Bool("AllocatePublicIp", false));
  OPENECS_ASSIGN_OR_RETURN(change.dry_run, DryRunOf(c.params));
  if (c.params.Get("StartTime") || c.params.Get("EndTime"))
    return MakeError(ErrorCode::kInvalidParameter,
                     "Temporary bandwidth upgrades (StartTime, EndTime) are not offered.");
  OPENECS_RETURN_IF_ERROR(ModifyNetworkSpec(c.cloud, c.account_id, id, change));
  return json{{"OrderId", ""}};
}

// ModifyInstanceAutoReleaseTime: AutoReleaseTime "yyyy-MM-ddTHH:mm:ssZ" (UTC) schedules the
// release; absent or empty cancels it.
Result<json> ModifyInstanceAutoReleaseTimeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  std::string at = c.params.GetOr("AutoReleaseTime", "");
  int64_t when = 0;
  if (!at.empty()) {
    auto parsed = ParseIso(at);
    if (!parsed || at.back() != 'Z')
      return MakeError(ErrorCode::kInvalidParameter,
                       "AutoReleaseTime must be UTC as yyyy-MM-ddTHH:mm:ssZ.");
    when = *parsed;
  }
  OPENECS_RETURN_IF_ERROR(ModifyAutoReleaseTime(c.cloud, c.account_id, id, when, c.cloud.Now()));
  return json::object();
}

}  // namespace

void RegisterInstanceSettingsActions(ActionTable& t) {
  t[{kEcsVersion, "ModifyInstanceAutoReleaseTime"}] = {ModifyInstanceAutoReleaseTimeAction, false};
  t[{kEcsVersion, "ModifyInstanceNetworkSpec"}] = {ModifyInstanceNetworkSpecAction, false, true};
  t[{kEcsVersion, "ModifyInstanceSpec"}] = {ModifyInstanceSpecAction, false, true};
  t[{kEcsVersion, "DescribeResourcesModification"}] = {DescribeResourcesModificationAction};
  t[{kEcsVersion, "DescribeInstanceMaintenanceAttributes"}] = {
      DescribeInstanceMaintenanceAttributesAction};
  t[{kEcsVersion, "ModifyInstanceMaintenanceAttributes"}] = {
      ModifyInstanceMaintenanceAttributesAction};
  t[{kEcsVersion, "DescribeInstanceAttachmentAttributes"}] = {
      DescribeInstanceAttachmentAttributesAction};
}

}  // namespace openecs
