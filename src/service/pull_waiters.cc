#include "service/pull_waiters.h"

#include <vector>

#include "common/clock.h"

namespace openecs {

PullWaiters::PullWaiters(std::function<void(Waiter, bool)> ready)
    : ready_(std::move(ready)), deadlines_([this] { Expire(); }) {}

PullWaiters::~PullWaiters() { Stop(); }

bool PullWaiters::Add(Waiter w, const std::function<bool()>& still_waiting) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || !still_waiting()) return false;
  bool earliest = by_deadline_.empty() || w.deadline_ms < by_deadline_.begin()->first;
  int64_t deadline = w.deadline_ms;
  by_deadline_.emplace(deadline, by_host_.emplace(w.host_id, std::move(w)));
  if (earliest) cv_.notify_one();  // the deadline thread sleeps until a later one
  return true;
}

PullWaiters::ByHost::iterator PullWaiters::Take(ByHost::iterator it, bool timed_out) {
  auto [first, last] = by_deadline_.equal_range(it->second.deadline_ms);
  for (auto d = first; d != last; ++d)
    if (d->second == it) {
      by_deadline_.erase(d);
      break;
    }
  ready_(std::move(it->second), timed_out);
  return by_host_.erase(it);
}

void PullWaiters::Wake(const HostWake& wake) {
  // `ready_` under the lock (it only queues): once Stop has the lock, no wake is handed out.
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  if (wake.all || wake.data_planes) {
    for (auto it = by_host_.begin(); it != by_host_.end();)
      it = wake.Concerns(it->first, it->second.data_plane) ? Take(it, false) : std::next(it);
  } else {
    for (const auto& host : wake.hosts) TakeHost(host, false);
  }
}

void PullWaiters::Release(const std::string& host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stopped_) TakeHost(host_id, true);
}

void PullWaiters::TakeHost(const std::string& host_id, bool timed_out) {
  for (auto it = by_host_.lower_bound(host_id); it != by_host_.end() && it->first == host_id;)
    it = Take(it, timed_out);
}

size_t PullWaiters::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_host_.size();
}

void PullWaiters::Expire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    int64_t now = SteadyMillis();
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now)
      Take(by_deadline_.begin()->second, true);
    if (by_deadline_.empty())
      cv_.wait(lock);
    else
      cv_.wait_for(lock, std::chrono::milliseconds(by_deadline_.begin()->first - now));
  }
}

void PullWaiters::Stop() {
  std::vector<Waiter> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [host, w] : by_host_) left.push_back(std::move(w));
    by_host_.clear();
    by_deadline_.clear();
    cv_.notify_all();
  }
  if (deadlines_.joinable()) deadlines_.join();
  for (auto& w : left) ready_(std::move(w), true);
}

}  // namespace openecs
