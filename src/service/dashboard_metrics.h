#pragma once
// CloudMonitor's acs_ecs_dashboard namespace (issue 18): the metrics ECS users read and alarm on
// (CPUUtilization, DiskReadBPS, InternetOutRate, ...), computed from an instance's monitoring
// points (service/monitor_service.h) for any period that is a multiple of 60 s: the stored
// period that divides it (3600, 600 or 60) merged into windows of it.
//
// Rates are per second (bytes, operations; bits for the *Rate traffic metrics), CPU in percent;
// the traffic totals (InternetIn, InternetOut, IntranetIn, IntranetOut) are bytes per window,
// the same number in Average, Minimum and Maximum. Only metrics the host measures are here: the
// ones CloudMonitor's in-guest agent reports (memory, load, file systems) are not.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "service/monitor_service.h"

namespace openecs {

inline constexpr const char* kEcsDashboard = "acs_ecs_dashboard";

struct DashboardPoint {
  int64_t ts = 0;  // the window's start (epoch seconds)
  double average = 0, minimum = 0, maximum = 0;
};

bool IsDashboardMetric(const std::string& name);

// The windows of `period` that start in [from, to) and have data, oldest first.
Result<std::vector<DashboardPoint>> DashboardSeries(Monitor& monitor, const std::string& instance,
                                                    const std::string& metric, int period,
                                                    int64_t from, int64_t to);

}  // namespace openecs
