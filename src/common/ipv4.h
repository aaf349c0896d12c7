#pragma once
// IPv4 addresses and CIDR blocks as the network records need them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openecs {

struct Cidr {
  uint32_t network = 0;  // host byte order, masked
  int prefix = 0;
  uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
  uint32_t first() const { return network; }
  uint32_t last() const { return network + (size() - 1); }
  bool Contains(uint32_t ip) const { return ip >= first() && ip <= last(); }
  bool Contains(const Cidr& o) const { return o.first() >= first() && o.last() <= last(); }
  bool Overlaps(const Cidr& o) const { return first() <= o.last() && o.first() <= last(); }
  std::string ToString() const;
};

std::optional<uint32_t> ParseIpv4(std::string_view s);
std::string FormatIpv4(uint32_t ip);
// "a.b.c.d/n"; requires the address to be the network address when `strict`.
std::optional<Cidr> ParseCidr(std::string_view s, bool strict);

}  // namespace openecs
