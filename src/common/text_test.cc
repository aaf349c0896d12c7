#include "common/text.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/ids.h"

namespace openecs {

TEST(Text, PercentEncodeFollowsRfc3986) {
  EXPECT_EQ(PercentEncode("my vm*(1)!~"), "my%20vm%2A%281%29%21~");
  EXPECT_EQ(PercentEncode("2024-01-01T00:00:00Z"), "2024-01-01T00%3A00%3A00Z");
  EXPECT_EQ(PercentEncode("a/b+c"), "a%2Fb%2Bc");
}

TEST(Text, PercentDecodeQueryAndForm) {
  EXPECT_EQ(PercentDecode("my%20vm%2A", false), "my vm*");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("100%", false), "100%");
  EXPECT_EQ(PercentDecode("%zz", false), "%zz");
}

TEST(Clock, IsoRoundTrip) {
  auto t = ParseIso("2024-01-01T00:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1704067200);
  EXPECT_EQ(FormatIso(*t), "2024-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoMinutes(*t), "2024-01-01T00:00Z");
  EXPECT_TRUE(ParseIso("2024-01-01T00:00Z").has_value());
  EXPECT_FALSE(ParseIso("yesterday").has_value());
  EXPECT_FALSE(ParseIso("2024-13-01T00:00:00Z").has_value());
}

TEST(Ids, SortInCreationOrder) {
  std::string prev = NewId("i");
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("i");
    EXPECT_LT(prev, id);
    EXPECT_EQ(id.size(), 22u);
    prev = id;
  }
}

}  // namespace openecs
