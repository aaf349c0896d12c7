// System events, ECS API: DescribeInstanceHistoryEvents (service/instance_events.h).
#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/instance_events.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// Numeric codes of event types and lifecycle states. ECS documents the names; the numbers of
// the lifecycle states are ECS's, those of the event types are OpenECS's own (stable).
int EventTypeCode(const std::string& type) {
  static const std::map<std::string, int> kCodes = {
      {"SystemMaintenance.Reboot", 1}, {"SystemFailure.Reboot", 65},
      {"SystemFailure.Redeploy", 66},  {"SystemFailure.Stop", 67},
      {"SystemFailure.Delete", 68},    {"InstanceFailure.Reboot", 69}};
  auto it = kCodes.find(type);
  return it == kCodes.end() ? 0 : it->second;
}
int CycleStatusCode(const std::string& status) {
  static const std::map<std::string, int> kCodes = {
      {"Scheduled", 24}, {"Avoided", 18}, {"Executing", 32}, {"Executed", 48},
      {"Canceled", 34},  {"Failed", 16},  {"Inquiring", 33}};
  auto it = kCodes.find(status);
  return it == kCodes.end() ? 0 : it->second;
}

// The details of an event. OpenECS's events are the platform's own actions on an instance
// (no disk, rack, metric, penalty or repair-authorisation events, no rescheduling): the host it
// happened on, and the time it was planned for, which never moves.
json ExtendedAttribute(const InstanceEvent& e) {
  return {{"HostId", e.host_id},
          {"HostType", ""},
          {"InitialNotBefore", FormatIso(e.publish_time)},
          {"Device", ""},
          {"DiskId", ""},
          {"InactiveDisks", Wrap("InactiveDisk", json::array())},
          {"Rack", ""},
          {"Code", ""},
          {"MetricName", ""},
          {"MetricValue", ""},
          {"CanAccept", ""},
          {"ResponseResult", ""},
          {"OnlineRepairPolicy", ""},
          {"MigrationOptions", Wrap("MigrationOption", json::array())},
          {"PunishDomain", ""},
          {"PunishType", ""},
          {"PunishUrl", ""}};
}

Result<json> DescribeInstanceHistoryEventsAction(ApiContext& c) {
  const Params& p = c.params;
  static const std::vector<std::string> kStatuses = {
      "Scheduled", "Avoided", "Executing", "Executed", "Canceled", "Failed", "Inquiring"};
  InstanceEventQuery q;
  q.account_id = c.account_id;
  q.region_id = c.region_id;
  if (auto id = p.Get("InstanceId")) q.instance_ids.push_back(*id);
  for (const auto& id : p.RepeatList("ResourceId")) q.instance_ids.push_back(id);
  q.event_ids = p.RepeatList("EventId");
  q.event_types = p.RepeatList("InstanceEventType");
  if (auto t = p.Get("EventType")) q.event_types.push_back(*t);
  q.cycle_statuses = p.RepeatList("InstanceEventCycleStatus");
  if (q.cycle_statuses.empty()) {
    OPENECS_ASSIGN_OR_RETURN(auto one, p.Enum("EventCycleStatus", kStatuses));
    if (one) q.cycle_statuses.push_back(*one);
  }
  for (const auto& st : q.cycle_statuses)
    if (std::find(kStatuses.begin(), kStatuses.end(), st) == kStatuses.end())
      return MakeError(ErrorCode::kInvalidParameter,
                       "The specified InstanceEventCycleStatus '" + st + "' is not valid.");
  std::vector<InstanceEvent> events = c.cloud.Read<std::vector<InstanceEvent>>(
      [&](const State& s) { return FindInstanceEvents(s, q); });
  PageSpec spec;
  spec.token_style = false;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, events.size(), spec));
  json arr = json::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    const InstanceEvent& e = events[i];
    arr.push_back({{"EventId", e.id},
                   {"InstanceId", e.instance_id},
                   {"ResourceType", "instance"},
                   {"EventType", {{"Name", e.event_type}, {"Code", EventTypeCode(e.event_type)}}},
                   {"EventCycleStatus",
                    {{"Name", e.cycle_status}, {"Code", CycleStatusCode(e.cycle_status)}}},
                   {"EventPublishTime", FormatIso(e.publish_time)},
                   {"NotBefore", FormatIso(e.publish_time)},
                   {"EventFinishTime", e.finish_time ? FormatIso(e.finish_time) : ""},
                   {"Reason", e.reason},
                   {"ReasonCode", ""},
                   {"ImpactLevel", ""},
                   {"ExtendedAttribute", ExtendedAttribute(e)}});
  }
  json reply = {{"InstanceSystemEventSet", Wrap("InstanceSystemEventType", arr)}};
  page.Render(reply, events.size());
  reply["NextToken"] = "";  // paged by number only
  return reply;
}

}  // namespace

void RegisterEventActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeInstanceHistoryEvents"}] = {DescribeInstanceHistoryEventsAction};
}

}  // namespace openecs
