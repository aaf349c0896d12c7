#pragma once
// Replay protection for signed requests, in bounded memory (used by api/auth.h).
//
// A signed request carries its own time (v1 Timestamp, ACS3 x-acs-date; both are signed) and a
// nonce. A replay is the same request again, so it has the same time: the window keeps, for
// each second of request time that is still accepted (now - skew .. now + skew), a table of the
// 64-bit digests of the nonces signed at that second, and looks a request up in that second's
// table only. The caller makes the digest with a keyed hash (SipHash), so clients cannot choose
// nonces that crowd one table's slots; within one second's table a false "used" needs two of
// that second's digests to agree in 64 bits. (A nonce used again with another signed time is
// another signed request, and passes: Alibaba Cloud refuses it for 15 minutes.)
//
// At most `capacity` nonces are kept (16 to 32 bytes each: open addressing, at most half full;
// a second that holds few costs a map node and 16 slots more).
// A nonce that would pass it makes the window forget whole seconds, the one farthest from now
// first (never the nonce's own): a forgotten second is remembered as forgotten until it leaves
// the window, and a request signed at it is refused (kForgotten), since it could be a replay the
// window no longer knows. With clocks in sync this costs nothing until signed requests come
// faster than capacity / skew a second; past that, the clients whose clocks are farthest off
// are refused first, and a client that floods the window with requests signed far ahead of (or
// behind) now loses its own seconds, not those of clients with accurate clocks. kFull: no room,
// and no second farther from now than the nonce's own to forget (it is refused, nothing is).
//
// Time only goes forward here: a second older than the latest `now` seen minus skew is
// refused (kOutside), so a caller that reads the clock before taking its lock, or a clock
// stepped back, cannot admit a second the window has already forgotten (api/auth.cc journals
// the latest `now` too, for a clock stepped back across a restart).
// Not thread-safe: the caller serialises every call.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace openecs {

class NonceWindow {
 public:
  enum class Outcome { kFresh, kUsed, kOutside, kForgotten, kFull };
  NonceWindow(int skew_seconds, size_t capacity);

  // Records `digest` at `second` (its request's signed time) if that second does not hold it
  // yet; `now` is the current time. Seconds it had to forget to make room are added to
  // `forgotten` (when given), for the caller's journal.
  Outcome Admit(uint64_t digest, int64_t second, int64_t now,
                std::vector<int64_t>* forgotten = nullptr);
  // Marks `second` forgotten, dropping what it holds (a journal's record of an earlier Admit).
  void Forget(int64_t second, int64_t now);
  // Moves the window's time to `now` if that is later (a journal's record of an earlier time).
  void Advance(int64_t now) { Expire(now); }
  // The latest `now` seen (INT64_MIN before any).
  int64_t latest_now() const { return latest_now_; }

  size_t size() const { return size_; }
  // The oldest second whose nonces are kept, if any.
  std::optional<int64_t> oldest() const;
  // Seconds forgotten to make room since this window was made.
  uint64_t forgotten_total() const { return forgotten_total_; }
  // Every kept nonce (by second), and every second forgotten and still inside the window.
  void ForEach(const std::function<void(int64_t second, uint64_t digest)>& fn) const;
  const std::set<int64_t>& forgotten() const { return forgotten_; }

 private:
  // One second's digests: linear probing over a power-of-two array, 0 marks a free slot (a zero
  // digest is stored as 1).
  struct Second {
    size_t used = 0;
    std::vector<uint64_t> slots;
  };
  // Drops the seconds before the newest now - skew.
  void Expire(int64_t now);
  void Drop(std::map<int64_t, Second>::iterator it);

  int skew_;
  size_t capacity_;
  size_t size_ = 0;
  uint64_t forgotten_total_ = 0;
  int64_t latest_now_ = INT64_MIN;
  int64_t expired_before_ = INT64_MIN;  // latest_now_ - skew: every second below is gone
  std::map<int64_t, Second> seconds_;   // the seconds that hold nonces
  std::set<int64_t> forgotten_;         // forgotten to make room, until they expire
};

}  // namespace openecs
