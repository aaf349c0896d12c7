#include "service/alarm_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "common/text.h"
#include "service/dashboard_metrics.h"
#include "service/monitor_service.h"

namespace openecs {
namespace {

bool Breached(const MetricRule& r, double v) {
  if (r.comparison == "GreaterThanThreshold") return v > r.threshold;
  if (r.comparison == "GreaterThanOrEqualToThreshold") return v >= r.threshold;
  if (r.comparison == "LessThanThreshold") return v < r.threshold;
  if (r.comparison == "LessThanOrEqualToThreshold") return v <= r.threshold;
  if (r.comparison == "NotEqualToThreshold") return v != r.threshold;
  return v == r.threshold;  // EqualToThreshold
}

std::string Symbol(const std::string& comparison) {
  static const std::map<std::string, std::string> kSymbols = {
      {"GreaterThanThreshold", ">"}, {"GreaterThanOrEqualToThreshold", ">="},
      {"LessThanThreshold", "<"},    {"LessThanOrEqualToThreshold", "<="},
      {"NotEqualToThreshold", "!="}, {"EqualToThreshold", "=="}};
  auto it = kSymbols.find(comparison);
  return it == kSymbols.end() ? "?" : it->second;
}

std::string FormatValue(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string MetricRuleKey(const std::string& account_id, const std::string& rule_id) {
  return account_id + "/" + rule_id;
}

Status PutMetricRule(Cloud& cloud, MetricRule rule) {
  auto invalid = [](const std::string& what) {
    return MakeError(ErrorCode::kInvalidParameter, what);
  };
  if (rule.id.empty() || rule.id.size() > 128) return invalid("RuleId is 1 to 128 characters.");
  if (rule.metric_namespace != kEcsDashboard)
    return invalid("The namespace " + rule.metric_namespace + " is not supported.");
  if (!IsDashboardMetric(rule.metric_name))
    return invalid("The metric " + rule.metric_name + " is not in " + kEcsDashboard + ".");
  if (rule.period < 60 || rule.period % 60 || rule.period > 86400)
    return invalid("Period is a multiple of 60 seconds, up to a day.");
  static const std::vector<std::string> kStats = {"Average", "Maximum", "Minimum"};
  if (std::find(kStats.begin(), kStats.end(), rule.statistics) == kStats.end())
    return invalid("Statistics is Average, Maximum or Minimum.");
  if (Symbol(rule.comparison) == "?") return invalid("ComparisonOperator is not valid.");
  if (rule.times < 1 || rule.times > 100) return invalid("Times is 1 to 100.");
  if (!rule.webhook.empty() && rule.webhook.rfind("http://", 0) != 0)
    return invalid("Webhook is an http:// URL.");
  if (rule.resources.empty() || rule.resources.size() > 1000)
    return invalid("Resources names 1 to 1000 instances.");
  return cloud.Write([&](Txn& txn) -> Status {
    for (const auto& id : rule.resources)
      if (!FindOwned(txn.state().instances, id, rule.account_id))
        return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                         "The instance " + id + " in Resources does not exist.");
    std::string key = MetricRuleKey(rule.account_id, rule.id);
    rule.id = key;
    auto& table = txn.state().metric_rules;
    rule.update_time = txn.now();
    if (auto it = table.find(key); it != table.end()) {
      MetricRule& old = it->second;
      rule.creation_time = old.creation_time;
      rule.enabled = old.enabled;
      for (const auto& id : rule.resources) {
        if (old.states.count(id)) rule.states[id] = old.states[id];
        if (old.breaches.count(id)) rule.breaches[id] = old.breaches[id];
        if (old.notified.count(id)) rule.notified[id] = old.notified[id];
      }
      rule.evaluated_until = old.evaluated_until;
      rule.version = old.version;
      old = std::move(rule);
      txn.Touch(old);
      return Ok();
    }
    rule.creation_time = txn.now();
    txn.Put(std::move(rule));
    return Ok();
  });
}

Status DeleteMetricRules(Cloud& cloud, const std::string& account_id,
                         const std::vector<std::string>& ids) {
  return cloud.Write([&](Txn& txn) -> Status {
    for (const auto& id : ids)
      if (!txn.state().metric_rules.count(MetricRuleKey(account_id, id)))
        return MakeError(ErrorCode::kInvalidParameter, "The rule " + id + " does not exist.");
    for (const auto& id : ids) txn.Erase<MetricRule>(MetricRuleKey(account_id, id));
    return Ok();
  });
}

Status EnableMetricRules(Cloud& cloud, const std::string& account_id,
                         const std::vector<std::string>& ids, bool enable) {
  return cloud.Write([&](Txn& txn) -> Status {
    for (const auto& id : ids)
      if (!txn.state().metric_rules.count(MetricRuleKey(account_id, id)))
        return MakeError(ErrorCode::kInvalidParameter, "The rule " + id + " does not exist.");
    for (const auto& id : ids) {
      MetricRule& r = txn.state().metric_rules.at(MetricRuleKey(account_id, id));
      r.enabled = enable;
      if (!enable) r.breaches.clear();
      txn.Touch(r);
    }
    return Ok();
  });
}

std::vector<AlertNotice> RunAlarmPass(Cloud& cloud) {
  std::vector<AlertNotice> notices;
  Monitor* monitor = cloud.monitor();
  if (!monitor) return notices;
  // Each rule's due window, read outside the lock (the metric store has its own).
  struct Due {
    std::string key;
    int64_t window = 0;  // its start
  };
  int64_t now = cloud.Now();
  // The windows whose minutes are all written (Monitor::Flush writes them over the seconds
  // after they end), and never one that ended less than 5 s ago.
  int64_t written_through = monitor->WrittenThrough();
  if (written_through == 0) return notices;  // nothing flushed yet
  int64_t written = std::min(now - 5, written_through);
  std::vector<MetricRule> rules = cloud.Read<std::vector<MetricRule>>([&](const State& s) {
    std::vector<MetricRule> out;
    for (const auto& [key, r] : s.metric_rules) {
      if (!r.enabled) continue;
      int64_t last_end = written - written % r.period;  // the last window that ended
      if (last_end - r.period > r.evaluated_until || r.evaluated_until == 0) out.push_back(r);
    }
    return out;
  });
  std::map<std::string, std::map<std::string, std::optional<double>>> values;  // rule -> inst
  std::map<std::string, int64_t> windows;
  for (const auto& r : rules) {
    int64_t end = written - written % r.period, start = end - r.period;
    windows[r.id] = start;
    for (const auto& inst : r.resources) {
      auto series = DashboardSeries(*monitor, inst, r.metric_name, r.period, start, end);
      std::optional<double> v;
      if (series.ok() && !series->empty()) {
        const DashboardPoint& p = series->back();
        v = r.statistics == "Maximum"   ? p.maximum
            : r.statistics == "Minimum" ? p.minimum
                                        : p.average;
      }
      values[r.id][inst] = v;
    }
  }
  if (rules.empty()) return notices;
  (void)cloud.Write([&](Txn& txn) -> Status {
    for (const auto& [key, start] : windows) {
      auto it = txn.state().metric_rules.find(key);
      if (it == txn.state().metric_rules.end() || !it->second.enabled) continue;
      MetricRule& r = it->second;
      for (const auto& [inst, v] : values[key]) {
        if (!v) continue;  // no data: the state stays
        std::string& state = r.states[inst];
        if (state.empty()) state = "OK";
        bool breach = Breached(r, *v);
        int& run = r.breaches[inst];
        run = breach ? run + 1 : 0;
        std::string before = state;
        if (breach && run >= r.times) state = "ALARM";
        if (!breach) state = "OK";
        bool repeat =
            state == "ALARM" && before == "ALARM" && txn.now() - r.notified[inst] >= r.silence_time;
        if ((state != before || repeat) && !r.webhook.empty()) {
          r.notified[inst] = txn.now();
          std::string level = r.level == "Warn" ? "WARN" : r.level == "Info" ? "INFO" : "CRITICAL";
          notices.push_back(
              {r.webhook,
               {{"alertName", r.name},
                {"alertState", state == "ALARM" ? "ALERT" : "OK"},
                {"curValue", FormatValue(*v)},
                {"dimensions", "{instanceId=" + inst + ", userId=" + r.account_id + "}"},
                {"expression", "$" + r.statistics + Symbol(r.comparison) + r.threshold_text},
                {"instanceName", inst},
                {"metricName", r.metric_name},
                {"metricProject", r.metric_namespace},
                {"namespace", r.metric_namespace},
                {"ruleId", r.id.substr(r.account_id.size() + 1)},
                {"timestamp", std::to_string(txn.now() * 1000)},
                {"triggerLevel", state == "ALARM" ? level : "OK"},
                {"preTriggerLevel", before == "ALARM" ? level : "OK"},
                {"userId", r.account_id}}});
        }
      }
      r.evaluated_until = start;
      txn.Touch(r);
    }
    return Ok();
  });
  return notices;
}

}  // namespace openecs
