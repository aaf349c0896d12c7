#include "service/pull_waiters.h"

#include <limits>
#include <vector>

#include "common/clock.h"

namespace openecs {

PullWaiters::PullWaiters(std::function<void(Waiter, bool)> ready)
    : ready_(std::move(ready)), deadlines_([this] { Expire(); }) {}

PullWaiters::~PullWaiters() { Stop(); }

bool PullWaiters::Add(Waiter w, const std::function<bool()>& still_waiting) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || !still_waiting()) return false;
  by_host_.emplace(w.host_id, std::move(w));
  cv_.notify_one();  // it may be the earliest deadline
  return true;
}

void PullWaiters::Wake(const HostWake& wake) {
  // `ready_` under the lock (it only queues): once Stop has the lock, no wake is handed out.
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  auto take = [&](std::multimap<std::string, Waiter>::iterator it) {
    ready_(std::move(it->second), false);
    return by_host_.erase(it);
  };
  if (wake.all || wake.data_planes) {
    for (auto it = by_host_.begin(); it != by_host_.end();)
      it = wake.Concerns(it->first, it->second.data_plane) ? take(it) : std::next(it);
  } else {
    for (const auto& host : wake.hosts)
      for (auto it = by_host_.lower_bound(host); it != by_host_.end() && it->first == host;)
        it = take(it);
  }
}

size_t PullWaiters::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_host_.size();
}

void PullWaiters::Expire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    int64_t now = SteadyMillis(), next = std::numeric_limits<int64_t>::max();
    std::vector<Waiter> due;
    for (auto it = by_host_.begin(); it != by_host_.end();) {
      if (it->second.deadline_ms <= now) {
        due.push_back(std::move(it->second));
        it = by_host_.erase(it);
      } else {
        next = std::min(next, it->second.deadline_ms);
        ++it;
      }
    }
    if (!due.empty()) {
      for (auto& w : due) ready_(std::move(w), true);
      continue;
    }
    if (next == std::numeric_limits<int64_t>::max())
      cv_.wait(lock);
    else
      cv_.wait_for(lock, std::chrono::milliseconds(next - now));
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
    cv_.notify_all();
  }
  if (deadlines_.joinable()) deadlines_.join();
  for (auto& w : left) ready_(std::move(w), true);
}

}  // namespace openecs
