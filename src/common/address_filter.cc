#include "common/address_filter.h"

#include <cstring>

#include "common/beast.h"
#include "common/text.h"

namespace openecs {
namespace {

struct Range {
  const char* network;
  int prefix;
  const char* why;
};

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors), multicast and the
// reserved class E block (which holds the limited broadcast address).
constexpr Range kRefusedV4[] = {
    {"0.0.0.0", 8, "this network"},       {"10.0.0.0", 8, "private"},
    {"100.64.0.0", 10, "shared (CGNAT)"}, {"127.0.0.0", 8, "loopback"},
    {"169.254.0.0", 16, "link-local"},    {"172.16.0.0", 12, "private"},
    {"192.0.0.0", 24, "IETF protocol"},   {"192.0.2.0", 24, "documentation"},
    {"192.88.99.0", 24, "6to4 relay"},    {"192.168.0.0", 16, "private"},
    {"198.18.0.0", 15, "benchmarking"},   {"198.51.100.0", 24, "documentation"},
    {"203.0.113.0", 24, "documentation"}, {"224.0.0.0", 4, "multicast"},
    {"240.0.0.0", 4, "reserved"},
};

// IANA IPv6 Special-Purpose Address Registry, multicast, and the forms that carry an IPv4
// address (whose own range would otherwise be bypassed).
constexpr Range kRefusedV6[] = {
    {"::", 96, "IPv4-compatible"},
    {"::ffff:0:0", 96, "IPv4-mapped"},
    {"64:ff9b::", 96, "NAT64"},
    {"64:ff9b:1::", 48, "NAT64"},
    {"100::", 64, "discard"},
    {"2001::", 23, "IETF protocol"},
    {"2001:db8::", 32, "documentation"},
    {"2002::", 16, "6to4"},
    {"3fff::", 20, "documentation"},
    {"fc00::", 7, "unique local (private)"},
    {"fe80::", 10, "link-local"},
    {"fec0::", 10, "site-local"},
    {"ff00::", 8, "multicast"},
};

bool PrefixMatches(const unsigned char* a, const unsigned char* net, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a, net, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (net[full] & mask);
}

// Parses an address into 4 or 16 bytes; false if it is not one.
bool ParseAddress(std::string_view text, bool* v6, unsigned char* out) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return false;
  *v6 = a.is_v6();
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(out, b.data(), 4);
  } else {
    if (a.to_v6().scope_id() != 0) return false;  // a zone index ("%eth0") names a link
    auto b = a.to_v6().to_bytes();
    std::memcpy(out, b.data(), 16);
  }
  return true;
}

std::optional<std::string> RefusedBy(const Range* begin, const Range* end, const unsigned char* a) {
  for (const Range* r = begin; r != end; ++r) {
    bool net_v6 = false;
    unsigned char net[16] = {};
    ParseAddress(r->network, &net_v6, net);
    if (PrefixMatches(a, net, r->prefix)) return std::string(r->why);
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<AddressPrefix>> ParseAddressAllowList(std::string_view text) {
  std::vector<AddressPrefix> out;
  for (const std::string& raw : Split(text, ',')) {
    std::string item = Trim(raw);
    if (item.empty()) continue;
    AddressPrefix p;
    p.text = item;
    std::string addr = item;
    int prefix = -1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      addr = item.substr(0, slash);
      std::string bits = item.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != bits.npos)
        return MakeError(ErrorCode::kInvalidParameter, "bad prefix length in " + item);
      prefix = std::stoi(bits);
    }
    if (!ParseAddress(addr, &p.v6, p.bytes))
      return MakeError(ErrorCode::kInvalidParameter, "not an IP address or CIDR block: " + item);
    int max = p.v6 ? 128 : 32;
    p.prefix = prefix < 0 ? max : prefix;
    if (p.prefix > max)
      return MakeError(ErrorCode::kInvalidParameter, "prefix too long in " + item);
    unsigned char masked[16] = {};
    std::memcpy(masked, p.bytes, p.v6 ? 16 : 4);
    for (int bit = p.prefix; bit < max; ++bit) masked[bit / 8] &= ~(0x80 >> (bit % 8));
    if (std::memcmp(masked, p.bytes, p.v6 ? 16 : 4) != 0)
      return MakeError(ErrorCode::kInvalidParameter, item + " has host bits set");
    out.push_back(p);
  }
  return out;
}

std::optional<std::string> RefusedAddress(std::string_view address,
                                          const std::vector<AddressPrefix>& allow) {
  bool v6 = false;
  unsigned char a[16] = {};
  if (!ParseAddress(address, &v6, a)) return std::string("not an IP address");
  for (const AddressPrefix& p : allow)
    if (p.v6 == v6 && PrefixMatches(a, p.bytes, p.prefix)) return std::nullopt;
  if (!v6) return RefusedBy(std::begin(kRefusedV4), std::end(kRefusedV4), a);
  static const unsigned char kUnspecified[16] = {};
  if (std::memcmp(a, kUnspecified, 16) == 0) return std::string("unspecified");
  static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (std::memcmp(a, kLoopback, 16) == 0) return std::string("loopback");
  return RefusedBy(std::begin(kRefusedV6), std::end(kRefusedV6), a);
}

}  // namespace openecs
