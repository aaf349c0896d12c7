#pragma once
// A host's reports, coalesced. The agent's workers report each guest operation as it ends; one
// call each made the server apply (and its store commit) every observation on its own: about
// three per instance launched, and at 10,000 guests coming up the OS-up reports alone were
// ~240 commits a second, each stalling the API's reads for its commit (issue 20).
//
// The contract:
// - Report(obs) sends `obs` and returns the server's answer to it, as a direct call would.
// - While one report is on its way, the reports asked for meanwhile wait; when it returns, the
//   first of them sends all that wait (at most kMaxObservations, whole reports only) in one
//   call. An idle host's report goes out at once: nothing waits for a batch to fill.
// - Order is kept: observations go out in the order their Report calls queued, so two reports
//   of one guest reach the server in the order they were made.
// - The server refuses a report whole (a guest that is not this host's): a coalesced report it
//   refuses is sent again report by report, so one caller's refusal is not the others'.
// - Thread-safe; `send` is called by one thread at a time.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class ReportBatcher {
 public:
  using Send = std::function<Status(const std::vector<Observation>&)>;
  static constexpr size_t kMaxObservations = 256;

  explicit ReportBatcher(Send send) : send_(std::move(send)) {}

  Status Report(std::vector<Observation> obs);

 private:
  struct Waiting {
    std::vector<Observation> obs;
    std::optional<Status> result;
  };
  Send send_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool sending_ = false;
  std::deque<Waiting*> queue_;
};

}  // namespace openecs
