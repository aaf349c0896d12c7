#pragma once
// The operation-lock gate (service/instance_locks.h) in front of every ECS and VPC action: the
// instances a request names (InstanceId, InstanceIds as a JSON or comma list, InstanceId.N,
// ResourceId(.N) naming an instance, and the instance a DiskId is attached to) are checked
// against their locks before the handler runs. Instances the caller does not own are left to
// the handler's NotFound.
#include <string>

#include "api/params.h"
#include "common/result.h"
#include "service/cloud.h"

namespace openecs {

Status CheckOperationLocks(const Cloud& cloud, const std::string& account_id,
                           const std::string& action, const Params& params);

}  // namespace openecs
