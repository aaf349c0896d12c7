#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace openecs {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/openecs-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = Store::Open("sqlite:" + dir_ + "/db.sqlite");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, InsertUpdateDeleteWithVersions) {
  WriteBatch b;
  b.puts.push_back({"instance", "i-1", 1, R"({"a":1})"});
  ASSERT_TRUE(store_->Commit(b).ok());
  // Re-inserting version 1 conflicts.
  EXPECT_EQ(store_->Commit(b).error().code, ErrorCode::kOperationConflict);
  WriteBatch u;
  u.puts.push_back({"instance", "i-1", 2, R"({"a":2})"});
  ASSERT_TRUE(store_->Commit(u).ok());
  // A stale writer (expects version 1 stored) is refused.
  EXPECT_EQ(store_->Commit(u).error().code, ErrorCode::kOperationConflict);
  auto all = store_->LoadAll("instance");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].body, R"({"a":2})");
  WriteBatch d;
  d.deletes.push_back({"instance", "i-1", 2, ""});
  ASSERT_TRUE(store_->Commit(d).ok());
  EXPECT_TRUE(store_->LoadAll("instance")->empty());
}

TEST_F(SqliteStoreTest, BatchIsAllOrNothing) {
  WriteBatch b;
  b.puts.push_back({"disk", "d-1", 1, "{}"});
  ASSERT_TRUE(store_->Commit(b).ok());
  WriteBatch mixed;
  mixed.puts.push_back({"disk", "d-2", 1, "{}"});
  mixed.puts.push_back({"disk", "d-1", 1, "{}"});  // conflicts
  EXPECT_FALSE(store_->Commit(mixed).ok());
  EXPECT_EQ(store_->LoadAll("disk")->size(), 1u);
}

TEST_F(SqliteStoreTest, SurvivesReopen) {
  WriteBatch b;
  b.puts.push_back({"vpc", "vpc-1", 1, "{}"});
  ASSERT_TRUE(store_->Commit(b).ok());
  store_.reset();
  store_ = std::move(Store::Open("sqlite:" + dir_ + "/db.sqlite")).value();
  EXPECT_EQ(store_->LoadAll("vpc")->size(), 1u);
}

}  // namespace openecs
