#include "service/dashboard_metrics.h"

#include <map>

namespace openecs {
namespace {

struct Source {
  const char* point_metric;  // in the instance's points
  double scale;              // to the dashboard's unit
  bool total;                // bytes per window rather than a rate
};

const std::map<std::string, Source>& Sources() {
  static const std::map<std::string, Source> kSources = {
      {"CPUUtilization", {metric::kCpu, 1, false}},
      {"DiskReadBPS", {metric::kDiskReadBytes, 1, false}},
      {"DiskWriteBPS", {metric::kDiskWriteBytes, 1, false}},
      {"DiskReadIOPS", {metric::kDiskReadOps, 1, false}},
      {"DiskWriteIOPS", {metric::kDiskWriteOps, 1, false}},
      {"InternetInRate", {metric::kInternetRx, 8, false}},
      {"InternetOutRate", {metric::kInternetTx, 8, false}},
      {"IntranetInRate", {metric::kIntranetRx, 8, false}},
      {"IntranetOutRate", {metric::kIntranetTx, 8, false}},
      {"InternetIn", {metric::kInternetRx, 1, true}},
      {"InternetOut", {metric::kInternetTx, 1, true}},
      {"IntranetIn", {metric::kIntranetRx, 1, true}},
      {"IntranetOut", {metric::kIntranetTx, 1, true}},
  };
  return kSources;
}

}  // namespace

bool IsDashboardMetric(const std::string& name) { return Sources().count(name) > 0; }

Result<std::vector<DashboardPoint>> DashboardSeries(Monitor& monitor, const std::string& instance,
                                                    const std::string& name, int period,
                                                    int64_t from, int64_t to) {
  auto source = Sources().find(name);
  if (source == Sources().end() || period <= 0 || period % 60)
    return MakeError(ErrorCode::kInvalidParameter, "No such metric or period.");
  int base = period % 3600 == 0 ? 3600 : period % 600 == 0 ? 600 : 60;
  OPENECS_ASSIGN_OR_RETURN(auto points, monitor.Query(instance, base, from - from % period, to));
  std::map<int64_t, MetricStat> windows;
  for (auto& p : points) {
    auto v = p.values.find(source->second.point_metric);
    if (v != p.values.end()) windows[p.ts - p.ts % period].Merge(v->second);
  }
  std::vector<DashboardPoint> out;
  for (const auto& [ts, stat] : windows) {
    if (ts < from - from % period || stat.seconds <= 0) continue;
    double k = source->second.scale;
    if (source->second.total)
      out.push_back({ts, stat.sum * k, stat.sum * k, stat.sum * k});
    else
      out.push_back({ts, stat.avg() * k, stat.min * k, stat.max * k});
  }
  return out;
}

}  // namespace openecs
