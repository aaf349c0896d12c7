#pragma once
// Time as the API shows it: int64 seconds (or milliseconds) since the Unix epoch (UTC).
//
// Two clocks. The free functions NowSeconds/NowMillis are the wall clock: signature timestamps,
// nonce windows, ids, the agent's own timing. A `Clock` is the cloud's clock, which everything
// a user is charged or expired by reads (creation times, ExpiredTime, metering, STS expiry,
// auto-release): the server holds one (CloudConfig::clock). In production it is WallClock();
// under `ecsd dev --test-clock` it is a TestClock the operator moves forward, so a month of
// subscription passes in a test without the SDK's signatures (wall clock) going stale.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openecs {

int64_t NowSeconds();
int64_t NowMillis();
// Milliseconds of the monotonic clock, for deadlines and durations (never goes back).
int64_t SteadyMillis();

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
  int64_t NowSeconds() const { return NowMillis() / 1000; }
};

// The wall clock as a Clock (a process-wide instance).
const Clock& WallClock();

// The wall clock plus an offset that only grows (Advance). Thread-safe.
class TestClock final : public Clock {
 public:
  explicit TestClock(int64_t offset_ms = 0) : offset_ms_(offset_ms) {}
  int64_t NowMillis() const override;
  // Moves the clock forward by `ms` (>= 0; a negative step is ignored: time never goes back).
  void Advance(int64_t ms);
  int64_t offset_ms() const { return offset_ms_.load(); }

 private:
  std::atomic<int64_t> offset_ms_;
};
// A clock moved only by Advance (unit tests: TestClock follows the wall clock, so a second of
// wall time could slip into a test's "hour"). Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t seconds) : ms_(seconds * 1000) {}
  int64_t NowMillis() const override { return ms_.load(); }
  void Advance(int64_t seconds) { ms_ += seconds * 1000; }

 private:
  std::atomic<int64_t> ms_;
};

// "2026-11-27T04:26:56Z"
std::string FormatIso(int64_t epoch_seconds);
// "2026-11-27T04:26Z" (the minute precision many ECS responses use)
std::string FormatIsoMinutes(int64_t epoch_seconds);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (also "...:SS.sssZ" and "...THH:MMZ"); nullopt if malformed.
std::optional<int64_t> ParseIso(std::string_view s);

}  // namespace openecs
