#include "service/monitor_service.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "common/log.h"

namespace openecs {
namespace {

// How much a counter grew between two readings; one that went down started again.
double Grew(int64_t now, int64_t before) {
  return static_cast<double>(now >= before ? now - before : now);
}

// At most this many periods rolled up per Flush (a test clock may jump months).
constexpr int kMaxRollupsPerFlush = 2000;

}  // namespace

Monitor::Monitor(MetricStore* store, const Clock* clock, MonitorOptions options)
    : store_(store), clock_(clock), options_(options) {}

int64_t Monitor::Retention(int period) const {
  return period == 60    ? options_.retention_60
         : period == 600 ? options_.retention_600
                         : options_.retention_3600;
}

void Monitor::Accumulate(const std::string& resource, int64_t minute, Deltas deltas, double dt) {
  Bucket& b = open_[resource];
  if (b.ts != minute) {
    if (b.ts >= 0 && !b.stats.empty()) closed_.push_back({resource, 60, b.ts, b.Values()});
    b.ts = minute;
    b.stats.clear();
  }
  size_t k = 0;
  for (const auto& [name, delta] : deltas) {
    // Where the last sample put it, or else looked for (or added).
    size_t at = k < b.stats.size() && b.stats[k].first == name ? k : b.stats.size();
    for (size_t j = 0; at == b.stats.size() && j < b.stats.size(); ++j)
      if (std::strcmp(b.stats[j].first, name) == 0) at = j;
    if (at == b.stats.size()) b.stats.emplace_back(name, MetricStat{});
    b.stats[at].second.Add(delta, dt);
    ++k;
  }
}

MetricValues Monitor::Bucket::Values() const {
  MetricValues out;
  for (const auto& [name, stat] : stats) out[name].Merge(stat);
  return out;
}

void Monitor::Ingest(std::vector<GuestSample> samples,
                     const std::map<std::string, std::string>& eip_of) {
  std::lock_guard<std::mutex> lock(mu_);
  // Read under the lock: a Flush that walked the open minutes before this placed nothing in a
  // minute it closed (a point written twice is replaced by the second).
  int64_t now = clock_->NowSeconds();
  int64_t minute = now - now % 60;
  for (auto& s : samples) {
    auto it = last_.find(s.instance_id);
    if (it == last_.end() || s.at_ms <= it->second.sample.at_ms ||
        s.at_ms - it->second.sample.at_ms > kMaxSampleGapSeconds * 1000) {
      std::string id = s.instance_id;
      last_.insert_or_assign(std::move(id), Last{std::move(s), now});  // a baseline only
      continue;
    }
    const GuestSample& prev = it->second.sample;
    double dt = static_cast<double>(s.at_ms - prev.at_ms) / 1000;
    int vcpus = std::max(1, s.vcpus);
    // The instance's metrics, summed over its disks and interfaces.
    double cpu = std::min(100 * dt, Grew(s.cpu_ns, prev.cpu_ns) / 1e9 / vcpus * 100);  // %-s
    double disk_rb = 0, disk_wb = 0, disk_ro = 0, disk_wo = 0;
    double lan_rx = 0, lan_tx = 0, wan_rx = 0, wan_tx = 0;
    for (const auto& [disk, io] : s.disks) {
      auto p = prev.disks.find(disk);
      if (p == prev.disks.end()) continue;  // new to this guest: a baseline
      double rb = Grew(io.read_bytes, p->second.read_bytes);
      double wb = Grew(io.write_bytes, p->second.write_bytes);
      double ro = Grew(io.read_ops, p->second.read_ops);
      double wo = Grew(io.write_ops, p->second.write_ops);
      disk_rb += rb;
      disk_wb += wb;
      disk_ro += ro;
      disk_wo += wo;
      Accumulate(disk, minute,
                 {{metric::kReadBytes, rb},
                  {metric::kWriteBytes, wb},
                  {metric::kReadOps, ro},
                  {metric::kWriteOps, wo},
                  {metric::kReadNanos, Grew(io.read_ns, p->second.read_ns)},
                  {metric::kWriteNanos, Grew(io.write_ns, p->second.write_ns)}},
                 dt);
    }
    for (const auto& [eni, io] : s.nics) {
      auto p = prev.nics.find(eni);
      if (p == prev.nics.end()) continue;
      double rx = Grew(io.rx_bytes, p->second.rx_bytes), tx = Grew(io.tx_bytes, p->second.tx_bytes);
      double rxp = Grew(io.rx_packets, p->second.rx_packets);
      double txp = Grew(io.tx_packets, p->second.tx_packets);
      double prx = 0, ptx = 0, prxp = 0, ptxp = 0;
      // Public counters belong to the address: one that changed starts a new baseline.
      if (!io.public_ip.empty() && io.public_ip == p->second.public_ip) {
        prx = Grew(io.public_rx_bytes, p->second.public_rx_bytes);
        ptx = Grew(io.public_tx_bytes, p->second.public_tx_bytes);
        prxp = Grew(io.public_rx_packets, p->second.public_rx_packets);
        ptxp = Grew(io.public_tx_packets, p->second.public_tx_packets);
      }
      // The uplink counts before the tap does (or a packet dropped on the way): never below 0.
      double lrx = std::max(0.0, rx - prx), ltx = std::max(0.0, tx - ptx);
      Accumulate(eni, minute,
                 {{metric::kRxBytes, lrx},
                  {metric::kTxBytes, ltx},
                  {metric::kRxPackets, std::max(0.0, rxp - prxp)},
                  {metric::kTxPackets, std::max(0.0, txp - ptxp)},
                  {metric::kRxDropped, Grew(io.rx_dropped, p->second.rx_dropped)},
                  {metric::kTxDropped, Grew(io.tx_dropped, p->second.tx_dropped)}},
                 dt);
      lan_rx += lrx;
      lan_tx += ltx;
      wan_rx += prx;
      wan_tx += ptx;
      if (io.public_ip.empty() || io.public_ip != p->second.public_ip) continue;
      auto eip = eip_of.find(io.public_ip);
      if (eip != eip_of.end())
        Accumulate(eip->second, minute,
                   {{metric::kRxBytes, prx},
                    {metric::kTxBytes, ptx},
                    {metric::kRxPackets, prxp},
                    {metric::kTxPackets, ptxp}},
                   dt);
      if (ptx > 0)
        traffic_out_[eip != eip_of.end() ? eip->second : s.instance_id] +=
            static_cast<int64_t>(ptx);
    }
    Accumulate(s.instance_id, minute,
               {{metric::kCpu, cpu},
                {metric::kDiskReadBytes, disk_rb},
                {metric::kDiskWriteBytes, disk_wb},
                {metric::kDiskReadOps, disk_ro},
                {metric::kDiskWriteOps, disk_wo},
                {metric::kIntranetRx, lan_rx},
                {metric::kIntranetTx, lan_tx},
                {metric::kInternetRx, wan_rx},
                {metric::kInternetTx, wan_tx}},
               dt);
    it->second = {std::move(s), now};
  }
}

Status Monitor::Flush(bool all) {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  int64_t now = clock_->NowSeconds();
  std::vector<MetricPoint> fresh;
  int64_t swept = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Every open minute is looked at once a minute, not on every Flush (each second): a
    // minute opened after this walk is this minute, and ends at the next.
    if (int64_t minute = now - now % 60; minute != swept_minute_) {
      for (auto it = open_.begin(); it != open_.end();) {
        if (it->second.ts + 60 <= now) {
          if (!it->second.stats.empty())
            closed_.push_back({it->first, 60, it->second.ts, it->second.Values()});
          it = open_.erase(it);
        } else {
          ++it;
        }
      }
      for (auto it = last_.begin(); it != last_.end();)
        it = it->second.seen < now - kMaxSampleGapSeconds ? last_.erase(it) : std::next(it);
      swept_minute_ = swept = minute;
    }
    fresh.swap(closed_);
  }
  // In the store's key order (start, then resource): appended at the end of its table.
  auto by_key = [](const MetricPoint& a, const MetricPoint& b) {
    return std::tie(a.ts, a.resource) < std::tie(b.ts, b.resource);
  };
  if (!fresh.empty()) {
    std::sort(fresh.begin(), fresh.end(), by_key);
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(pending_from_));
    pending_from_ = 0;
    size_t mid = pending_.size();
    pending_.insert(pending_.end(), std::make_move_iterator(fresh.begin()),
                    std::make_move_iterator(fresh.end()));
    std::inplace_merge(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(mid),
                       pending_.end(), by_key);
    per_flush_ = std::max(options_.points_per_flush, (pending_.size() + 29) / 30);
  }
  // Everything of the minutes before the sweep's is in pending_ (or written) from here on.
  if (swept >= 0) pending_through_ = swept;
  size_t left = pending_.size() - pending_from_;
  if (size_t n = all ? left : std::min(left, per_flush_); n > 0) {
    auto from = pending_.begin() + static_cast<ptrdiff_t>(pending_from_);
    std::vector<MetricPoint> batch(std::make_move_iterator(from),
                                   std::make_move_iterator(from + static_cast<ptrdiff_t>(n)));
    pending_from_ += n;
    if (Status st = store_->Append(batch); !st.ok())
      LOG_WARN("monitor: {} points lost: {}", batch.size(), st.error().message);
  }
  if (pending_from_ == pending_.size()) {
    pending_.clear();
    pending_from_ = 0;
    written_through_ = pending_through_;
  }
  OPENECS_ASSIGN_OR_RETURN(int64_t tens, Rollup(600, 60, now, written_through_));
  if (auto hours = Rollup(3600, 600, now, tens); !hours.ok()) return hours.error();
  if (now - pruned_at_ >= 600) {
    for (int period : kPeriods)
      OPENECS_RETURN_IF_ERROR(store_->Prune(period, now - Retention(period)));
    pruned_at_ = now;
  }
  return Ok();
}

Result<int64_t> Monitor::Rollup(int period, int from_period, int64_t now, int64_t limit) {
  std::string name = "rolled_" + std::to_string(period);
  OPENECS_ASSIGN_OR_RETURN(int64_t mark, store_->Mark(name));
  int64_t first = now - now % period;
  if (mark == 0) {
    // First start: from the period under way (nothing older was kept).
    OPENECS_RETURN_IF_ERROR(store_->SetMark(name, first));
    return first;
  }
  int64_t oldest = now - Retention(period);
  mark = std::max(mark, oldest - oldest % period);
  int64_t start = mark;
  for (int k = 0; k < kMaxRollupsPerFlush && mark + period <= limit; ++k) {
    OPENECS_ASSIGN_OR_RETURN(auto points, store_->QueryAll(from_period, mark, mark + period));
    std::map<std::string, MetricPoint> merged;
    for (auto& p : points) {
      MetricPoint& m = merged[p.resource];
      if (m.resource.empty()) m = {p.resource, period, mark, {}};
      for (const auto& [metric_name, stat] : p.values) m.values[metric_name].Merge(stat);
    }
    std::vector<MetricPoint> out;
    for (auto& [resource, p] : merged) out.push_back(std::move(p));
    OPENECS_RETURN_IF_ERROR(store_->Append(out));
    mark += period;
  }
  if (mark != start) OPENECS_RETURN_IF_ERROR(store_->SetMark(name, mark));
  return mark;
}

Result<std::vector<MetricPoint>> Monitor::Query(const std::string& resource, int period,
                                                int64_t from, int64_t to) {
  return store_->Query(resource, period, from, to);
}

std::map<std::string, int64_t> Monitor::TakePublicTrafficOut() {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, int64_t> out;
  out.swap(traffic_out_);
  return out;
}

}  // namespace openecs
