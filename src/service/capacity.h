#pragma once
// Host capacity as the scheduler sees it: what each registered host declares, minus what the
// instances holding a claim on it use (State::index keeps those sums as instances change, so
// this costs one step per host, not per instance; service/state_index.h says how the index
// stays equal to the records, and how the tests check that it does).
#include <vector>

#include "scheduler/scheduler.h"
#include "service/cloud.h"

namespace openecs {

std::vector<HostCapacity> Capacities(const State& s);
Demand DemandOf(const Instance& i);

}  // namespace openecs
