#pragma once
// Instance RAM roles (AttachInstanceRamRole, DetachInstanceRamRole, RunInstances RamRoleName):
// an instance may act as one RAM role of its account; inside the guest the metadata service
// hands out STS credentials of it (agent/metadata_service.h, AgentService::RoleCredentialsOf).
// The role must exist and trust ecs.aliyuncs.com. Who may give a role to an instance (RAM's
// ram:PassRole) is the API layer's check.
#include <string>
#include <vector>

#include "common/result.h"
#include "service/cloud.h"

namespace openecs {

// Ok if `role_name` is a role of `account_id` that instances may act as; otherwise
// InvalidRamRole.NotFound or InvalidRamRole.NotEcsRole.
Status CheckEcsRole(const State& s, const std::string& account_id, const std::string& role_name);

// One instance's outcome in a batch (Code "200" and Success on success, as ECS answers).
struct RoleBatchResult {
  std::string instance_id;
  bool success = false;
  std::string code;
  std::string message;
  std::string role_name;  // the instance's role after the call
};

// Gives `role_name` to each instance (one the caller owns, with no other role: giving it the
// role it has is a success). The role is checked first: a bad role fails the whole call.
Result<std::vector<RoleBatchResult>> AttachInstanceRole(Cloud& cloud, const std::string& account_id,
                                                        const std::vector<std::string>& ids,
                                                        const std::string& role_name);
// Takes the role away from each instance (when `role_name` is given, only if it is that one).
Result<std::vector<RoleBatchResult>> DetachInstanceRole(Cloud& cloud, const std::string& account_id,
                                                        const std::vector<std::string>& ids,
                                                        const std::string& role_name);

}  // namespace openecs
