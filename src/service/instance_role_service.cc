#include "service/instance_role_service.h"

#include "service/identity_service.h"
#include "service/ram_service.h"

namespace openecs {

Status CheckEcsRole(const State& s, const std::string& account_id, const std::string& role_name) {
  const RamRole* role = FindRole(s, account_id, role_name);
  if (!role)
    return MakeError(ErrorCode::kInvalidRamRoleNotFound,
                     "The specified RAMRoleName " + role_name + " does not exist.");
  if (!TrustAllows(role->assume_role_policy_document, {kEcsServicePrincipal}, "Service"))
    return MakeError(ErrorCode::kInvalidRamRoleNotEcsRole);
  return Ok();
}

namespace {

RoleBatchResult Failed(const std::string& id, const char* code, std::string message,
                       std::string role = "") {
  return {id, false, code, std::move(message), std::move(role)};
}

}  // namespace

Result<std::vector<RoleBatchResult>> AttachInstanceRole(Cloud& cloud, const std::string& account_id,
                                                        const std::vector<std::string>& ids,
                                                        const std::string& role_name) {
  std::vector<RoleBatchResult> out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_RETURN_IF_ERROR(CheckEcsRole(s, account_id, role_name));
    const RamRole* role = FindRole(s, account_id, role_name);
    for (const auto& id : ids) {
      Instance* inst = FindOwned(s.instances, id, account_id);
      if (!inst) {
        out.push_back(
            Failed(id, "InvalidInstanceId.NotFound", "The specified instanceId does not exist"));
      } else if (!inst->ram_role_name.empty() && inst->ram_role_name != role->name) {
        out.push_back(Failed(
            id, "InvalidParameter.RamRoleAttached",
            "The instance already has the RAM role " + inst->ram_role_name + "; detach it first.",
            inst->ram_role_name));
      } else {
        inst->ram_role_name = role->name;
        txn.Touch(*inst);
        out.push_back({id, true, "200", "success", role->name});
      }
    }
    return Ok();
  }));
  return out;
}

Result<std::vector<RoleBatchResult>> DetachInstanceRole(Cloud& cloud, const std::string& account_id,
                                                        const std::vector<std::string>& ids,
                                                        const std::string& role_name) {
  std::vector<RoleBatchResult> out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    for (const auto& id : ids) {
      Instance* inst = FindOwned(s.instances, id, account_id);
      if (!inst) {
        out.push_back(
            Failed(id, "InvalidInstanceId.NotFound", "The specified instanceId does not exist"));
      } else if (inst->ram_role_name.empty() ||
                 (!role_name.empty() && inst->ram_role_name != role_name)) {
        out.push_back(Failed(id, "InvalidRamRole.NotAttached",
                             "The instance does not have the RAM role " +
                                 (role_name.empty() ? std::string("given") : role_name) + ".",
                             inst->ram_role_name));
      } else {
        std::string had = inst->ram_role_name;
        inst->ram_role_name.clear();
        txn.Touch(*inst);
        out.push_back({id, true, "200", "success", had});
      }
    }
    return Ok();
  }));
  return out;
}

}  // namespace openecs
