// Deployment set actions: CreateDeploymentSet, DescribeDeploymentSets,
// ModifyDeploymentSetAttribute, DeleteDeploymentSet,
// DescribeDeploymentSetSupportedInstanceTypeFamily and ModifyInstanceDeployment. The rules
// (strategies, quotas, the scheduler's spread) live in service/deployment_set_service.h; this file
// parses parameters and renders replies in the form the SDK's response models declare.
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "model/catalogue.h"
#include "service/deployment_set_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// Strategy: one of ECS's three (InvalidParameter.Strategy otherwise).
Result<std::optional<std::string>> StrategyOf(const Params& p) {
  auto v = p.Get("Strategy");
  if (v && *v != "Availability" && *v != "AvailabilityGroup" && *v != "LowLatency")
    return MakeError(ErrorCode::kInvalidDeploymentSetStrategy,
                     "Strategy must be Availability, AvailabilityGroup or LowLatency.");
  return v;
}

// The deprecated Domain and Granularity: only the values ECS has (Default, Host; in either
// case), kept as "Default" / "Host" to be read back; they change nothing.
Status TakeDeprecated(const Params& p, CreateDeploymentSetRequest& r) {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (auto d = p.Get("Domain"); d && !d->empty()) {
    if (lower(*d) != "default")
      return MakeError(ErrorCode::kInvalidParameter, "Domain must be Default.");
    r.domain = "Default";
  }
  if (auto g = p.Get("Granularity"); g && !g->empty()) {
    if (lower(*g) != "host")
      return MakeError(ErrorCode::kInvalidParameter, "Granularity must be Host.");
    r.granularity = "Host";
  }
  return Ok();
}

// Affinity (1..10: how many members of the set may share a host) is taken at its default, 1,
// the only level OpenECS spreads by; another level is refused rather than silently not kept.
Status CheckAffinity(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(auto affinity, p.Int("Affinity", 1, 10));
  if (affinity && *affinity != 1)
    return MakeError(ErrorCode::kInvalidParameter,
                     "OpenECS deployment sets keep Affinity 1 (one member per host).");
  return Ok();
}

Result<json> CreateDeploymentSetAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_RETURN_IF_ERROR(CheckAffinity(p));
  // Type: what the set spreads over. OpenECS spreads over hosts; it knows no racks or switches.
  OPENECS_ASSIGN_OR_RETURN(auto type, p.Enum("Type", {"host", "sw", "rack"}));
  if (type && *type != "host")
    return MakeError(ErrorCode::kInvalidParameter,
                     "OpenECS deployment sets spread over hosts: Type must be host.");
  CreateDeploymentSetRequest r;
  OPENECS_RETURN_IF_ERROR(TakeDeprecated(p, r));
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.name = p.GetOr("DeploymentSetName", "");
  r.description = p.GetOr("Description", "");
  OPENECS_ASSIGN_OR_RETURN(auto strategy, StrategyOf(p));
  r.strategy = strategy.value_or("Availability");
  OPENECS_ASSIGN_OR_RETURN(auto groups, p.Int("GroupCount", 1, kMaxDeploymentSetGroups));
  if (groups) r.group_count = static_cast<int>(*groups);
  r.on_unable_to_redeploy = p.GetOr("OnUnableToRedeployFailedInstance", "CancelMembershipAndStart");
  OPENECS_ASSIGN_OR_RETURN(DeploymentSet set, CreateDeploymentSet(c.cloud, r));
  return json{{"DeploymentSetId", set.id}};
}

Result<json> DescribeDeploymentSetsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto id_list, p.JsonList("DeploymentSetIds"));
  if (id_list.size() > 100) return MakeError(ErrorCode::kInvalidDeploymentSetIdsTooMany);
  std::set<std::string> ids(id_list.begin(), id_list.end());
  auto name = p.Get("DeploymentSetName");
  OPENECS_ASSIGN_OR_RETURN(auto strategy, StrategyOf(p));
  OPENECS_ASSIGN_OR_RETURN(auto type, p.Enum("Type", {"host", "sw", "rack"}));
  const std::vector<std::string>& zones = c.cloud.config().zones;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const DeploymentSet*> matched;
    for (const auto& [id, set] : Owned(s.deployment_sets, c.account_id)) {
      if (set.region_id != c.region_id) continue;
      if (!ids.empty() && !ids.count(id)) continue;
      if (name && set.name != *name) continue;
      if (strategy && set.strategy != *strategy) continue;
      if (type && *type != "host") continue;  // every OpenECS set spreads over hosts
      matched.push_back(&set);
    }
    // Newest first, as ECS lists them (ids sort in creation order, common/ids.h).
    std::reverse(matched.begin(), matched.end());
    OPENECS_ASSIGN_OR_RETURN(
        Page page,
        Paginate(p, matched.size(), PageSpec{.page_size_max = 50, .token_style = false}));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const DeploymentSet& set = *matched[k];
      json members = json::array();
      for (const Instance* i : DeploymentSetMembers(s, set.id)) members.push_back(i->id);
      json capacities = json::array();
      for (const auto& z : DeploymentSetCapacities(s, set, zones))
        capacities.push_back(
            {{"ZoneId", z.zone_id}, {"UsedAmount", z.used}, {"AvailableAmount", z.available}});
      arr.push_back({{"AccountId", NumericAccountId(set.account_id)},
                     {"Affinity", 1},
                     {"Capacities", Wrap("Capacity", capacities)},
                     {"CreationTime", FormatIso(set.creation_time)},
                     {"DeploymentSetDescription", set.description},
                     {"DeploymentSetId", set.id},
                     {"DeploymentSetName", set.name},
                     {"DeploymentStrategy", set.strategy},
                     {"Domain", set.domain},
                     {"Granularity", set.granularity},
                     {"GroupCount", set.group_count},
                     {"InstanceAmount", members.size()},
                     {"InstanceIds", Wrap("InstanceId", members)},
                     {"Strategy", set.strategy},
                     {"Type", "host"}});
    }
    json reply = {{"DeploymentSets", Wrap("DeploymentSet", arr)}, {"RegionId", c.region_id}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> ModifyDeploymentSetAttributeAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("DeploymentSetId"));
  OPENECS_RETURN_IF_ERROR(CheckAffinity(p));
  OPENECS_RETURN_IF_ERROR(ModifyDeploymentSetAttribute(
      c.cloud, c.account_id, id, p.Get("DeploymentSetName"), p.Get("Description")));
  return json::object();
}

Result<json> DeleteDeploymentSetAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("DeploymentSetId"));
  OPENECS_RETURN_IF_ERROR(DeleteDeploymentSet(c.cloud, c.account_id, id));
  return json::object();
}

// Every strategy holds every instance family on OpenECS (placement is by host, whatever the
// type): the region's families, comma-separated, as ECS lists them.
Result<json> DescribeDeploymentSetSupportedInstanceTypeFamilyAction(ApiContext& c) {
  OPENECS_RETURN_IF_ERROR(StrategyOf(c.params));
  std::set<std::string> families;
  for (const InstanceType& t : AllInstanceTypes()) families.insert(t.family);
  std::string list;
  for (const auto& f : families) list += (list.empty() ? "" : ",") + f;
  return json{{"InstanceTypeFamilies", list}};
}

Result<json> ModifyInstanceDeploymentAction(ApiContext& c) {
  const Params& p = c.params;
  InstanceDeploymentChange r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, p.Required("InstanceId"));
  // Dedicated hosts: OpenECS places an instance on one only when it is launched
  // (service/dedicated_host_service.h); it does not move instances onto or off them.
  if (auto dh = p.Get("DedicatedHostId"); dh && !dh->empty()) {
    bool known = c.cloud.Read<bool>(
        [&](const State& s) { return FindOwned(s.dedicated_hosts, *dh, c.account_id) != nullptr; });
    if (!known)
      return MakeError(ErrorCode::kInvalidDedicatedHostIdNotFound,
                       "The specified DedicatedHostId " + *dh + " does not exist.");
    return MakeError(ErrorCode::kOperationDenied,
                     "OpenECS does not move an instance onto a dedicated host; launch it there "
                     "(RunInstances DedicatedHostId).");
  }
  for (const char* k :
       {"Tenancy", "Affinity", "DedicatedHostClusterId", "InstanceType", "MigrationType"})
    if (auto v = p.Get(k); v && !v->empty())
      return MakeError(ErrorCode::kInvalidParameter,
                       std::string(k) +
                           " moves instances between dedicated hosts, which OpenECS does not do; "
                           "change the deployment set (DeploymentSetId) alone.");
  r.deployment_set_id = p.GetOr("DeploymentSetId", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t group, p.IntOr("DeploymentSetGroupNo", 0, 1, 7));
  r.group = static_cast<int>(group);
  OPENECS_ASSIGN_OR_RETURN(r.remove, p.Bool("RemoveFromDeploymentSet", false));
  OPENECS_ASSIGN_OR_RETURN(r.force, p.Bool("Force", false));
  OPENECS_RETURN_IF_ERROR(ModifyInstanceDeployment(c.cloud, r));
  return json::object();
}

}  // namespace

void RegisterDeploymentSetActions(ActionTable& t) {
  t[{kEcsVersion, "CreateDeploymentSet"}] = {CreateDeploymentSetAction, true, true};
  t[{kEcsVersion, "DescribeDeploymentSets"}] = {DescribeDeploymentSetsAction};
  t[{kEcsVersion, "ModifyDeploymentSetAttribute"}] = {ModifyDeploymentSetAttributeAction};
  t[{kEcsVersion, "DeleteDeploymentSet"}] = {DeleteDeploymentSetAction};
  t[{kEcsVersion, "DescribeDeploymentSetSupportedInstanceTypeFamily"}] = {
      DescribeDeploymentSetSupportedInstanceTypeFamilyAction};
  t[{kEcsVersion, "ModifyInstanceDeployment"}] = {ModifyInstanceDeploymentAction};
}

}  // namespace openecs
