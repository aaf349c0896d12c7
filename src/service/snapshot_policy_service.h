#pragma once
// Automatic snapshot policies as ECS has them: hours of the day (UTC here) and days of the week
// at which every disk the policy is applied to gets a snapshot, kept for the policy's
// retention days. A disk has at most one policy; applying another replaces it.
//
// RunSnapshotPolicies is what the server calls every few seconds: it starts the round that is
// due in the current hour (once per hour and policy; a round missed while the server was down
// is not made up), deletes snapshots whose retention ran out (automatic or manual, unless
// a disk or an image was made from them), and tasks settled more than 30 days ago.
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

struct SnapshotPolicyRequest {
  std::string account_id, region_id, name;
  std::vector<int> time_points;      // 0..23
  std::vector<int> repeat_weekdays;  // 1..7
  int retention_days = -1;           // -1, or 1..65536
  Tags tags;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
};
Result<AutoSnapshotPolicy> CreateAutoSnapshotPolicy(Cloud& cloud, const SnapshotPolicyRequest& r);

struct ModifySnapshotPolicyRequest {
  std::optional<std::string> name;
  std::optional<std::vector<int>> time_points, repeat_weekdays;
  std::optional<int> retention_days;
};
Status ModifyAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id, const std::string& id,
                                const ModifySnapshotPolicyRequest& r);
// The disks it was applied to keep their snapshots and lose the policy.
Status DeleteAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id, const std::string& id);
Status ApplyAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id, const std::string& id,
                               const std::vector<std::string>& disk_ids);
// policy_id "": whatever policy each disk has.
Status CancelAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id,
                                const std::string& policy_id,
                                const std::vector<std::string>& disk_ids);

// "[\"0\",\"13\"]" or "[0,13]" (ECS sends JSON arrays of strings): numbers in [lo, hi], no
// duplicates; ParameterInvalid (ECS's code for these) naming `what` otherwise.
Result<std::vector<int>> ParseNumberList(const std::string& json_text, int lo, int hi,
                                         const std::string& what);

struct PolicyRound {
  int started = 0;  // snapshots started
  int expired = 0;  // snapshots deleted for retention
};
PolicyRound RunSnapshotPolicies(Cloud& cloud, int64_t now);

}  // namespace openecs
