#pragma once
// CloudMonitor's metric alarm rules (issue 18), on the acs_ecs_dashboard metrics
// (service/dashboard_metrics.h): PutResourceMetricRule and the calls that list, enable, disable
// and delete them, and the pass that evaluates them.
//
// Evaluation (RunAlarmPass, each second in the server): when a rule's period ends (a window of
// `period` seconds aligned to it, whose minutes have all been written), each of its instances'
// statistic over that window is compared with the threshold. `times` breaches in a row raise the
// alert (ALARM); a window without a breach clears it (OK); a window without data changes nothing
// (KEEP_LAST_STATE). A raised alert, a cleared one, and an alert still raised after
// `silence_time` seconds each make a notice for the rule's webhook, which the caller posts
// (common/webhook.h), outside the state's lock.
#include <map>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

std::string MetricRuleKey(const std::string& account_id, const std::string& rule_id);

// Creates the rule or replaces the one of the same id (whose alert states are kept for the
// instances it still names). Checks its metric, period, statistic, operator and webhook.
Status PutMetricRule(Cloud& cloud, MetricRule rule);
// The caller's rules with these ids (every id must exist).
Status DeleteMetricRules(Cloud& cloud, const std::string& account_id,
                         const std::vector<std::string>& ids);
Status EnableMetricRules(Cloud& cloud, const std::string& account_id,
                         const std::vector<std::string>& ids, bool enable);

struct AlertNotice {
  std::string webhook;
  std::map<std::string, std::string> fields;  // posted as a form, CloudMonitor's names
};
std::vector<AlertNotice> RunAlarmPass(Cloud& cloud);

}  // namespace openecs
