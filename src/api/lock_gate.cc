#include "api/lock_gate.h"

#include <set>

#include "common/text.h"
#include "service/instance_locks.h"

namespace openecs {

Status CheckOperationLocks(const Cloud& cloud, const std::string& account_id,
                           const std::string& action, const Params& params) {
  std::set<std::string> ids;
  if (auto id = params.Get("InstanceId")) {
    // A few actions take a comma list here (the auto-renew pair).
    for (const auto& part : Split(*id, ',')) ids.insert(Trim(part));
  }
  for (const auto& id : params.RepeatList("InstanceId")) ids.insert(id);
  // Tags and resource groups name instances as resources (i-...).
  std::vector<std::string> resources = params.RepeatList("ResourceId");
  if (auto one = params.Get("ResourceId")) resources.push_back(*one);
  for (const auto& id : resources)
    if (id.rfind("i-", 0) == 0) ids.insert(id);
  if (auto list = params.Get("InstanceIds")) {
    if (auto parsed = params.JsonList("InstanceIds"); parsed.ok())
      ids.insert(parsed->begin(), parsed->end());
    else
      for (const auto& part : Split(*list, ',')) ids.insert(Trim(part));
  }
  auto disk = params.Get("DiskId");
  if (ids.empty() && !disk) return Ok();
  return cloud.Read<Status>([&](const State& s) -> Status {
    if (disk) {
      if (const Disk* d = FindOwned(s.disks, *disk, account_id); d && !d->instance_id.empty())
        ids.insert(d->instance_id);
    }
    for (const auto& id : ids) {
      const Instance* i = FindOwned(s.instances, id, account_id);
      if (i) OPENECS_RETURN_IF_ERROR(CheckInstanceLocks(*i, action));
    }
    return Ok();
  });
}

}  // namespace openecs
