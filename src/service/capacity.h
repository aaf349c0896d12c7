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
// `host_id` and every other host sharing its storage (host_id alone when it shares none): whose
// disks (State::index.DisksOn) it can open.
std::vector<std::string> HostsSharingDisksWith(const State& s, const std::string& host_id);
// True if a disk kept by host `a` can be opened on host `b`: the same host, or hosts sharing
// their storage. An empty id (no host yet) goes anywhere.
bool CanOpenDisksOf(const State& s, const std::string& a, const std::string& b);
// Where some content (a custom image, a snapshot) can be opened: on `host` alone, or, when
// `storage` is not empty, on any host sharing that storage (`host` is then where it was made).
// Empty: anywhere (a built-in image).
struct Reach {
  std::string host, storage;
  bool anywhere() const { return host.empty() && storage.empty(); }
};
// A snapshot's reach: its host, or the storage that host shares (snapshots of disks on shared
// storage are kept there: storage/rbd_storage.h).
Reach ReachOf(const State& s, const Snapshot& snap);
// Narrows `where` to the hosts that can also open `other`; false (and `where` unchanged) when
// no host can open both.
bool Narrow(const State& s, Reach& where, const Reach& other);
// What `where` asks of a placement: its one host (require_host) or its storage.
void Require(const Reach& where, Demand& d);
// Where an instance that holds no claim (new after an economical stop) may start again: its
// own host; or, when every disk it has lives on storage its host shares (no local disks, a
// built-in image or a custom one kept on that storage, no deployment set, no dedicated host),
// any host of its zone sharing that
// storage, its own first.
Demand RestartDemandOf(const State& s, const Instance& i);

}  // namespace openecs
