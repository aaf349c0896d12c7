// Monitoring, ECS API (issue 18): DescribeInstanceMonitorData, DescribeDiskMonitorData,
// DescribeEniMonitorData, DescribeEipMonitorData, from the points the cloud's monitor keeps
// (service/monitor_service.h).
//
// Units as ECS answers them: CPU in percent; instance traffic in kbit (RX, TX) and kbit/s
// (Bandwidth); disk I/O in operations and bytes per second, latency in microseconds; ENI traffic
// in KB (strings, as ECS's model declares them); EIP traffic in bytes and bytes per second.
// Averages are over the seconds the point covers (an instance that ran half a minute shows the
// rate it ran at). Only periods with data are listed.
#include <cmath>

#include "api/action.h"
#include "common/clock.h"
#include "service/eni_service.h"
#include "service/monitor_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

struct TimeRange {
  int64_t start = 0, end = 0;
  int period = 60;
};

constexpr int64_t kMaxPoints = 400;
constexpr int64_t kQueryableSeconds = 30 * 86400;  // "only for the last 30 days"

// StartTime, EndTime (ISO 8601 UTC; seconds other than 00 round up to the next minute) and
// Period. `end_first`: the action answers an end before the start with InvalidParameter.EndTime
// (disks, ENIs) rather than InvalidStartTime.ValueNotSupported (instances).
Result<TimeRange> RangeOf(const ApiContext& c, bool end_first) {
  const Params& p = c.params;
  auto minute = [](const std::optional<int64_t>& t) -> std::optional<int64_t> {
    if (!t) return std::nullopt;
    return *t % 60 ? *t + 60 - *t % 60 : *t;
  };
  OPENECS_ASSIGN_OR_RETURN(std::string start_s, p.Required("StartTime"));
  OPENECS_ASSIGN_OR_RETURN(std::string end_s, p.Required("EndTime"));
  auto start = minute(ParseIso(start_s));
  if (!start) return MakeError(ErrorCode::kInvalidStartTimeMalformed);
  auto end = minute(ParseIso(end_s));
  if (!end) return MakeError(ErrorCode::kInvalidEndTimeMalformed);
  TimeRange r{*start, *end, 60};
  if (auto period = p.Get("Period")) {
    if (*period != "60" && *period != "600" && *period != "3600")
      return MakeError(ErrorCode::kInvalidPeriodValue);
    r.period = std::stoi(*period);
  }
  if (r.start > r.end)
    return MakeError(end_first ? ErrorCode::kInvalidEndTimeBeforeStart
                               : ErrorCode::kInvalidStartTimeAfterEnd);
  if (r.start < c.cloud.Now() - kQueryableSeconds)
    return MakeError(ErrorCode::kInvalidStartTimeTooEarly);
  if ((r.end - r.start) / r.period > kMaxPoints) return MakeError(ErrorCode::kTooManyDataQueried);
  return r;
}

// The points of `resource` over the range: periods that start in it (the one under way at
// StartTime included), up to EndTime.
Result<std::vector<MetricPoint>> PointsOf(const ApiContext& c, const std::string& resource,
                                          const TimeRange& r) {
  Monitor* monitor = c.cloud.monitor();
  if (!monitor) return std::vector<MetricPoint>{};
  return monitor->Query(resource, r.period, r.start - r.start % r.period, r.end + 1);
}

int64_t Round(double v) { return static_cast<int64_t>(std::llround(v)); }
// kbit from bytes.
int64_t Kbits(double bytes) { return Round(bytes * 8 / 1000); }

json InstancePoint(const std::string& id, MetricPoint& p) {
  MetricValues& v = p.values;
  auto rate_kbits = [&](const char* rx, const char* tx) {
    double seconds = std::max(v[rx].seconds, 1.0);
    return Round((v[rx].sum + v[tx].sum) * 8 / 1000 / seconds);
  };
  return {{"InstanceId", id},
          {"TimeStamp", FormatIso(p.ts)},
          {"CPU", Round(v[metric::kCpu].avg())},
          {"IntranetRX", Kbits(v[metric::kIntranetRx].sum)},
          {"IntranetTX", Kbits(v[metric::kIntranetTx].sum)},
          {"IntranetBandwidth", rate_kbits(metric::kIntranetRx, metric::kIntranetTx)},
          {"InternetRX", Kbits(v[metric::kInternetRx].sum)},
          {"InternetTX", Kbits(v[metric::kInternetTx].sum)},
          {"InternetBandwidth", rate_kbits(metric::kInternetRx, metric::kInternetTx)},
          {"BPSRead", Round(v[metric::kDiskReadBytes].avg())},
          {"BPSWrite", Round(v[metric::kDiskWriteBytes].avg())},
          {"IOPSRead", Round(v[metric::kDiskReadOps].avg())},
          {"IOPSWrite", Round(v[metric::kDiskWriteOps].avg())}};
}

Result<json> DescribeInstanceMonitorDataAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(TimeRange r, RangeOf(c, false));
  bool found = c.cloud.Read<bool>(
      [&](const State& s) { return FindOwned(s.instances, id, c.account_id) != nullptr; });
  if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
  OPENECS_ASSIGN_OR_RETURN(auto points, PointsOf(c, id, r));
  json arr = json::array();
  for (auto& p : points) arr.push_back(InstancePoint(id, p));
  return json{{"MonitorData", Wrap("InstanceMonitorData", std::move(arr))}};
}

Result<json> DescribeDiskMonitorDataAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("DiskId"));
  OPENECS_ASSIGN_OR_RETURN(TimeRange r, RangeOf(c, true));
  bool found = c.cloud.Read<bool>(
      [&](const State& s) { return FindOwned(s.disks, id, c.account_id) != nullptr; });
  if (!found) return MakeError(ErrorCode::kInvalidDiskIdNotFound);
  OPENECS_ASSIGN_OR_RETURN(auto points, PointsOf(c, id, r));
  json arr = json::array();
  for (auto& p : points) {
    MetricValues& v = p.values;
    auto latency_us = [&](const char* ns, const char* ops) {
      return v[ops].sum > 0 ? Round(v[ns].sum / v[ops].sum / 1000) : 0;
    };
    int64_t rb = Round(v[metric::kReadBytes].avg()), wb = Round(v[metric::kWriteBytes].avg());
    int64_t ro = Round(v[metric::kReadOps].avg()), wo = Round(v[metric::kWriteOps].avg());
    arr.push_back({{"DiskId", id},
                   {"TimeStamp", FormatIso(p.ts)},
                   {"IOPSRead", ro},
                   {"IOPSWrite", wo},
                   {"IOPSTotal", ro + wo},
                   {"BPSRead", rb},
                   {"BPSWrite", wb},
                   {"BPSTotal", rb + wb},
                   {"LatencyRead", latency_us(metric::kReadNanos, metric::kReadOps)},
                   {"LatencyWrite", latency_us(metric::kWriteNanos, metric::kWriteOps)}});
  }
  size_t total = arr.size();
  return json{{"TotalCount", total}, {"MonitorData", Wrap("DiskMonitorData", std::move(arr))}};
}

// The secondary ENIs of an instance (or the one named, which must be attached to it).
Result<json> DescribeEniMonitorDataAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string instance_id, c.params.Required("InstanceId"));
  std::optional<std::string> eni_id = c.params.Get("EniId");
  OPENECS_ASSIGN_OR_RETURN(TimeRange r, RangeOf(c, true));
  std::vector<std::string> enis;
  Status st = c.cloud.Read<Status>([&](const State& s) -> Status {
    if (!FindOwned(s.instances, instance_id, c.account_id))
      return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    if (eni_id) {
      const NetworkInterface* eni = FindOwned(s.enis, *eni_id, c.account_id);
      if (!eni || eni->instance_id != instance_id)
        return MakeError(ErrorCode::kInvalidEniIdNotFound);
      enis.push_back(*eni_id);
      return Ok();
    }
    for (const auto& [id, eni] : Owned(s.enis, c.account_id))
      if (eni.instance_id == instance_id) enis.push_back(id);
    return Ok();
  });
  OPENECS_RETURN_IF_ERROR(st);
  json arr = json::array();
  auto kb = [](double bytes) { return std::to_string(Round(bytes / 1024)); };
  for (const auto& id : enis) {
    OPENECS_ASSIGN_OR_RETURN(auto points, PointsOf(c, id, r));
    for (auto& p : points) {
      MetricValues& v = p.values;
      arr.push_back({{"EniId", id},
                     {"TimeStamp", FormatIso(p.ts)},
                     {"IntranetRx", kb(v[metric::kRxBytes].sum)},
                     {"IntranetTx", kb(v[metric::kTxBytes].sum)},
                     {"PacketRx", std::to_string(Round(v[metric::kRxPackets].sum))},
                     {"PacketTx", std::to_string(Round(v[metric::kTxPackets].sum))},
                     {"DropPacketRx", std::to_string(Round(v[metric::kRxDropped].sum))},
                     {"DropPacketTx", std::to_string(Round(v[metric::kTxDropped].sum))}});
    }
  }
  size_t total = arr.size();
  return json{{"TotalCount", total}, {"MonitorData", Wrap("EniMonitorData", std::move(arr))}};
}

Result<json> DescribeEipMonitorDataAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("AllocationId"));
  OPENECS_ASSIGN_OR_RETURN(TimeRange r, RangeOf(c, false));
  bool found = c.cloud.Read<bool>(
      [&](const State& s) { return FindOwned(s.eips, id, c.account_id) != nullptr; });
  if (!found) return MakeError(ErrorCode::kInvalidAllocationIdNotFound);
  OPENECS_ASSIGN_OR_RETURN(auto points, PointsOf(c, id, r));
  json arr = json::array();
  for (auto& p : points) {
    MetricValues& v = p.values;
    double flow = v[metric::kRxBytes].sum + v[metric::kTxBytes].sum;
    arr.push_back({{"TimeStamp", FormatIso(p.ts)},
                   {"EipRX", Round(v[metric::kRxBytes].sum)},
                   {"EipTX", Round(v[metric::kTxBytes].sum)},
                   {"EipFlow", Round(flow)},
                   {"EipBandwidth", Round(flow / std::max(v[metric::kRxBytes].seconds, 1.0))},
                   {"EipPackets", Round(v[metric::kRxPackets].sum + v[metric::kTxPackets].sum)}});
  }
  return json{{"EipMonitorDatas", Wrap("EipMonitorData", std::move(arr))}};
}

}  // namespace

void RegisterMonitorActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeInstanceMonitorData"}] = {DescribeInstanceMonitorDataAction, false};
  t[{kEcsVersion, "DescribeDiskMonitorData"}] = {DescribeDiskMonitorDataAction, false};
  t[{kEcsVersion, "DescribeEniMonitorData"}] = {DescribeEniMonitorDataAction};
  t[{kEcsVersion, "DescribeEipMonitorData"}] = {DescribeEipMonitorDataAction, false};
}

}  // namespace openecs
