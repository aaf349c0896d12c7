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

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "YYYY-MM-DDTHH:MM:SSZ" exactly, what the SDKs send with every signed call: read without
// sscanf and timegm (a few microseconds of every request). Anything else goes the long way.
std::optional<int64_t> ParseIsoSeconds(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int* out) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, sec;
  if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &d) || !num(11, 2, &h) || !num(14, 2, &mi) ||
      !num(17, 2, &sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
         mi * 60 + sec;
}
}  // namespace

std::optional<int64_t> ParseIso(std::string_view s) {
  if (auto fast = ParseIsoSeconds(s)) return fast;
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
