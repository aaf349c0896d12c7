#pragma once
// A host's reports, coalesced. The agent's workers report each guest operation as it ends; one
// call each made the server apply (and its store commit) every observation on its own: about
// three per instance launched, and at 10,000 guests coming up the OS-up reports alone were
// ~240 commits a second, each stalling the API's reads for its commit (issue 20).
//
// The contract is common/batch_queue.h's (one sender thread makes every call; Post(obs, done)
// returns at once, a guest operation's worker moves on, and `done` gets the server's answer to
// those observations; what queues while a call is on its way goes out in the next one, in
// order, at most kMaxObservations; an idle host's report goes out at once; the destructor sends
// what is queued, one try each), and:
// - Order is kept: two reports of one guest reach the server in the order they were made.
// - The server refuses a report whole (a guest that is not this host's): a coalesced report it
//   refuses is sent again report by report, so one caller's refusal is not the others'.
#include <functional>
#include <vector>

#include "common/batch_queue.h"
#include "model/agent_protocol.h"

namespace openecs {

class ReportBatcher : public BatchQueue<std::vector<Observation>> {
 public:
  using Send = std::function<Status(const std::vector<Observation>&)>;
  static constexpr size_t kMaxObservations = 256;

  explicit ReportBatcher(Send send);
};

}  // namespace openecs
