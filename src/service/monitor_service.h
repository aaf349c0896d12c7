#pragma once
// Monitoring on the server (issue 18): turns the hosts' counters (model/agent_protocol.h
// GuestSample, every few seconds) into the points ECS's monitoring APIs answer with, and keeps
// them in a MetricStore (store/metric_store.h).
//
// - Rates come from two samples of the same guest, over the host's own interval between them
//   (so a slow report does not make a spike); a counter that went down started again. A guest
//   seen for the first time, after a gap of more than kMaxSampleGapSeconds, or a device new to
//   it, only sets a baseline.
// - Points are placed by the cloud's clock (Cloud::Now, a test clock under --test-clock) when
//   the sample arrives: a minute's point holds what arrived during that minute, written after
//   the minute ended (Flush). A minute's points are written over the Flushes that follow, at
//   most max(MonitorOptions::points_per_flush, a thirtieth of them) each: at 100,000 guests a
//   minute ends with 300,000 points, and writing them in one go was 3 s of a core each minute
//   (perf), a burst the API's calls on a 2-core machine queue behind.
//   WrittenThrough says up to where they are all in the store; what reads points of a period that
//   just ended (rollups, alarms) waits for it.
// - 600 s points are merged from the 60 s ones and 3600 s from the 600 s ones once every
//   minute of their period is written; how far this went is kept in the store, so a restart
//   rolls up what it missed. Each period is pruned after its retention.
// - Resources: an instance (its CPU, the I/O of all its disks, its private traffic and its
//   public traffic), each disk, each network interface (private traffic only: what crossed the
//   uplink is public), and each EIP (the traffic of its address while it is held).
// - What is lost: the minute under way and the last sample of each guest when ecsd stops
//   (the ended minutes not yet written are written by Flush(/*all=*/true) at the stop).
//
// Thread-safe.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "model/agent_protocol.h"
#include "store/metric_store.h"

namespace openecs {

// Metric names in the points (MetricValues keys); sums are bytes, operations, packets,
// nanoseconds, or CPU percent-seconds (so the average is the CPU utilisation).
namespace metric {
inline constexpr const char* kCpu = "cpu";
// Instances: the I/O of all their disks; private and public traffic (as the guest sees it).
inline constexpr const char* kDiskReadBytes = "disk_rb";
inline constexpr const char* kDiskWriteBytes = "disk_wb";
inline constexpr const char* kDiskReadOps = "disk_ro";
inline constexpr const char* kDiskWriteOps = "disk_wo";
inline constexpr const char* kIntranetRx = "lan_rx";
inline constexpr const char* kIntranetTx = "lan_tx";
inline constexpr const char* kInternetRx = "wan_rx";
inline constexpr const char* kInternetTx = "wan_tx";
// Disks.
inline constexpr const char* kReadBytes = "rb";
inline constexpr const char* kWriteBytes = "wb";
inline constexpr const char* kReadOps = "ro";
inline constexpr const char* kWriteOps = "wo";
inline constexpr const char* kReadNanos = "rns";
inline constexpr const char* kWriteNanos = "wns";
// Network interfaces and EIPs.
inline constexpr const char* kRxBytes = "rx";
inline constexpr const char* kTxBytes = "tx";
inline constexpr const char* kRxPackets = "rxp";
inline constexpr const char* kTxPackets = "txp";
inline constexpr const char* kRxDropped = "rxd";
inline constexpr const char* kTxDropped = "txd";
}  // namespace metric

struct MonitorOptions {
  // How long points of each period are kept (seconds).
  int64_t retention_60 = 7 * 86400;
  int64_t retention_600 = 31 * 86400;
  int64_t retention_3600 = 31 * 86400;
  // Ended minutes' points a Flush writes at least, if there are so many (the header says why
  // not all at once).
  size_t points_per_flush = 20000;
};

class Monitor {
 public:
  static constexpr int64_t kMaxSampleGapSeconds = 300;
  static constexpr int kPeriods[] = {60, 600, 3600};

  // `store` and `clock` must outlive the monitor.
  Monitor(MetricStore* store, const Clock* clock, MonitorOptions options = {});

  // One host's samples (kept until each guest's next). `eip_of` maps the public addresses
  // that belong to EIPs to their allocation ids (any other public address is its instance's
  // own).
  void Ingest(std::vector<GuestSample> samples, const std::map<std::string, std::string>& eip_of);
  // Writes (part of) the minutes that ended, rolls up the periods whose minutes are all
  // written, prunes old points. Called each second. `all`: writes every ended minute now.
  Status Flush(bool all = false);
  // The end of the last minute whose points (every resource's) are all in the store; 0 before
  // the first Flush.
  int64_t WrittenThrough() const { return written_through_.load(); }
  // A resource's points of `period` (60, 600 or 3600) that start in [from, to), oldest first.
  Result<std::vector<MetricPoint>> Query(const std::string& resource, int period, int64_t from,
                                         int64_t to);
  // The bytes that left through public addresses since the last call: by instance (its own
  // address) and by EIP allocation id. PayByTraffic bills these.
  std::map<std::string, int64_t> TakePublicTrafficOut();
  // Seconds the points of `period` are kept.
  int64_t Retention(int period) const;

 private:
  // A resource's minute under way. Its metrics in the order its samples give them (always the
  // same for a kind of resource: the name pointers are metric::'s constants), not a map: each
  // sample adds to every one of them.
  struct Bucket {
    int64_t ts = -1;
    std::vector<std::pair<const char*, MetricStat>> stats;
    MetricValues Values() const;
  };
  struct Last {
    GuestSample sample;
    int64_t seen = 0;  // cloud seconds
  };
  // Adds `deltas` over `dt` seconds to the resource's minute (requires mu_). A list, not a map:
  // every guest's sample makes several every few seconds.
  using Deltas = std::initializer_list<std::pair<const char*, double>>;
  void Accumulate(const std::string& resource, int64_t minute, Deltas deltas, double dt);
  // Rolls up the periods that end by `limit` (whose source points are all written); returns
  // how far the rollups of `period` went.
  Result<int64_t> Rollup(int period, int from_period, int64_t now, int64_t limit);

  MetricStore* store_;
  const Clock* clock_;
  MonitorOptions options_;
  std::mutex mu_;
  // Hashed: a sample looks up its guest and three or more resources, and a thousand hosts'
  // guests send one each every few seconds.
  std::unordered_map<std::string, Last> last_;    // by instance
  std::unordered_map<std::string, Bucket> open_;  // by resource: the minute under way
  std::vector<MetricPoint> closed_;               // minutes ended, not written yet
  int64_t swept_minute_ = -1;                     // the minute open_ was last walked in
  std::map<std::string, int64_t> traffic_out_;    // public bytes out since TakePublicTrafficOut
  std::mutex flush_mu_;                           // one Flush at a time
  int64_t pruned_at_ = 0;                         // guarded by flush_mu_
  // Ended minutes' points not written yet, in the store's key order from pending_from_ on;
  // what each Flush writes of them; the minute the sweep that added them ran in. Guarded by
  // flush_mu_.
  std::vector<MetricPoint> pending_;
  size_t pending_from_ = 0;
  size_t per_flush_ = 0;
  int64_t pending_through_ = 0;
  std::atomic<int64_t> written_through_{0};
};

}  // namespace openecs
