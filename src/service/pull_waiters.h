#pragma once
// The agents' long-polls while they wait, holding no thread each (service/agent_service.h).
// Before this, each waiting pull held one of the HTTP server's blocking threads (8), so a ninth
// host's pull queued behind the others' 30 s waits; a thousand hosts could not pull at all.
//
// A waiter is a host's pull that found nothing new for it. It ends, once, either when a commit
// concerns its host (Wake, from Cloud's wake listener: service/host_wake.h) or at its deadline
// (a thread of this class watches the earliest). Either way it is handed to `ready` with
// whether it timed out; `ready` runs on the waking thread (a committer) or the deadline thread,
// under this class's lock, so it must only queue the work (the agent service posts the state
// build to its builders) and never call back into this class.
//
// Thread-safe. Stop (also the destructor) hands every waiter left to `ready` as timed out and
// makes Add refuse (false) and Wake do nothing from then on: once Stop returns, `ready` is
// never called again.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "service/host_wake.h"

namespace openecs {

class PullWaiters {
 public:
  struct Waiter {
    std::string host_id;
    bool data_plane = false;  // the host builds VPCs (HostWake::Concerns)
    int64_t deadline_ms = 0;  // on the steady clock (common/clock.h SteadyMillis)
    std::function<void(bool timed_out)> done;
  };
  explicit PullWaiters(std::function<void(Waiter, bool timed_out)> ready);
  ~PullWaiters();
  // Adds a waiter, unless `still_waiting` (called under this class's lock, after the waiter
  // would be visible to Wake) says the pull has something new already: then nothing is added
  // and false is returned, and the caller builds at once. That closes the race with a commit
  // between the caller's check and the Add.
  bool Add(Waiter w, const std::function<bool()>& still_waiting);
  void Wake(const HostWake& wake);
  // Hands the waiters of `host_id` to `ready` as timed out (their agent is stopping).
  void Release(const std::string& host_id);
  size_t size() const;
  void Stop();

 private:
  using ByHost = std::multimap<std::string, Waiter>;
  void Expire();
  // Hands `it` to ready_ and forgets it in both maps (under mu_); returns the next by host.
  ByHost::iterator Take(ByHost::iterator it, bool timed_out);
  // Takes every waiter of `host_id` (under mu_).
  void TakeHost(const std::string& host_id, bool timed_out);
  std::function<void(Waiter, bool)> ready_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: the waiters by host (Wake), and the same by deadline, so the deadline thread
  // finds the due ones and the next deadline without reading every waiter (it used to, on
  // every Add: a thousand hosts' waiters, a hundred times a second).
  ByHost by_host_;
  std::multimap<int64_t, ByHost::iterator> by_deadline_;
  bool stopped_ = false;
  std::thread deadlines_;
};

}  // namespace openecs
