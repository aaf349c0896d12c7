#include "common/ipv4.h"

#include <charconv>

namespace openecs {

std::optional<uint32_t> ParseIpv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i || j - i > 3) return std::nullopt;
    int v = 0;
    std::from_chars(s.data() + i, s.data() + j, v);
    if (v > 255 || (j - i > 1 && s[i] == '0')) return std::nullopt;
    out = (out << 8) | static_cast<uint32_t>(v);
    ++parts;
    if (parts < 4) {
      if (j >= s.size() || s[j] != '.') return std::nullopt;
      i = j + 1;
    } else if (j != s.size()) {
      return std::nullopt;
    }
  }
  return out;
}

std::string FormatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

std::string Cidr::ToString() const { return FormatIpv4(network) + "/" + std::to_string(prefix); }

std::optional<Cidr> ParseCidr(std::string_view s, bool strict) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = ParseIpv4(s.substr(0, slash));
  std::string_view p = s.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (!ip || ec != std::errc() || ptr != p.data() + p.size() || prefix < 0 || prefix > 32)
    return std::nullopt;
  uint32_t mask = prefix == 0 ? 0 : (0xffffffffu << (32 - prefix));
  if (strict && (*ip & ~mask) != 0) return std::nullopt;
  return Cidr{*ip & mask, prefix};
}

}  // namespace openecs
