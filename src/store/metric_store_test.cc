#include "store/metric_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace openecs {
namespace {

TEST(MetricStat, AddKeepsSumSecondsAndTheSampleRatesExtremes) {
  MetricStat s;
  s.Add(100, 10);  // 10/s
  s.Add(60, 2);    // 30/s
  s.Add(0, 0);     // no time: ignored
  EXPECT_DOUBLE_EQ(s.sum, 160);
  EXPECT_DOUBLE_EQ(s.seconds, 12);
  EXPECT_DOUBLE_EQ(s.min, 10);
  EXPECT_DOUBLE_EQ(s.max, 30);
  EXPECT_NEAR(s.avg(), 13.333, 0.001);  // time-weighted, not the mean of the rates (20)
  MetricStat other;
  other.Add(5, 5);  // 1/s
  s.Merge(other);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.sum, 165);
  MetricStat empty;
  empty.Merge(s);
  EXPECT_EQ(empty, s);
}

TEST(MetricStore, PointsSurviveReopenAndQueriesSelectByResourcePeriodAndTime) {
  std::string path = ::testing::TempDir() + "/metrics_test.sqlite";
  std::filesystem::remove(path);
  {
    auto store = MetricStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    MetricValues v;
    v["cpu"].Add(600, 60);
    ASSERT_TRUE(
        (*store)
            ->Append(
                {{"i-a", 60, 120, v}, {"i-a", 60, 180, v}, {"i-b", 60, 120, v}, {"i-a", 600, 0, v}})
            .ok());
    v["cpu"].Add(60, 60);  // replaces the point of the same resource, period and start
    ASSERT_TRUE((*store)->Append({{"i-a", 60, 180, v}}).ok());
    ASSERT_TRUE((*store)->SetMark("rolled_600", 600).ok());
  }
  auto store = MetricStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto a = (*store)->Query("i-a", 60, 120, 240);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].ts, 120);
  EXPECT_DOUBLE_EQ((*a)[0].values["cpu"].avg(), 10);
  EXPECT_DOUBLE_EQ((*a)[1].values["cpu"].sum, 660);
  EXPECT_EQ((*store)->Query("i-a", 60, 121, 180)->size(), 0u);  // [from, to)
  EXPECT_EQ((*store)->QueryAll(60, 0, 1000)->size(), 3u);
  EXPECT_EQ((*store)->QueryAll(600, 0, 1000)->size(), 1u);
  EXPECT_EQ(*(*store)->Mark("rolled_600"), 600);
  EXPECT_EQ(*(*store)->Mark("unset"), 0);
  ASSERT_TRUE((*store)->Prune(60, 180).ok());
  EXPECT_EQ((*store)->QueryAll(60, 0, 1000)->size(), 1u);
  EXPECT_EQ((*store)->QueryAll(600, 0, 1000)->size(), 1u);  // other periods untouched
}

}  // namespace
}  // namespace openecs
