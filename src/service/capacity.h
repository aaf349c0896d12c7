#pragma once
// Host capacity as the scheduler sees it: what each registered host declares, minus what the
// instances holding a claim on it use (State::index keeps those sums as instances change, so
// this costs one step per host, not per instance; service/state_index.h says how the index
// stays equal to the records, and how the tests check that it does).
#include <vector>

#include "scheduler/scheduler.h"
#include "service/cloud.h"

namespace openecs {

// Every registered host, lost ones marked (PickHost passes them over), dedicated ones with the
// account they are reserved for.
std::vector<HostCapacity> Capacities(const State& s);
// What instance `i` needs where it is placed (its host, its tenancy).
Demand DemandOf(const Instance& i);

// The storage host `host_id` shares with other hosts (Host::storage); "" for its own files or
// an unknown host.
const std::string& SharedStorageOf(const State& s, const std::string& host_id);
// True if a disk kept by host `a` can be opened on host `b`: the same host, or hosts sharing
// their storage. An empty id (no host yet) goes anywhere.
bool CanOpenDisksOf(const State& s, const std::string& a, const std::string& b);
// Where an instance that holds no claim (new after an economical stop) may start again: its
// own host; or, when every disk it has lives on storage its host shares (no local disks, a
// built-in image, no deployment set, no dedicated host), any host of its zone sharing that
// storage, its own first.
Demand RestartDemandOf(const State& s, const Instance& i);

}  // namespace openecs
