#include "api/nonce_window.h"

#include <algorithm>

namespace openecs {

NonceWindow::NonceWindow(int skew_seconds, size_t capacity)
    : skew_(std::max(skew_seconds, 0)), capacity_(std::max<size_t>(capacity, 1)) {}

void NonceWindow::Drop(std::map<int64_t, Second>::iterator it) {
  size_ -= it->second.used;
  seconds_.erase(it);
}

void NonceWindow::Expire(int64_t now) {
  // now - skew without overflow for any `now` (a fuzzed timestamp may be anything).
  int64_t before = now < INT64_MIN + skew_ ? INT64_MIN : now - skew_;
  if (before <= expired_before_) return;
  latest_now_ = now;
  expired_before_ = before;
  while (!seconds_.empty() && seconds_.begin()->first < before) Drop(seconds_.begin());
  forgotten_.erase(forgotten_.begin(), forgotten_.lower_bound(before));
}

NonceWindow::Outcome NonceWindow::Admit(uint64_t digest, int64_t second, int64_t now,
                                        std::vector<int64_t>* forgotten) {
  Expire(now);
  if (second < expired_before_ || (now <= INT64_MAX - skew_ && second > now + skew_))
    return Outcome::kOutside;
  if (forgotten_.count(second)) return Outcome::kForgotten;
  if (digest == 0) digest = 1;
  auto it = seconds_.find(second);
  if (it != seconds_.end()) {
    const std::vector<uint64_t>& slots = it->second.slots;
    size_t mask = slots.size() - 1;
    for (size_t i = digest & mask; slots[i] != 0; i = (i + 1) & mask)
      if (slots[i] == digest) return Outcome::kUsed;
  }
  // A new nonce: make room for it by forgetting the seconds farthest from now, but none nearer
  // than its own (then it is the one refused).
  auto distance = [now](int64_t t) { return t < now ? now - t : t - now; };
  while (size_ >= capacity_) {
    auto oldest = seconds_.begin(), newest = std::prev(seconds_.end());
    if (oldest->first == second) ++oldest;
    if (newest->first == second && newest != seconds_.begin()) --newest;
    if (oldest == seconds_.end() || newest->first == second) return Outcome::kFull;
    auto victim = distance(oldest->first) >= distance(newest->first) ? oldest : newest;
    if (distance(victim->first) <= distance(second)) return Outcome::kFull;
    forgotten_.insert(victim->first);
    if (forgotten) forgotten->push_back(victim->first);
    ++forgotten_total_;
    Drop(victim);
  }
  Second& s = it != seconds_.end() ? it->second : seconds_[second];
  if ((s.used + 1) * 2 > s.slots.size()) {
    std::vector<uint64_t> grown(std::max<size_t>(16, s.slots.size() * 2), 0);
    size_t mask = grown.size() - 1;
    for (uint64_t d : s.slots) {
      if (d == 0) continue;
      size_t i = d & mask;
      while (grown[i] != 0) i = (i + 1) & mask;
      grown[i] = d;
    }
    s.slots.swap(grown);
  }
  size_t mask = s.slots.size() - 1;
  size_t i = digest & mask;
  while (s.slots[i] != 0) i = (i + 1) & mask;
  s.slots[i] = digest;
  ++s.used;
  ++size_;
  return Outcome::kFresh;
}

void NonceWindow::Forget(int64_t second, int64_t now) {
  Expire(now);
  if (second < expired_before_) return;
  if (auto it = seconds_.find(second); it != seconds_.end()) Drop(it);
  forgotten_.insert(second);
}

std::optional<int64_t> NonceWindow::oldest() const {
  if (seconds_.empty()) return std::nullopt;
  return seconds_.begin()->first;
}

void NonceWindow::ForEach(const std::function<void(int64_t second, uint64_t digest)>& fn) const {
  for (const auto& [second, s] : seconds_)
    for (uint64_t d : s.slots)
      if (d != 0) fn(second, d);
}

}  // namespace openecs
