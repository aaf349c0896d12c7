#include "billing/price_table.h"

#include <gtest/gtest.h>

#include <set>

namespace openecs {
namespace {

TEST(PriceTable, AmountsRoundToCentsFromIntegers) {
  EXPECT_DOUBLE_EQ(ToAmount(ToNano(1.005)), 1.01);
  EXPECT_DOUBLE_EQ(ToAmount(ToNano(-1.005)), -1.01);
  EXPECT_DOUBLE_EQ(ToAmount(ToNano(0.004)), 0.0);
  EXPECT_EQ(ToNano(0.072), 72'000'000);
}

TEST(PriceTable, InstancePricesFollowTheCatalogueAndTheFile) {
  PriceTable t = DefaultPriceTable();
  const InstanceType* g7 = FindInstanceType("ecs.g7.large");
  ASSERT_NE(g7, nullptr);
  EXPECT_EQ(InstanceHourPrice(t, *g7), ToNano(g7->hourly_price));
  // A month is month_hours of the hourly price; a year is discounted; a week is a share.
  Nano month = InstancePeriodPrice(t, *g7, 1, "Month");
  EXPECT_EQ(month, static_cast<Nano>(ToNano(g7->hourly_price) * t.month_hours));
  EXPECT_EQ(InstancePeriodPrice(t, *g7, 12, "Month"),
            static_cast<Nano>(std::llround(month * 12 * t.long_term_discount)));
  EXPECT_LT(InstancePeriodPrice(t, *g7, 1, "Week"), month);

  auto edited = PriceTableFromJson({{"instance_types_per_hour", {{"ecs.g7.large", 1.5}}},
                                    {"disks_per_gib_month", {{"cloud_essd:PL1", 0.73}}}});
  ASSERT_TRUE(edited.ok()) << edited.error().message;
  EXPECT_EQ(InstanceHourPrice(*edited, *g7), ToNano(1.5));
  EXPECT_EQ(DiskGibHourPrice(*edited, "cloud_essd", "PL1"), ToNano(0.001));
  EXPECT_EQ(DiskGibHourPrice(*edited, "cloud_essd", ""), ToNano(0.001));  // PL1 by default
}

TEST(PriceTable, DisksByCategoryAndLevel) {
  PriceTable t = DefaultPriceTable();
  EXPECT_GT(DiskGibHourPrice(t, "cloud_essd", "PL3"), DiskGibHourPrice(t, "cloud_essd", "PL0"));
  EXPECT_EQ(DiskGibHourPrice(t, "ephemeral_ssd", ""), 0);
  EXPECT_EQ(DiskGibHourPrice(t, "tape", ""), -1);
  EXPECT_EQ(DiskPeriodPrice(t, "cloud_efficiency", "", 40, 1, "Month"), ToNano(0.05 * 40));
}

TEST(PriceTable, RefusesMalformedTables) {
  EXPECT_FALSE(PriceTableFromJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(PriceTableFromJson({{"instance_types_per_hour", {{"ecs.nope", 1}}}}).ok());
  EXPECT_FALSE(PriceTableFromJson({{"disks_per_gib_month", {{"cloud", -1}}}}).ok());
  EXPECT_FALSE(PriceTableFromJson({{"spot", {{"min_ratio", 0.9}, {"max_ratio", 0.1}}}}).ok());
  EXPECT_FALSE(PriceTableFromJson({{"currency", "dollars"}}).ok());
  // The defaults written out read back as the defaults.
  auto again = PriceTableFromJson(PriceTableToJson(DefaultPriceTable()));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->instance_hour.empty());
  EXPECT_EQ(again->disk_gib_month, DefaultPriceTable().disk_gib_month);
}

TEST(PriceTable, SpotPricesMoveWithinTheirBandAndRepeat) {
  PriceTable t = DefaultPriceTable();
  const InstanceType* c7 = FindInstanceType("ecs.c7.xlarge");
  Nano payg = InstanceHourPrice(t, *c7);
  std::set<Nano> seen;
  for (int h = 0; h < 48; ++h) {
    Nano p = SpotPrice(t, *c7, "local-a", 1'800'000'000 + h * 3600);
    EXPECT_GE(p, static_cast<Nano>(payg * t.spot_min_ratio) - ToNano(0.0001));
    EXPECT_LE(p, static_cast<Nano>(payg * t.spot_max_ratio) + ToNano(0.0001));
    EXPECT_EQ(p, SpotPrice(t, *c7, "local-a", 1'800'000'000 + h * 3600 + 1800));  // per hour
    seen.insert(p);
  }
  EXPECT_GT(seen.size(), 5u);  // it moves
}

}  // namespace
}  // namespace openecs
