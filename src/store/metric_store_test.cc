#include "store/metric_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <limits>

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

TEST(MetricStore, APointOffItsPeriodsStartIsRefusedWithItsBatch) {
  auto store = MetricStore::Open(":memory:");
  ASSERT_TRUE(store.ok());
  MetricValues v;
  v["cpu"].Add(60, 60);
  auto st = (*store)->Append({{"i-a", 60, 120, v}, {"i-a", 60, 130, v}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ((*store)->QueryAll(60, 0, 1000)->size(), 0u);
  EXPECT_FALSE((*store)->Append({{"i-a", 0, 0, v}}).ok());
}

TEST(MetricStore, AQueryOverAnyRangeFindsWhatIsHeldAndOnlyThat) {
  auto store = MetricStore::Open(":memory:");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Query("i-a", 60, 0, 1000)->size(), 0u);  // nothing of the period at all
  MetricValues v;
  v["cpu"].Add(60, 60);
  std::vector<MetricPoint> points;
  for (int64_t m = 0; m < 50; ++m) {
    points.push_back({"i-a", 60, 1'800'000'000 + 60 * m, v});
    points.push_back({"i-b", 60, 1'800'000'000 + 60 * m, v});
  }
  points.push_back({"i-a", 600, 1'800'000'000, v});
  ASSERT_TRUE((*store)->Append(points).ok());
  // From the epoch (and before it) to the far future: every point of i-a of period 60, in order,
  // without walking the minutes between (the held starts bound the lookups).
  for (int64_t from : {int64_t{-7}, int64_t{0}}) {
    auto a = (*store)->Query("i-a", 60, from, std::numeric_limits<int64_t>::max() / 2);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->size(), 50u);
    EXPECT_EQ(a->front().ts, 1'800'000'000);
    EXPECT_EQ(a->back().ts, 1'800'000'000 + 60 * 49);
    EXPECT_EQ(a->front().resource, "i-a");
  }
  // A start off a period's start reads from the next period.
  auto tail = (*store)->Query("i-b", 60, 1'800'000'000 + 60 * 47 + 1, 1'900'000'000);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].ts, 1'800'000'000 + 60 * 48);
  EXPECT_EQ((*store)->Query("i-c", 60, 0, 1'900'000'000)->size(), 0u);
  int64_t far = std::numeric_limits<int64_t>::max();
  EXPECT_EQ((*store)->Query("i-a", 60, far - 5, far)->size(), 0u);  // past what is held
  EXPECT_EQ((*store)->Query("i-a", 60, std::numeric_limits<int64_t>::min(), 0)->size(), 0u);
  EXPECT_EQ((*store)->Query("i-a", 600, 0, 1'900'000'000)->size(), 1u);
}

// A file written by the first layout (keyed by resource, an index by time) opens at once with
// its points and marks: its table is read beside the new one until its points are pruned.
TEST(MetricStore, AFileOfTheFirstLayoutKeepsItsPointsUntilTheyArePruned) {
  std::string path = ::testing::TempDir() + "/metrics_v0_test.sqlite";
  std::filesystem::remove(path);
  auto count = [&](const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &q, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
  };
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const char* v0 =
        "CREATE TABLE points (resource TEXT NOT NULL, period INTEGER NOT NULL, ts INTEGER NOT "
        "NULL, body TEXT NOT NULL, PRIMARY KEY (resource, period, ts)) WITHOUT ROWID;"
        "CREATE INDEX points_by_time ON points (period, ts);"
        "CREATE TABLE marks (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT INTO points VALUES ('i-a', 60, 120, 's=60;cpu=600,10,10'),"
        " ('i-a', 60, 180, 's=60;cpu=1200,20,20'), ('i-b', 60, 120, 's=60;cpu=0'),"
        " ('i-a', 600, 0, 's=600;cpu=6000,10,10');"
        "INSERT INTO marks VALUES ('rolled_600', 600);";
    ASSERT_EQ(sqlite3_exec(db, v0, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  MetricValues v;
  v["cpu"].Add(1800, 60);                 // 30/s
  for (int open = 0; open < 2; ++open) {  // the second open finds the upgrade done
    auto store = MetricStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(*(*store)->Mark("rolled_600"), 600);
    if (open == 0) {
      auto a = (*store)->Query("i-a", 60, 0, 1000);
      ASSERT_TRUE(a.ok());
      ASSERT_EQ(a->size(), 2u);
      EXPECT_DOUBLE_EQ((*a)[1].values["cpu"].avg(), 20);
      // Points written after the upgrade: a new minute, and one that replaces an old point.
      ASSERT_TRUE((*store)->Append({{"i-a", 60, 180, v}, {"i-a", 60, 240, v}}).ok());
    }
    auto a = (*store)->Query("i-a", 60, 0, 1000);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->size(), 3u);  // 120 (old), 180 (new, replacing the old), 240 (new)
    EXPECT_EQ((*a)[0].ts, 120);
    EXPECT_DOUBLE_EQ((*a)[0].values["cpu"].avg(), 10);
    EXPECT_EQ((*a)[1].ts, 180);
    EXPECT_DOUBLE_EQ((*a)[1].values["cpu"].avg(), 30);
    EXPECT_EQ((*a)[2].ts, 240);
    auto all = (*store)->QueryAll(60, 0, 1000);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 4u);  // by start, then resource
    EXPECT_EQ((*all)[0].resource, "i-a");
    EXPECT_EQ((*all)[1].resource, "i-b");
    EXPECT_EQ((*all)[1].ts, 120);
    EXPECT_DOUBLE_EQ((*all)[2].values["cpu"].avg(), 30);
    EXPECT_EQ((*store)->Query("i-a", 600, 0, 1000)->size(), 1u);
  }
  EXPECT_EQ(count("SELECT user_version FROM pragma_user_version"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM points_v0"), 4);  // kept, not copied
  {
    auto store = MetricStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Prune(60, 200).ok());  // the old 60 s points go; the 600 s one stays
    EXPECT_EQ((*store)->QueryAll(60, 0, 1000)->size(), 1u);  // 240, written after
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_master WHERE name='points_v0'"), 1);
    ASSERT_TRUE((*store)->Prune(600, 600).ok());  // its last point: the table goes
    EXPECT_EQ(count("SELECT count(*) FROM sqlite_master WHERE name='points_v0'"), 0);
    EXPECT_EQ((*store)->Query("i-a", 600, 0, 1000)->size(), 0u);
    EXPECT_EQ((*store)->Query("i-a", 60, 0, 1000)->size(), 1u);
  }
}

}  // namespace
}  // namespace openecs
