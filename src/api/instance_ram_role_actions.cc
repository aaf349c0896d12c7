// Instance RAM roles (ECS 2014-05-26): AttachInstanceRamRole, DetachInstanceRamRole,
// DescribeInstanceRamRole (service/instance_role_service.h), and the ram:PassRole check that
// RunInstances' RamRoleName shares: a RAM identity may only give an instance a role it is
// allowed to pass (InvalidUser.PassRoleForbidden).
#include <nlohmann/json.hpp>

#include "api/action.h"
#include "api/authorizer.h"
#include "api/paging.h"
#include "common/text.h"
#include "service/instance_role_service.h"
#include "service/ram_service.h"

namespace openecs {

using json = nlohmann::json;

Status CheckPassRole(const ApiContext& c, const std::string& role_name) {
  if (role_name.empty()) return Ok();
  Status st = AuthorizeAs(c.cloud, c.principal, "ram:PassRole",
                          "acs:ram::" + c.account_id + ":role/" + ToLower(role_name));
  if (!st.ok()) return MakeError(ErrorCode::kPassRoleForbidden);
  return Ok();
}

namespace {

Result<std::vector<std::string>> InstanceIdsOf(const Params& p, bool required) {
  auto ids = p.JsonList("InstanceIds");
  if (!ids.ok()) return MakeError(ErrorCode::kInvalidInstanceIdsMalformed);
  if (required && ids->empty()) return p.Required("InstanceIds").error();
  if (ids->size() > 100)
    return MakeError(ErrorCode::kInvalidInstanceIdsMalformed,
                     "At most 100 instance ids may be given.");
  return ids;
}

json Results(const std::vector<RoleBatchResult>& results, bool with_sets) {
  json list = json::array();
  int failed = 0;
  for (const auto& r : results) {
    json item = {{"InstanceId", r.instance_id},
                 {"Success", r.success},
                 {"Code", r.code},
                 {"Message", r.message}};
    if (with_sets) {
      json sets = json::array();
      if (!r.role_name.empty())
        sets.push_back({{"InstanceId", r.instance_id}, {"RamRoleName", r.role_name}});
      item["InstanceRamRoleSets"] = Wrap("InstanceRamRoleSet", sets);
    }
    list.push_back(std::move(item));
    failed += r.success ? 0 : 1;
  }
  return {{"TotalCount", results.size()}, {"FailCount", failed}, {"List", list}};
}

Result<json> AttachInstanceRamRole(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string role, c.params.Required("RamRoleName"));
  OPENECS_ASSIGN_OR_RETURN(auto ids, InstanceIdsOf(c.params, true));
  OPENECS_RETURN_IF_ERROR(CheckPassRole(c, role));
  OPENECS_ASSIGN_OR_RETURN(auto results, AttachInstanceRole(c.cloud, c.account_id, ids, role));
  json r = Results(results, false);
  return json{{"RamRoleName", role},
              {"TotalCount", r["TotalCount"]},
              {"FailCount", r["FailCount"]},
              {"AttachInstanceRamRoleResults", Wrap("AttachInstanceRamRoleResult", r["List"])}};
}

Result<json> DetachInstanceRamRole(ApiContext& c) {
  std::string role = c.params.GetOr("RamRoleName", "");
  OPENECS_ASSIGN_OR_RETURN(auto ids, InstanceIdsOf(c.params, true));
  if (!role.empty()) {
    bool known = c.cloud.Read<bool>(
        [&](const State& s) { return FindRole(s, c.account_id, role) != nullptr; });
    if (!known)
      return MakeError(ErrorCode::kInvalidRamRoleNotFound,
                       "The specified RAMRoleName " + role + " does not exist.");
    OPENECS_RETURN_IF_ERROR(CheckPassRole(c, role));
  }
  OPENECS_ASSIGN_OR_RETURN(auto results, DetachInstanceRole(c.cloud, c.account_id, ids, role));
  json r = Results(results, true);
  return json{{"RamRoleName", role},
              {"TotalCount", r["TotalCount"]},
              {"FailCount", r["FailCount"]},
              {"DetachInstanceRamRoleResults", Wrap("DetachInstanceRamRoleResult", r["List"])}};
}

// The asked instances (all of the caller's when none is asked), each with its role ("" for none,
// as ECS lists an instance without one); with RamRoleName, only those acting as that role.
Result<json> DescribeInstanceRamRole(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto ids, InstanceIdsOf(c.params, false));
  std::optional<std::string> role = c.params.Get("RamRoleName");
  std::vector<std::pair<std::string, std::string>> found;
  OPENECS_RETURN_IF_ERROR(c.cloud.Read<Status>([&](const State& s) -> Status {
    auto consider = [&](const Instance& inst) {
      if (!role || *role == inst.ram_role_name) found.push_back({inst.id, inst.ram_role_name});
    };
    if (!ids.empty()) {
      for (const auto& id : ids) {
        const Instance* inst = FindOwned(s.instances, id, c.account_id);
        if (!inst)
          return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                           "The specified instanceId " + id + " does not exist");
        consider(*inst);
      }
    } else {
      for (const auto& [id, inst] : Owned(s.instances, c.account_id)) consider(inst);
    }
    return Ok();
  }));
  OPENECS_ASSIGN_OR_RETURN(Page page,
                           Paginate(c.params, found.size(), PageSpec{10, 100, false, 10, 10, 100}));
  json sets = json::array();
  for (size_t i = page.begin; i < page.end; ++i)
    sets.push_back({{"InstanceId", found[i].first}, {"RamRoleName", found[i].second}});
  return json{{"RegionId", c.region_id},
              {"TotalCount", found.size()},
              {"InstanceRamRoleSets", Wrap("InstanceRamRoleSet", sets)}};
}

}  // namespace

void RegisterInstanceRamRoleActions(ActionTable& t) {
  t[{kEcsVersion, "AttachInstanceRamRole"}] = {AttachInstanceRamRole};
  t[{kEcsVersion, "DetachInstanceRamRole"}] = {DetachInstanceRamRole};
  t[{kEcsVersion, "DescribeInstanceRamRole"}] = {DescribeInstanceRamRole};
}

}  // namespace openecs
