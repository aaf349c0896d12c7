#include "common/ipv4.h"

#include <gtest/gtest.h>

namespace openecs {

TEST(Ipv4, ParseAndFormat) {
  EXPECT_EQ(FormatIpv4(*ParseIpv4("192.168.1.10")), "192.168.1.10");
  EXPECT_FALSE(ParseIpv4("192.168.1").has_value());
  EXPECT_FALSE(ParseIpv4("192.168.1.256").has_value());
  EXPECT_FALSE(ParseIpv4("192.168.01.1").has_value());
  EXPECT_FALSE(ParseIpv4("a.b.c.d").has_value());
}

TEST(Ipv4, CidrContainmentAndOverlap) {
  auto vpc = *ParseCidr("192.168.0.0/16", true);
  auto a = *ParseCidr("192.168.1.0/24", true);
  auto b = *ParseCidr("192.168.1.128/25", true);
  auto c = *ParseCidr("10.0.0.0/8", true);
  EXPECT_TRUE(vpc.Contains(a));
  EXPECT_TRUE(a.Overlaps(b));
  EXPECT_FALSE(a.Overlaps(c));
  EXPECT_FALSE(vpc.Contains(c));
  EXPECT_FALSE(ParseCidr("192.168.1.1/24", true).has_value());
  EXPECT_TRUE(ParseCidr("192.168.1.1/24", false).has_value());
  EXPECT_FALSE(ParseCidr("192.168.1.0/33", true).has_value());
  EXPECT_EQ(a.size(), 256u);
}

}  // namespace openecs
