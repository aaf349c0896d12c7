#include "common/ids.h"

#include <atomic>
#include <cctype>
#include <cstdio>

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
  std::string h = RandomHex(16);
  for (auto& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
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
