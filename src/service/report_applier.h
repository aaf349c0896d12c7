#pragma once
// Hosts' reports, applied together: the server's half of what agent/report_batcher.h does on a
// host. With a thousand hosts each has about one guest operation in flight, so a host has
// nothing to coalesce, and every report was a Write of its own: a commit (an fsync on
// PostgreSQL) and the exclusive lock, about two per instance launched. Here reports from every
// host queue, and one thread applies all that queued while the last batch was applied, in one
// call of `apply` (one Write: service/agent_service.cc), then answers each (issue 20).
//
// The contract:
// - Post(report) returns at once; the report's `done` is called once, on the applier's thread,
//   with its own status after the batch it was in has been applied.
// - Reports are applied in the order they were posted, each whole: a batch is whole reports,
//   at most kMaxObservations observations (one report larger than that is a batch alone).
// - `apply` gets the batch and returns one status per report, in order: it may refuse one
//   report (a host speaking for another's guest) and apply the others.
// - An idle applier applies a report at once: nothing waits for a batch to fill.
// - The destructor applies what is queued and then stops the thread; `apply` must stay usable
//   until it returns.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class ReportApplier {
 public:
  struct Report {
    std::string host_id;
    std::vector<Observation> obs;
    std::function<void(const Status&)> done;
  };
  using Apply = std::function<std::vector<Status>(const std::vector<Report>&)>;
  static constexpr size_t kMaxObservations = 4096;

  explicit ReportApplier(Apply apply);
  ~ReportApplier();
  ReportApplier(const ReportApplier&) = delete;
  ReportApplier& operator=(const ReportApplier&) = delete;

  void Post(Report report);

 private:
  void Loop();
  Apply apply_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<Report> queue_;
  std::thread applier_;
};

}  // namespace openecs
