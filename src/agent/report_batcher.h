#pragma once
// A host's reports, coalesced. The agent's workers report each guest operation as it ends; one
// call each made the server apply (and its store commit) every observation on its own: about
// three per instance launched, and at 10,000 guests coming up the OS-up reports alone were
// ~240 commits a second, each stalling the API's reads for its commit (issue 20).
//
// The contract:
// - One sender thread per batcher makes every call. Post(obs, done) queues and returns at once
//   (a guest operation's worker moves on to its next operation); `done` gets the server's
//   answer to those observations.
// - What queues while a call is on its way goes out in the next one, all of it (whole reports,
//   at most kMaxObservations). An idle host's report goes out at once: nothing waits for a
//   batch to fill.
// - Order is kept: observations go out in the order they were queued, so two reports of one
//   guest reach the server in the order they were made.
// - The server refuses a report whole (a guest that is not this host's): a coalesced report it
//   refuses is sent again report by report, so one caller's refusal is not the others'.
// - The destructor sends what is queued (one try each) and then stops the thread; `send` must
//   stay usable until it returns.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class ReportBatcher {
 public:
  using Send = std::function<Status(const std::vector<Observation>&)>;
  using Done = std::function<void(const Status&)>;
  static constexpr size_t kMaxObservations = 256;

  explicit ReportBatcher(Send send);
  ~ReportBatcher();
  ReportBatcher(const ReportBatcher&) = delete;
  ReportBatcher& operator=(const ReportBatcher&) = delete;

  // Queues `obs`; `done` (if any) is called on the sender thread with the server's answer.
  void Post(std::vector<Observation> obs, Done done = {});

 private:
  struct Entry {
    std::vector<Observation> obs;
    Done done;
  };
  void Loop();
  Send send_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::deque<Entry> queue_;
  std::thread sender_;
};

}  // namespace openecs
