#pragma once
// Which addresses a host may connect to on a user's behalf (ImportImage's http:// URLs).
//
// A URL a user gives must not make the host reach itself, the underlying cloud's metadata
// service or the operator's private networks (server-side request forgery). Refused: every
// special-purpose range in IANA's IPv4 and IPv6 registries (this network, loopback,
// link-local, private, shared/CGNAT — which holds 100.100.100.200 —, benchmarking, which holds
// the default public pool, documentation, protocol assignments) plus multicast, reserved and
// broadcast; IPv6 addresses that embed an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo)
// are refused. Only what an operator's allow-list names is admitted from those ranges
// (`--import-allow CIDR,...`; tests serve images from loopback through it).
//
// The check is on the address a connection is made to, after DNS resolution: callers resolve,
// filter every answer, and connect only to an admitted one (no second lookup to rebind).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace openecs {

// An IPv4 or IPv6 prefix of an allow-list.
struct AddressPrefix {
  bool v6 = false;
  unsigned char bytes[16] = {};  // network order; IPv4 uses the first 4
  int prefix = 0;
  std::string text;
};

// "a.b.c.d/n" or "x:y::z/n" entries separated by commas ("" -> none); a bare address is
// a /32 (/128). Host bits must be zero.
Result<std::vector<AddressPrefix>> ParseAddressAllowList(std::string_view text);

// nullopt if `address` (IPv4 or IPv6 text, as a resolver returns it) may be connected to;
// otherwise why not ("loopback", "private", "link-local", ..., or "not an IP address").
std::optional<std::string> RefusedAddress(std::string_view address,
                                          const std::vector<AddressPrefix>& allow);

}  // namespace openecs
