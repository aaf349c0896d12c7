#include "service/instance_events.h"

#include <algorithm>

#include "common/ids.h"

namespace openecs {

void RecordInstanceEvent(Txn& txn, const Instance& inst, const std::string& event_type,
                         const std::string& reason, int64_t now) {
  InstanceEvent e;
  e.id = NewId("e");
  e.account_id = inst.account_id;
  e.region_id = inst.region_id;
  e.instance_id = inst.id;
  e.event_type = event_type;
  e.reason = reason;
  e.host_id = inst.host_id;
  e.publish_time = now;
  e.finish_time = now;
  txn.Put(std::move(e));
}

std::vector<InstanceEvent> FindInstanceEvents(const State& s, const InstanceEventQuery& q) {
  auto wanted = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  static const std::vector<std::string> kSettled = {"Avoided", "Executed", "Canceled", "Failed"};
  const auto& statuses = q.cycle_statuses.empty() ? kSettled : q.cycle_statuses;
  std::vector<InstanceEvent> out;
  for (const auto& [id, e] : Owned(s.instance_events, q.account_id))
    if (e.region_id == q.region_id && wanted(q.instance_ids, e.instance_id) &&
        wanted(q.event_ids, e.id) && wanted(q.event_types, e.event_type) &&
        wanted(statuses, e.cycle_status))
      out.push_back(e);
  std::stable_sort(out.begin(), out.end(), [](const InstanceEvent& a, const InstanceEvent& b) {
    return a.publish_time > b.publish_time;
  });
  return out;
}

int ExpireInstanceEvents(Cloud& cloud, int64_t now) {
  auto due = [now](const State& s) {
    std::vector<std::string> ids;
    for (const auto& [id, e] : s.instance_events)
      if (e.finish_time && e.finish_time + kEventRetentionSeconds <= now) ids.push_back(id);
    return ids;
  };
  if (cloud.Read<std::vector<std::string>>(due).empty()) return 0;
  int n = 0;
  (void)cloud.Write([&](Txn& txn) -> Status {
    std::vector<std::string> ids = due(txn.state());  // again: it may have changed
    for (const auto& id : ids) txn.Erase<InstanceEvent>(id);
    n = static_cast<int>(ids.size());
    return Ok();
  });
  return n;
}

}  // namespace openecs
