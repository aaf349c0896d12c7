#pragma once
// The monitoring data of the cloud (issue 18): points of a resource's metrics over fixed periods
// (60, 600 and 3600 s), in their own SQLite file beside the state store (data/metrics.sqlite):
// they are written every minute and pruned by age, and must never wake the agents or slow a
// Cloud::Write as the state's records would. Losing the file loses history, nothing else.
//
// A point holds, per metric, what is needed to merge it into a longer period (stored as compact
// text, seven significant digits): the sum of what
// was counted (bytes, operations, or CPU percent-seconds), the seconds it covers, and the
// lowest and highest rate seen in a sample; its average rate is sum / seconds.
//
// Stored time-major: keyed by (period, start, resource), so a minute's points, some 300,000 at
// 100,000 guests, are appended together at the end of the table. Keyed by resource first (the
// first layout, until user_version 1), each minute's points went one to each resource's page:
// every page of the table rewritten once a minute, a WAL the size of the table (1 GB 13 minutes
// after 100,000 guests started) and a second B-tree by time for the pruning. A resource's points
// are read with one key lookup per period in the range, bounded by the starts held (a week of
// minutes: 10,080 lookups).
//
// A file of the first layout keeps its table, renamed points_v0 (a copy would stall the start
// for hours on a big cloud: 40 s per 3 million points measured), read beside the new one (a
// point of the new table replaces one of the same key there) and pruned by the same rule; it is
// dropped with its last point.
//
// Thread-safe (one connection, serialised). synchronous=NORMAL: a crash may lose the last
// points, never corrupt the file.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

struct sqlite3;

namespace openecs {

struct MetricStat {
  double sum = 0;           // what was counted over `seconds`
  double seconds = 0;       // the time the samples covered
  double min = 0, max = 0;  // lowest and highest rate (sum per second) of one sample
  double avg() const { return seconds > 0 ? sum / seconds : 0; }
  // One sample: `delta` counted over `dt` seconds (dt > 0).
  void Add(double delta, double dt);
  // Another stretch of the same metric.
  void Merge(const MetricStat& other);
  bool operator==(const MetricStat&) const = default;
};
using MetricValues = std::map<std::string, MetricStat>;

struct MetricPoint {
  std::string resource;  // an instance, disk, ENI or EIP id
  int period = 60;
  int64_t ts = 0;  // the start of its period (epoch seconds, a multiple of the period)
  MetricValues values;
};

class MetricStore {
 public:
  // A file path, or ":memory:".
  static Result<std::unique_ptr<MetricStore>> Open(const std::string& path);
  ~MetricStore();
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;

  // Writes the points, replacing any of the same resource, period and start. A point whose
  // start is not a multiple of its (positive) period is refused (InvalidParameter), and with it
  // the whole batch. Fastest in key order: by start, then resource.
  Status Append(const std::vector<MetricPoint>& points);
  // A resource's points of `period` starting in [from, to), oldest first.
  Result<std::vector<MetricPoint>> Query(const std::string& resource, int period, int64_t from,
                                         int64_t to);
  // Every resource's points of `period` starting in [from, to), by start, then resource.
  Result<std::vector<MetricPoint>> QueryAll(int period, int64_t from, int64_t to);
  // Deletes the points of `period` that start before `before`.
  Status Prune(int period, int64_t before);
  // Small named integers the monitor keeps its progress in (rollups done up to); 0 if unset.
  Result<int64_t> Mark(const std::string& name);
  Status SetMark(const std::string& name, int64_t value);

 private:
  explicit MetricStore(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
  bool old_ = false;  // a points_v0 table (the first layout) is still read; guarded by mu_
};

}  // namespace openecs
