// CloudMonitor API 2019-01-01 (issue 18), the part ECS users call: DescribeMetricList and
// DescribeMetricLast on the acs_ecs_dashboard namespace (service/dashboard_metrics.h), and
// metric alarm rules with a webhook (service/alarm_service.h): PutResourceMetricRule,
// DescribeMetricRuleList, EnableMetricRules, DisableMetricRules, DeleteMetricRules.
//
// Replies carry CloudMonitor's {Code: "200", Success: true}; Datapoints is a JSON text, as the
// SDK's model declares it. Times are epoch milliseconds, "YYYY-MM-DD hh:mm:ss" (UTC here) or
// ISO 8601; the range is (StartTime, EndTime], at most 31 days.
#include <cmath>

#include "api/action.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/alarm_service.h"
#include "service/dashboard_metrics.h"

namespace openecs {
namespace {
using json = nlohmann::json;

constexpr const char* kCmsVersion = "2019-01-01";
constexpr int64_t kMaxRangeSeconds = 31 * 86400;
constexpr size_t kMaxDimensions = 50;

json Ok200(json body = json::object()) {
  body["Code"] = "200";
  body["Success"] = true;
  return body;
}

// Epoch milliseconds, "YYYY-MM-DD hh:mm:ss" or ISO 8601, as epoch seconds.
std::optional<int64_t> CmsTime(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 15)
    return std::stoll(s) / 1000;
  std::string iso = s;
  if (iso.size() == 19 && iso[10] == ' ') {
    iso[10] = 'T';
    iso += "Z";
  }
  return ParseIso(iso);
}

struct MetricQuery {
  std::string metric;
  int period = 60;
  int64_t start = 0, end = 0;
  std::vector<std::string> instances;
};

// Namespace, MetricName, Period, StartTime, EndTime and Dimensions ([{"instanceId": ...}] or
// one object; none: all the caller's instances).
Result<MetricQuery> QueryOf(const ApiContext& c, int64_t default_span) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string ns, p.Required("Namespace"));
  OPENECS_ASSIGN_OR_RETURN(std::string metric, p.Required("MetricName"));
  if (ns != kEcsDashboard)
    return MakeError(ErrorCode::kInvalidParameter,
                     "The namespace " + ns + " is not supported (only acs_ecs_dashboard).");
  if (!IsDashboardMetric(metric))
    return MakeError(ErrorCode::kInvalidParameter, "The metric " + metric + " is not supported.");
  MetricQuery q;
  q.metric = metric;
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 60, 60, 86400));
  if (period % 60) return MakeError(ErrorCode::kInvalidParameter, "Period is a multiple of 60.");
  q.period = static_cast<int>(period);
  int64_t now = c.cloud.Now();
  q.end = now;
  if (auto e = p.Get("EndTime")) {
    auto t = CmsTime(*e);
    if (!t) return MakeError(ErrorCode::kInvalidParameter, "EndTime is not valid.");
    q.end = *t;
  }
  q.start = q.end - default_span;
  if (auto s = p.Get("StartTime")) {
    auto t = CmsTime(*s);
    if (!t) return MakeError(ErrorCode::kInvalidParameter, "StartTime is not valid.");
    q.start = *t;
  }
  if (q.start >= q.end)
    return MakeError(ErrorCode::kInvalidParameter, "StartTime must be earlier than EndTime.");
  if (q.end - q.start > kMaxRangeSeconds)
    return MakeError(ErrorCode::kInvalidParameter, "The range is at most 31 days.");
  if (auto d = p.Get("Dimensions"); d && !d->empty()) {
    json j = json::parse(*d, nullptr, false);
    if (j.is_object()) j = json::array({j});
    if (!j.is_array() || j.empty())
      return MakeError(ErrorCode::kInvalidParameter, "Dimensions is not valid JSON.");
    for (const auto& o : j) {
      if (!o.is_object() || !o.contains("instanceId") || !o["instanceId"].is_string())
        return MakeError(ErrorCode::kInvalidParameter, "Each dimension names an instanceId.");
      q.instances.push_back(o["instanceId"].get<std::string>());
    }
    if (q.instances.size() > kMaxDimensions)
      return MakeError(ErrorCode::kInvalidParameter, "At most 50 instances at a time.");
    // Instances of other accounts, or none, simply have no data (as CloudMonitor answers).
    c.cloud.Read<bool>([&](const State& s) {
      std::erase_if(q.instances, [&](const std::string& id) {
        return !FindOwned(s.instances, id, c.account_id);
      });
      return true;
    });
  } else {
    c.cloud.Read<bool>([&](const State& s) {
      for (const auto& [id, i] : Owned(s.instances, c.account_id)) q.instances.push_back(id);
      return true;
    });
  }
  return q;
}

double Round2(double v) { return std::round(v * 100) / 100; }

json Datapoint(const ApiContext& c, const std::string& instance, const DashboardPoint& p) {
  return {{"timestamp", p.ts * 1000},     {"userId", c.account_id},
          {"instanceId", instance},       {"Average", Round2(p.average)},
          {"Minimum", Round2(p.minimum)}, {"Maximum", Round2(p.maximum)}};
}

// Length (1..1440, default 1000) and NextToken (an offset this server gave).
Result<std::pair<size_t, size_t>> PageOf(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(int64_t length, p.IntOr("Length", 1000, 1, 1440));
  size_t offset = 0;
  if (auto t = p.Get("NextToken"); t && !t->empty()) {
    if (t->find_first_not_of("0123456789") != std::string::npos || t->size() > 9)
      return MakeError(ErrorCode::kInvalidParameter, "NextToken is not valid.");
    offset = std::stoul(*t);
  }
  return std::make_pair(offset, static_cast<size_t>(length));
}

json Paged(json all, std::pair<size_t, size_t> page, int period) {
  json out = json::array();
  size_t end = std::min(all.size(), page.first + page.second);
  for (size_t k = page.first; k < end; ++k) out.push_back(std::move(all[k]));
  json body = {{"Datapoints", out.dump()}, {"Period", std::to_string(period)}};
  if (end < all.size()) body["NextToken"] = std::to_string(end);
  return Ok200(std::move(body));
}

Result<json> DescribeMetricList(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto page, PageOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(MetricQuery q, QueryOf(c, 3600));
  json all = json::array();
  if (Monitor* monitor = c.cloud.monitor()) {
    for (const auto& inst : q.instances) {
      // (start, end]: windows that start after StartTime, up to EndTime.
      OPENECS_ASSIGN_OR_RETURN(
          auto series, DashboardSeries(*monitor, inst, q.metric, q.period, q.start + 1, q.end + 1));
      for (const auto& p : series) all.push_back(Datapoint(c, inst, p));
    }
  }
  return Paged(std::move(all), page, q.period);
}

// The latest window of each instance (within two hours of EndTime for minutes, two days for
// hours).
Result<json> DescribeMetricLast(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto page, PageOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(MetricQuery q, QueryOf(c, 7200));
  int64_t reach = q.period >= 3600 ? 2 * 86400 : 7200;
  q.start = std::min(q.start, q.end - reach);
  json all = json::array();
  if (Monitor* monitor = c.cloud.monitor()) {
    for (const auto& inst : q.instances) {
      OPENECS_ASSIGN_OR_RETURN(
          auto series, DashboardSeries(*monitor, inst, q.metric, q.period, q.start + 1, q.end + 1));
      if (!series.empty()) all.push_back(Datapoint(c, inst, series.back()));
    }
  }
  return Paged(std::move(all), page, q.period);
}

Result<json> PutResourceMetricRule(ApiContext& c) {
  const Params& p = c.params;
  MetricRule r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.id, p.Required("RuleId"));
  OPENECS_ASSIGN_OR_RETURN(r.name, p.Required("RuleName"));
  OPENECS_ASSIGN_OR_RETURN(r.metric_namespace, p.Required("Namespace"));
  OPENECS_ASSIGN_OR_RETURN(r.metric_name, p.Required("MetricName"));
  OPENECS_ASSIGN_OR_RETURN(r.contact_groups, p.Required("ContactGroups"));
  OPENECS_ASSIGN_OR_RETURN(r.resources_text, p.Required("Resources"));
  json res = json::parse(r.resources_text, nullptr, false);
  if (res.is_object()) res = json::array({res});
  if (!res.is_array()) return MakeError(ErrorCode::kInvalidParameter, "Resources is not valid.");
  for (const auto& o : res) {
    if (!o.is_object() || !o.contains("instanceId") || !o["instanceId"].is_string())
      return MakeError(ErrorCode::kInvalidParameter, "Each resource names an instanceId.");
    r.resources.push_back(o["instanceId"].get<std::string>());
  }
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 60, 60, 86400));
  r.period = static_cast<int>(period);
  OPENECS_ASSIGN_OR_RETURN(int64_t silence, p.IntOr("SilenceTime", 86400, 60, 86400));
  r.silence_time = static_cast<int>(silence);
  r.webhook = p.GetOr("Webhook", "");
  r.no_data_policy = p.GetOr("NoDataPolicy", "KEEP_LAST_STATE");
  // One escalation: Critical, else Warn, else Info.
  bool found = false;
  for (const char* level : {"Critical", "Warn", "Info"}) {
    std::string prefix = std::string("Escalations.") + level + ".";
    if (!p.Has(prefix + "Threshold")) continue;
    r.level = level;
    r.statistics = p.GetOr(prefix + "Statistics", "Average");
    r.comparison = p.GetOr(prefix + "ComparisonOperator", "GreaterThanThreshold");
    r.threshold_text = p.GetOr(prefix + "Threshold", "");
    char* end = nullptr;
    r.threshold = std::strtod(r.threshold_text.c_str(), &end);
    if (r.threshold_text.empty() || *end != '\0' || !std::isfinite(r.threshold))
      return MakeError(ErrorCode::kInvalidParameter, "Threshold is a number.");
    OPENECS_ASSIGN_OR_RETURN(int64_t times, p.IntOr(prefix + "Times", 1, 1, 100));
    r.times = static_cast<int>(times);
    found = true;
    break;
  }
  if (!found)
    return MakeError(ErrorCode::kMissingParameter,
                     "An escalation (Escalations.Critical...) is needed.");
  OPENECS_RETURN_IF_ERROR(PutMetricRule(c.cloud, r));
  return Ok200({{"Message", ""}});
}

json RuleJson(const MetricRule& r, const std::string& account) {
  std::string alert = "OK";
  for (const auto& [inst, st] : r.states)
    if (st == "ALARM") alert = "ALARM";
  if (r.states.empty()) alert = "INSUFFICIENT_DATA";
  json level = {{"Statistics", r.statistics},
                {"ComparisonOperator", r.comparison},
                {"Threshold", r.threshold_text},
                {"Times", r.times}};
  return {{"RuleId", r.id.substr(account.size() + 1)},
          {"RuleName", r.name},
          {"Namespace", r.metric_namespace},
          {"MetricName", r.metric_name},
          {"Period", std::to_string(r.period)},
          {"Resources", r.resources_text},
          {"Dimensions", r.resources_text},
          {"EnableState", r.enabled},
          {"AlertState", alert},
          {"Webhook", r.webhook},
          {"ContactGroups", r.contact_groups},
          {"SilenceTime", r.silence_time},
          {"NoDataPolicy", r.no_data_policy},
          {"SourceType", "METRIC"},
          {"GmtCreate", r.creation_time * 1000},
          {"GmtUpdate", std::to_string(r.update_time * 1000)},
          {"Escalations", {{r.level, level}}}};
}

Result<json> DescribeMetricRuleList(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(int64_t page, p.IntOr("Page", 1, 1, 1000000));
  OPENECS_ASSIGN_OR_RETURN(int64_t size, p.IntOr("PageSize", 10, 1, 10000));
  std::set<std::string> ids;
  for (const auto& id : Split(p.GetOr("RuleIds", ""), ','))
    if (!Trim(id).empty()) ids.insert(Trim(id));
  std::string name = p.GetOr("RuleName", ""), metric = p.GetOr("MetricName", "");
  std::string alert = p.GetOr("AlertState", "");
  OPENECS_ASSIGN_OR_RETURN(auto enabled, p.OptBool("EnableState"));
  json all = c.cloud.Read<json>([&](const State& s) {
    json out = json::array();
    for (const auto& [key, r] : Owned(s.metric_rules, c.account_id)) {
      json j = RuleJson(r, c.account_id);
      if (!ids.empty() && !ids.count(j["RuleId"].get<std::string>())) continue;
      if (!name.empty() && r.name.find(name) == std::string::npos) continue;
      if (!metric.empty() && r.metric_name != metric) continue;
      if (enabled && r.enabled != *enabled) continue;
      if (!alert.empty() && j["AlertState"] != alert) continue;
      out.push_back(std::move(j));
    }
    return out;
  });
  json items = json::array();
  size_t from = static_cast<size_t>((page - 1) * size);
  for (size_t k = from; k < all.size() && k < from + static_cast<size_t>(size); ++k)
    items.push_back(all[k]);
  json body = {{"Alarms", {{"Alarm", items}}}, {"Total", std::to_string(all.size())}};
  body["Code"] = 200;  // a number in this one's model
  body["Success"] = true;
  return body;
}

Result<json> ToggleRules(ApiContext& c, bool enable) {
  std::vector<std::string> ids = c.params.RepeatList("RuleId");
  if (ids.empty()) return MakeError(ErrorCode::kMissingParameter, "RuleId is needed.");
  OPENECS_RETURN_IF_ERROR(EnableMetricRules(c.cloud, c.account_id, ids, enable));
  return Ok200();
}

Result<json> DeleteRules(ApiContext& c) {
  std::vector<std::string> ids = c.params.RepeatList("Id");
  if (ids.empty()) return MakeError(ErrorCode::kMissingParameter, "Id is needed.");
  OPENECS_RETURN_IF_ERROR(DeleteMetricRules(c.cloud, c.account_id, ids));
  return Ok200();
}

}  // namespace

void RegisterCmsActions(ActionTable& t) {
  t[{kCmsVersion, "DescribeMetricList"}] = {DescribeMetricList, false};
  t[{kCmsVersion, "DescribeMetricLast"}] = {DescribeMetricLast, false};
  t[{kCmsVersion, "PutResourceMetricRule"}] = {PutResourceMetricRule, false};
  t[{kCmsVersion, "DescribeMetricRuleList"}] = {DescribeMetricRuleList, false};
  t[{kCmsVersion, "EnableMetricRules"}] = {[](ApiContext& c) { return ToggleRules(c, true); },
                                           false};
  t[{kCmsVersion, "DisableMetricRules"}] = {[](ApiContext& c) { return ToggleRules(c, false); },
                                            false};
  t[{kCmsVersion, "DeleteMetricRules"}] = {DeleteRules, false};
}

}  // namespace openecs
