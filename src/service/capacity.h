#pragma once
// Host capacity as the scheduler sees it: what each registered host declares, minus what the
// instances holding a claim on it use. Derived from the records on every call (never stored
// twice), so it cannot drift from the instances.
#include <vector>

#include "scheduler/scheduler.h"
#include "service/cloud.h"

namespace openecs {

std::vector<HostCapacity> Capacities(const State& s);
Demand DemandOf(const Instance& i);

}  // namespace openecs
