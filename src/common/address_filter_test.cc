// The SSRF filter is tested as a function: no test connects anywhere but loopback.
#include "common/address_filter.h"

#include <gtest/gtest.h>

namespace openecs {
namespace {

std::string Why(const std::string& ip, const std::string& allow = "") {
  auto list = ParseAddressAllowList(allow);
  EXPECT_TRUE(list.ok()) << allow;
  auto r = RefusedAddress(ip, *list);
  return r ? *r : "admitted";
}

TEST(AddressFilter, RefusesTheHostAndEveryPrivateOrSpecialRange) {
  EXPECT_EQ(Why("127.0.0.1"), "loopback");
  EXPECT_EQ(Why("127.255.0.9"), "loopback");
  EXPECT_EQ(Why("169.254.169.254"), "link-local");      // an underlying cloud's metadata service
  EXPECT_EQ(Why("100.100.100.200"), "shared (CGNAT)");  // ECS's metadata address
  EXPECT_EQ(Why("10.0.0.1"), "private");
  EXPECT_EQ(Why("172.16.0.1"), "private");
  EXPECT_EQ(Why("172.31.255.255"), "private");
  EXPECT_EQ(Why("192.168.1.1"), "private");
  EXPECT_EQ(Why("0.0.0.0"), "this network");
  EXPECT_EQ(Why("198.18.0.5"), "benchmarking");  // the default public IP pool
  EXPECT_EQ(Why("224.0.0.1"), "multicast");
  EXPECT_EQ(Why("255.255.255.255"), "reserved");
  EXPECT_EQ(Why("192.0.2.1"), "documentation");
  EXPECT_EQ(Why("::1"), "loopback");
  EXPECT_EQ(Why("::"), "unspecified");
  EXPECT_EQ(Why("fe80::1"), "link-local");
  EXPECT_EQ(Why("fd00::1"), "unique local (private)");
  EXPECT_EQ(Why("ff02::1"), "multicast");
  // IPv6 forms that carry an IPv4 address cannot smuggle loopback past the filter.
  EXPECT_EQ(Why("::ffff:127.0.0.1"), "IPv4-mapped");
  EXPECT_EQ(Why("::127.0.0.1"), "IPv4-compatible");
  EXPECT_EQ(Why("64:ff9b::7f00:1"), "NAT64");
  EXPECT_EQ(Why("2002:7f00:1::1"), "6to4");
  EXPECT_EQ(Why("fe80::1%1"), "not an IP address");  // a zone names a link
  EXPECT_EQ(Why("localhost"), "not an IP address");  // the caller resolves first
}

TEST(AddressFilter, AdmitsPublicAddresses) {
  EXPECT_EQ(Why("8.8.8.8"), "admitted");
  EXPECT_EQ(Why("172.32.0.1"), "admitted");   // just past 172.16.0.0/12
  EXPECT_EQ(Why("100.128.0.1"), "admitted");  // just past 100.64.0.0/10
  EXPECT_EQ(Why("198.20.0.1"), "admitted");   // just past 198.18.0.0/15
  EXPECT_EQ(Why("2606:4700::1111"), "admitted");
}

TEST(AddressFilter, AnAllowListAdmitsOnlyWhatItNames) {
  EXPECT_EQ(Why("127.0.0.1", "127.0.0.1/32"), "admitted");
  EXPECT_EQ(Why("127.0.0.2", "127.0.0.1/32"), "loopback");
  EXPECT_EQ(Why("10.1.2.3", "10.1.0.0/16, 192.168.7.0/24"), "admitted");
  EXPECT_EQ(Why("10.2.0.1", "10.1.0.0/16"), "private");
  EXPECT_EQ(Why("::1", "::1"), "admitted");
  EXPECT_EQ(Why("127.0.0.1", "::1"), "loopback");  // families do not mix
}

TEST(AddressFilter, RefusesMalformedAllowLists) {
  EXPECT_FALSE(ParseAddressAllowList("10.0.0.1/8").ok());  // host bits
  EXPECT_FALSE(ParseAddressAllowList("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseAddressAllowList("10.0.0.0/").ok());
  EXPECT_FALSE(ParseAddressAllowList("example.com").ok());
  EXPECT_FALSE(ParseAddressAllowList("10.0.0.0/-1").ok());
  auto none = ParseAddressAllowList(" , ");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace openecs
