// ActionTrail 2020-07-06, LookupEvents (issue 18): the caller's account's audit trail
// (store/audit_log.h), newest first, in ActionTrail's event shape. LookupAttribute.N.Key is one
// of EventName, EventId, EventRW (Read | Write), EventAccessKeyId, ResourceName, ServiceName,
// Username; StartTime and EndTime are ISO 8601 (default: the last 7 days); MaxResults 1-50
// (default 20); NextToken from the previous page.
#include "api/action.h"
#include "api/audit.h"
#include "common/clock.h"
#include "common/text.h"
#include "store/audit_log.h"

namespace openecs {
namespace {
using json = nlohmann::json;

constexpr const char* kActionTrailVersion = "2020-07-06";

Result<json> LookupEvents(ApiContext& c) {
  const Params& p = c.params;
  AuditLog* log = c.cloud.audit();
  AuditQuery q;
  q.account_id = c.account_id;
  int64_t now = c.cloud.Now();
  int64_t end = now, start = now - 7 * 86400;
  if (auto t = p.Get("EndTime")) {
    auto v = ParseIso(*t);
    if (!v) return MakeError(ErrorCode::kInvalidParameter, "EndTime is not valid.");
    end = *v;
  }
  if (auto t = p.Get("StartTime")) {
    auto v = ParseIso(*t);
    if (!v) return MakeError(ErrorCode::kInvalidParameter, "StartTime is not valid.");
    start = *v;
  }
  if (start > end)
    return MakeError(ErrorCode::kInvalidParameter, "StartTime is later than EndTime.");
  q.from_ms = start * 1000;
  q.to_ms = end * 1000 + 999;
  for (const auto& a : p.ObjectList("LookupAttribute")) {
    std::string key = a.count("Key") ? a.at("Key") : "";
    std::string value = a.count("Value") ? a.at("Value") : "";
    if (key == "EventName")
      q.action = value;
    else if (key == "EventId")
      q.event_id = value;
    else if (key == "EventAccessKeyId")
      q.access_key_id = value;
    else if (key == "ResourceName")
      q.resource = value;
    else if (key == "ServiceName")
      q.service = ToLower(value);
    else if (key == "Username")
      q.user_name = value;
    else if (key == "EventRW") {
      if (value != "Read" && value != "Write" && value != "All")
        return MakeError(ErrorCode::kInvalidParameter, "EventRW is Read, Write or All.");
      q.read_write = value == "Read" ? 1 : value == "Write" ? 2 : 0;
    } else {
      return MakeError(ErrorCode::kInvalidParameter,
                       "The LookupAttribute key " + key + " is not supported.");
    }
  }
  OPENECS_ASSIGN_OR_RETURN(int64_t max, p.IntOr("MaxResults", 20, 1, 50));
  q.limit = static_cast<size_t>(max);
  q.next_token = p.GetOr("NextToken", "");
  if (!q.next_token.empty() && q.next_token.find_first_not_of("0123456789") != std::string::npos)
    return MakeError(ErrorCode::kInvalidParameter, "NextToken is not valid.");
  json events = json::array();
  std::string next;
  if (log) {
    log->Flush();  // what was just done is part of the answer
    OPENECS_ASSIGN_OR_RETURN(auto found, log->Lookup(q, &next));
    for (const auto& e : found)
      events.push_back(ActionTrailEventJson(e, c.cloud.config().region_id));
  }
  json out = {{"Events", events}, {"StartTime", FormatIso(start)}, {"EndTime", FormatIso(end)}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

}  // namespace

void RegisterActionTrailActions(ActionTable& t) {
  t[{kActionTrailVersion, "LookupEvents"}] = {LookupEvents, false};
}

}  // namespace openecs
