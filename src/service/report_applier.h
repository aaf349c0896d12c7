#pragma once
// Hosts' reports, applied together: the server's half of what agent/report_batcher.h does on a
// host. With a thousand hosts each has about one guest operation in flight, so a host has
// nothing to coalesce, and every report was a Write of its own: a commit (an fsync on
// PostgreSQL) and the exclusive lock, about two per instance launched. Here reports from every
// host queue, and one thread applies all that queued while the last batch was applied, in one
// call of `apply` (one Write: service/agent_service.cc), then answers each (issue 20).
//
// The contract is common/batch_queue.h's: Post(report, done) returns at once and `done` gets
// the report's own status after its batch was applied; reports are applied whole, in the order
// posted, at most kMaxObservations observations a batch. `apply` returns one status per report:
// it may refuse one (a host speaking for another's guest) and apply the others. The destructor
// applies what is queued. Each batch's size goes to openecs_agent_reports_per_apply.
#include <string>
#include <vector>

#include "common/batch_queue.h"
#include "model/agent_protocol.h"

namespace openecs {

struct HostReport {
  std::string host_id;
  std::vector<Observation> obs;
};

class ReportApplier : public BatchQueue<HostReport> {
 public:
  // A batch is one Write, and the users' calls wait out its hold of the exclusive lock: with
  // 4,096 a hold lasted 18.5 ms on average while 1,000 hosts launched (bench/scale.js), with
  // 512 8-9.6 ms, at the cost of more commits.
  static constexpr size_t kMaxObservations = 512;
  explicit ReportApplier(Handle apply);
};

}  // namespace openecs
