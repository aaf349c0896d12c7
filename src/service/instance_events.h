#pragma once
// System events of instances (DescribeInstanceHistoryEvents): what the platform did to an
// instance on its own and why, recorded in the same transaction as the change itself (a failed
// creation that releases the instance, a start that failed, a guest that vanished), so the user
// reads the host's reason through the API instead of finding an instance gone or Stopped.
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

// Records an Executed event of `inst` now.
void RecordInstanceEvent(Txn& txn, const Instance& inst, const std::string& event_type,
                         const std::string& reason, int64_t now);

struct InstanceEventQuery {
  std::string account_id, region_id;
  std::vector<std::string> instance_ids;  // empty: any
  std::vector<std::string> event_ids;
  std::vector<std::string> event_types;
  std::vector<std::string> cycle_statuses;  // empty: the settled ones (ECS's default)
};
// Matching events, newest first.
std::vector<InstanceEvent> FindInstanceEvents(const State& s, const InstanceEventQuery& q);

// Settled events are kept 30 days, as ECS answers them (kEventRetentionSeconds).
inline constexpr int64_t kEventRetentionSeconds = 30 * 86400;
// Deletes the events past their retention; returns how many. Takes the exclusive lock (and
// writes) only when one is due.
int ExpireInstanceEvents(Cloud& cloud, int64_t now);

}  // namespace openecs
