#pragma once
// Replay protection for signed requests, in bounded memory (used by api/auth.h).
//
// A signed request carries its own time (v1 Timestamp, ACS3 x-acs-date; both are signed) and a
// nonce. A replay is the same request again, so it has the same time: the window keeps, for
// each second of request time that is still accepted (now - skew .. now + skew), a table of the
// 64-bit digests of the nonces signed at that second, and looks a request up in that second's
// table only. The caller makes the digest with a keyed hash (SipHash), so clients cannot choose
// nonces that crowd one table's slots; within one second's table a false "used" needs two of
// that second's digests to agree in 64 bits.
//
// At most `capacity` nonces are kept (16 to 32 bytes each: open addressing, at most half full).
// A nonce that would pass it makes the window forget its oldest seconds (older than the
// nonce's own) and raises the window's floor past them: a request signed at or before a
// forgotten second is then refused (kTooOld), since it could be a replay the window no longer
// knows. With clocks in sync this costs nothing until signed requests come faster than
// capacity / skew a second; past that, only a client whose clock lags by more than the time the
// window still covers is refused. The floor never goes down: if the clock steps back, requests
// signed before it stay refused until the clock is past it again. kFull: even that would not make
// room (capacity nonces signed in one second, or after it).
//
// Not thread-safe: the caller serialises every call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace openecs {

class NonceWindow {
 public:
  enum class Outcome { kFresh, kUsed, kTooOld, kFull };
  NonceWindow(int skew_seconds, size_t capacity);

  // Records `digest` at `second` (its request's signed time) if that second does not hold it
  // yet. `now` is the current time: seconds before now - skew are forgotten first. A second
  // outside now ± skew, or below the floor, is kTooOld (and nothing is recorded).
  Outcome Admit(uint64_t digest, int64_t second, int64_t now);

  size_t size() const { return size_; }
  // The oldest second capacity made the window forget, plus one (INT64_MIN when it never had
  // to): requests signed before it are kTooOld, as are those before now - skew.
  int64_t floor() const { return floor_; }
  // Every kept nonce (in no particular order), for writing them out.
  void ForEach(const std::function<void(int64_t second, uint64_t digest)>& fn) const;

 private:
  // One second's digests: linear probing over a power-of-two array, 0 marks a free slot (a zero
  // digest is stored as 1).
  struct Second {
    int64_t second = INT64_MIN;
    size_t used = 0;
    std::vector<uint64_t> slots;
  };
  Second& SlotOf(int64_t second) { return ring_[static_cast<size_t>(second) % ring_.size()]; }
  void Forget(Second& s);
  // Forgets every second before `now - skew_` (at most a ring's worth of work).
  void Expire(int64_t now);

  int skew_;
  size_t capacity_;
  size_t size_ = 0;
  int64_t floor_ = INT64_MIN;
  int64_t expired_before_ = INT64_MIN;  // every second below this is forgotten
  // Indexed by second modulo its size (2 * skew + 2): the live seconds never share a slot.
  std::vector<Second> ring_;
};

}  // namespace openecs
