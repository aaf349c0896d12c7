#include "common/ids.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "common/clock.h"
#include "common/crypto.h"

namespace openecs {

std::string NewId(std::string_view prefix) {
  // 11 base-36 digits of (milliseconds * 1024 + sequence), monotonic within the process.
  static std::atomic<uint64_t> last{0};
  uint64_t candidate = static_cast<uint64_t>(NowMillis()) * 1024;
  uint64_t prev = last.load();
  uint64_t next;
  do {
    next = candidate > prev ? candidate : prev + 1;
  } while (!last.compare_exchange_weak(prev, next));
  static const char* kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  char buf[11];
  uint64_t v = next;
  for (int i = 10; i >= 0; --i) {
    buf[i] = kDigits[v % 36];
    v /= 36;
  }
  std::string id(prefix);
  id += '-';
  id.append(buf, 11);
  id += RandomAlnum(9);
  return id;
}

std::string NewRequestId() {
  // Request ids must differ, not be secret: a generator per thread (xorshift*), seeded once from
  // the CSPRNG, instead of RAND_bytes on every request (a lock and a reseed check each time).
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    while (seed == 0) {
      std::string h = RandomHex(8);
      seed = std::strtoull(h.c_str(), nullptr, 16);
    }
    return seed;
  }();
  auto next = [] {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
  };
  static const char* kHex = "0123456789ABCDEF";
  uint64_t words[2] = {next(), next()};
  std::string id(36, '-');
  for (int i = 0, pos = 0; i < 32; ++i, ++pos) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    id[pos] = kHex[(words[i / 16] >> (4 * (i % 16))) & 0xf];
  }
  return id;
}

std::string MacForId(std::string_view id) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : id) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  char buf[18];
  std::snprintf(buf, sizeof(buf), "00:16:3e:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff,
                h & 0xff);
  return buf;
}

}  // namespace openecs
