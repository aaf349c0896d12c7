#pragma once
// The instance reconciler: folds what a host observed into an instance's status and task.
// Level-triggered and idempotent: applying the same observation twice changes nothing the
// second time. Pure: the caller persists the instance and acts on the outcome.
#include <cstdint>
#include <string>

#include "model/agent_protocol.h"
#include "model/resources.h"

namespace openecs {

struct ReconcileOutcome {
  bool changed = false;        // persist the instance
  bool release = false;        // the instance is gone from its host: delete it for good
  bool release_claim = false;  // give the host's vCPU and memory back
  // A system event to record (DescribeInstanceHistoryEvents): "" if none.
  std::string event_type;  // SystemFailure.Delete | SystemFailure.Stop
  std::string event_reason;
};

ReconcileOutcome ApplyObservation(Instance& inst, const Observation& obs, int64_t now);

}  // namespace openecs
