// Resource Manager (2020-03-31): the account's resource groups (service/resource_group_service.h),
// and the VPC API's MoveResourceGroup. ECS's JoinResourceGroup is with the ECS tag actions.
// Resource groups are global: RegionId is neither needed nor checked.
#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/resource_group_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

inline constexpr const char* kResourceManagerVersion = "2020-03-31";

json RenderGroup(const ResourceGroupView& g, const std::string& region_id, bool regions,
                 bool tags) {
  json out = {{"Id", g.id},     {"AccountId", g.account_id},
              {"Name", g.name}, {"DisplayName", g.display_name},
              {"Status", "OK"}, {"CreateDate", FormatIso(g.creation_time)}};
  if (regions)
    out["RegionStatuses"] =
        Wrap("RegionStatus", json::array({{{"RegionId", region_id}, {"Status", "OK"}}}));
  if (tags) out["Tags"] = Wrap("Tag", json::array());
  return out;
}

Result<json> CreateResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("Name"));
  OPENECS_ASSIGN_OR_RETURN(std::string display, c.params.Required("DisplayName"));
  if (!c.params.RepeatList("Tag").empty() || c.params.Get("Tag.1.Key"))
    return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                     "Tags on resource groups are not supported.");
  OPENECS_ASSIGN_OR_RETURN(ResourceGroupView g,
                           CreateResourceGroup(c.cloud, c.account_id, name, display));
  return json{{"ResourceGroup", RenderGroup(g, c.region_id, true, false)}};
}

Result<json> GetResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceGroupId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(ResourceGroupView g, GetResourceGroup(s, c.account_id, id));
    return json{{"ResourceGroup", RenderGroup(g, c.region_id, true, true)}};
  });
}

Result<json> ListResourceGroupsAction(ApiContext& c) {
  auto name = c.params.Get("Name");
  auto display = c.params.Get("DisplayName");
  auto id = c.params.Get("ResourceGroupId");
  auto status = c.params.Get("Status");
  std::vector<std::string> ids = c.params.RepeatList("ResourceGroupIds");
  if (status && *status != "OK" && *status != "Creating" && *status != "Deleting" &&
      *status != "PendingDelete" && *status != "CreateFailed" && *status != "DeleteFailed")
    return MakeError(ErrorCode::kInvalidResourceGroupParameter, "The Status is not valid.");
  PageSpec spec;
  spec.token_style = false;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<ResourceGroupView> matched;
    for (auto& g : ListResourceGroups(s, c.account_id)) {
      if (name && !name->empty() && g.name != *name) continue;
      // DisplayName matches fuzzily, as Resource Manager's does.
      if (display && !display->empty() && g.display_name.find(*display) == std::string::npos)
        continue;
      if (id && !id->empty() && g.id != *id) continue;
      if (!ids.empty() && std::find(ids.begin(), ids.end(), g.id) == ids.end()) continue;
      if (status && *status != "OK") continue;
      matched.push_back(std::move(g));
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i)
      arr.push_back(RenderGroup(matched[i], c.region_id, false, true));
    json reply = {{"ResourceGroups", Wrap("ResourceGroup", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> UpdateResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceGroupId"));
  OPENECS_ASSIGN_OR_RETURN(std::string display, c.params.Required("NewDisplayName"));
  OPENECS_ASSIGN_OR_RETURN(ResourceGroupView g,
                           UpdateResourceGroup(c.cloud, c.account_id, id, display));
  return json{{"ResourceGroup", RenderGroup(g, c.region_id, false, false)}};
}

Result<json> DeleteResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceGroupId"));
  OPENECS_ASSIGN_OR_RETURN(ResourceGroupView g, DeleteResourceGroup(c.cloud, c.account_id, id));
  json out = RenderGroup(g, c.region_id, true, false);
  // Deleted at once here; Resource Manager answers the state its deletion starts in.
  out["Status"] = "PendingDelete";
  out["RegionStatuses"]["RegionStatus"][0]["Status"] = "PendingDelete";
  return json{{"ResourceGroup", out}};
}

// VPC's MoveResourceGroup: ResourceType vpc | vswitch | eip (any case).
Result<json> MoveResourceGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ResourceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string group, c.params.Required("NewResourceGroupId"));
  OPENECS_ASSIGN_OR_RETURN(std::string type, c.params.Required("ResourceType"));
  type = ToLower(type);
  if (type != "vpc" && type != "vswitch" && type != "eip")
    return MakeError(ErrorCode::kInvalidResourceTypeNotFound,
                     "ResourceType must be vpc, vswitch or eip.");
  OPENECS_RETURN_IF_ERROR(MoveToResourceGroup(c.cloud, c.account_id, type, id, group));
  return json::object();
}

}  // namespace

void RegisterResourceGroupActions(ActionTable& t) {
  t[{kResourceManagerVersion, "CreateResourceGroup"}] = {CreateResourceGroupAction, false};
  t[{kResourceManagerVersion, "GetResourceGroup"}] = {GetResourceGroupAction, false};
  t[{kResourceManagerVersion, "ListResourceGroups"}] = {ListResourceGroupsAction, false};
  t[{kResourceManagerVersion, "UpdateResourceGroup"}] = {UpdateResourceGroupAction, false};
  t[{kResourceManagerVersion, "DeleteResourceGroup"}] = {DeleteResourceGroupAction, false};
  t[{kVpcVersion, "MoveResourceGroup"}] = {MoveResourceGroupAction};
}

}  // namespace openecs
