#include "api/nonce_window.h"

#include <algorithm>

namespace openecs {

NonceWindow::NonceWindow(int skew_seconds, size_t capacity)
    : skew_(std::max(skew_seconds, 0)),
      capacity_(std::max<size_t>(capacity, 1)),
      ring_(static_cast<size_t>(2 * skew_ + 2)) {}

void NonceWindow::Forget(Second& s) {
  size_ -= s.used;
  s.used = 0;
  std::vector<uint64_t>().swap(s.slots);  // give the memory back
  s.second = INT64_MIN;
}

void NonceWindow::Expire(int64_t now) {
  int64_t before = now - skew_;
  if (before <= expired_before_) return;
  if (expired_before_ == INT64_MIN ||
      before - expired_before_ >= static_cast<int64_t>(ring_.size())) {
    for (Second& s : ring_)
      if (s.second < before && s.second != INT64_MIN) Forget(s);
  } else {
    for (int64_t t = expired_before_; t < before; ++t)
      if (Second& s = SlotOf(t); s.second == t) Forget(s);
  }
  expired_before_ = before;
}

NonceWindow::Outcome NonceWindow::Admit(uint64_t digest, int64_t second, int64_t now) {
  Expire(now);
  if (second < now - skew_ || second < floor_ || second > now + skew_) return Outcome::kTooOld;
  if (digest == 0) digest = 1;
  Second& s = SlotOf(second);
  if (s.second == second && !s.slots.empty()) {
    size_t mask = s.slots.size() - 1;
    for (size_t i = digest & mask; s.slots[i] != 0; i = (i + 1) & mask)
      if (s.slots[i] == digest) return Outcome::kUsed;
  }
  // A new nonce: make room for it by forgetting the oldest seconds before its own.
  for (int64_t t = std::max(floor_, now - skew_); size_ >= capacity_ && t < second; ++t) {
    if (Second& old = SlotOf(t); old.second == t) {
      Forget(old);
      floor_ = t + 1;
    }
  }
  if (size_ >= capacity_) return Outcome::kFull;
  if (s.second != second) {
    // Free, unless the clock stepped back by more than the skew: then it holds a second past
    // now + skew, which no request can be signed at until the clock is back there.
    if (s.second != INT64_MIN) Forget(s);
    s.second = second;
  }
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

void NonceWindow::ForEach(const std::function<void(int64_t second, uint64_t digest)>& fn) const {
  for (const Second& s : ring_)
    for (uint64_t d : s.slots)
      if (d != 0) fn(s.second, d);
}

}  // namespace openecs
