#include "common/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace openecs {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {
class Wall final : public Clock {
 public:
  int64_t NowMillis() const override { return openecs::NowMillis(); }
};
}  // namespace

const Clock& WallClock() {
  static const Wall wall;
  return wall;
}

int64_t TestClock::NowMillis() const { return openecs::NowMillis() + offset_ms_.load(); }

void TestClock::Advance(int64_t ms) {
  if (ms > 0) offset_ms_.fetch_add(ms);
}

namespace {
std::string Format(int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), fmt, &tm);
  return buf;
}
}  // namespace

std::string FormatIso(int64_t t) { return Format(t, "%Y-%m-%dT%H:%M:%SZ"); }
std::string FormatIsoMinutes(int64_t t) { return Format(t, "%Y-%m-%dT%H:%MZ"); }

std::optional<int64_t> ParseIso(std::string_view s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec = 0;
  std::string str(s);
  char tail[16] = {0};
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, tail);
  if (n == 7) {
    std::string t(tail);
    if (t != "Z" && !(t.size() >= 2 && t[0] == '.' && t.back() == 'Z')) return std::nullopt;
  } else {
    n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d%15s", &y, &mo, &d, &h, &mi, tail);
    if (n != 6 || std::string(tail) != "Z") return std::nullopt;
    sec = 0;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace openecs
