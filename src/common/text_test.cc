#include "common/text.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json_dump.h"

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

TEST(Clock, TheSecondsFormIsReadAsTheFractionalForm) {
  // "…SSZ" is read by hand, "…SS.mmmZ" through sscanf and timegm: they must agree, over leap
  // years, month ends, a leap second and days past a month's end (timegm carries them over).
  for (int y : {1970, 1999, 2000, 2024, 2026, 2100, 2400})
    for (int mo = 1; mo <= 12; ++mo)
      for (int d : {1, 15, 28, 29, 30, 31})
        for (const char* hms : {"00:00:00", "12:34:56", "23:59:60"}) {
          char plain[32], frac[32];
          std::snprintf(plain, sizeof plain, "%04d-%02d-%02dT%sZ", y, mo, d, hms);
          std::snprintf(frac, sizeof frac, "%04d-%02d-%02dT%s.000Z", y, mo, d, hms);
          auto a = ParseIso(plain), b = ParseIso(frac);
          ASSERT_TRUE(a.has_value()) << plain;
          ASSERT_TRUE(b.has_value()) << frac;
          EXPECT_EQ(*a, *b) << plain;
        }
  EXPECT_FALSE(ParseIso("2024-01-01T24:00:00Z").has_value());
  EXPECT_FALSE(ParseIso("2024-01-0xT00:00:00Z").has_value());
  EXPECT_FALSE(ParseIso("2024-00-01T00:00:00Z").has_value());
}

TEST(Text, IndexPatternNamesEveryNumberedSegmentN) {
  EXPECT_EQ(IndexPattern("Tag.1.Key"), "Tag.N.Key");
  EXPECT_EQ(IndexPattern("DataDisk.12.Size"), "DataDisk.N.Size");
  EXPECT_EQ(IndexPattern("InstanceId"), "InstanceId");
  EXPECT_EQ(IndexPattern("x.12a.3"), "x.12a.N");
  // Odd names come out as splitting and joining make them (an empty first piece adds no dot).
  EXPECT_EQ(IndexPattern(".5"), "N");
  EXPECT_EQ(IndexPattern("a..1"), "a..N");
  EXPECT_EQ(IndexPattern("a."), "a.");
  EXPECT_EQ(IndexPattern(""), "");
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

TEST(Text, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(
      IsValidUtf8("\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"));  // été 中文 😀
  for (const char* bad :
       {"\xff", "\xc3", "a\xc3(", "\xc0\xaf",         // lone, cut, bad follower, overlong
        "\xe0\x80\xaf", "\xed\xa0\x80",               // overlong, surrogate
        "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80"})  // > U+10FFFF, 5 bytes
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
}

TEST(Text, ValidUtf8TailCutsAtACharacterAndReplacesWhatIsNotText) {
  // "中文" is e4 b8 ad e6 96 87: its last 4 bytes start inside the first character.
  EXPECT_EQ(ValidUtf8Tail("\xe4\xb8\xad\xe6\x96\x87", 4), "\xe6\x96\x87");
  EXPECT_EQ(ValidUtf8Tail("ok\xff!", 100), "ok\xef\xbf\xbd!");
  EXPECT_EQ(ValidUtf8Tail("a\xc3", 100), "a\xef\xbf\xbd");  // cut at the end
  EXPECT_EQ(ValidUtf8Tail("abcdef", 3), "def");
  EXPECT_TRUE(IsValidUtf8(ValidUtf8Tail(std::string("\x80\x80\x80\x80\xed\xa0\x80z", 8), 6)));
}

TEST(Json, DumpNeverThrowsOnBytesThatAreNotText) {
  // A guest's console printed 0xff; a console cut at 64 KiB may split a character.
  nlohmann::json j = {{"console", std::string("a\xff"
                                              "b\xe4\xb8")}};
  EXPECT_EQ(DumpJson(j),
            "{\"console\":\"a\xef\xbf\xbd"
            "b\xef\xbf\xbd\"}");
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what DumpJson spares us
}

}  // namespace openecs
