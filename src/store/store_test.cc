// The Store contract (store.h), run against each backend: SQLite always; PostgreSQL when
// OPENECS_TEST_PG names a database to make schemas in (scripts/test sets it after
// scripts/postgres; a run without it says that PostgreSQL was skipped).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "common/crypto.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace openecs {
namespace {

const char* PgBase() { return std::getenv("OPENECS_TEST_PG"); }

// Runs SQL on the test database outside the store under test; the first value it answered
// ("" for none), or nullopt on failure.
std::optional<std::string> PgExec(const std::string& sql) {
  PGconn* c = PQconnectdb(PgBase());
  std::optional<std::string> out;
  if (PQstatus(c) == CONNECTION_OK) {
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
      out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    else if (PQresultStatus(r) == PGRES_COMMAND_OK)
      out = "";
    else
      ADD_FAILURE() << sql << ": " << PQerrorMessage(c);
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

// The URI of `schema` in the test database (PgBase has a query part or not).
// Its connections are named after the schema (application_name), so a test can find them.
std::string SchemaUri(const std::string& schema) {
  std::string base = PgBase();
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema + "&application_name=" + schema;
}

}  // namespace

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char tmpl[] = "/tmp/openecs-store-XXXXXX";
      dir_ = mkdtemp(tmpl);
      uri_ = "sqlite:" + dir_ + "/db.sqlite";
    } else {
      if (!PgBase()) GTEST_SKIP() << "PostgreSQL skipped: OPENECS_TEST_PG is not set";
      schema_ = "store_test_" + RandomHex(6);
      ASSERT_TRUE(PgExec("CREATE SCHEMA " + schema_).has_value());
      uri_ = SchemaUri(schema_);
    }
    auto s = Store::Open(uri_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
    if (!schema_.empty()) PgExec("DROP SCHEMA " + schema_ + " CASCADE");
  }
  std::string dir_, schema_, uri_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, InsertUpdateDeleteWithVersions) {
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
  EXPECT_EQ((*all)[0].version, 2);
  // A delete of another version is refused; of the stored one, done.
  WriteBatch stale;
  stale.deletes.push_back({"instance", "i-1", 1, ""});
  EXPECT_EQ(store_->Commit(stale).error().code, ErrorCode::kOperationConflict);
  WriteBatch d;
  d.deletes.push_back({"instance", "i-1", 2, ""});
  ASSERT_TRUE(store_->Commit(d).ok());
  EXPECT_TRUE(store_->LoadAll("instance")->empty());
}

TEST_P(StoreTest, BatchIsAllOrNothing) {
  WriteBatch b;
  b.puts.push_back({"disk", "d-1", 1, "{}"});
  ASSERT_TRUE(store_->Commit(b).ok());
  WriteBatch mixed;
  mixed.puts.push_back({"disk", "d-2", 1, "{}"});
  mixed.puts.push_back({"disk", "d-1", 1, "{}"});  // conflicts
  EXPECT_FALSE(store_->Commit(mixed).ok());
  EXPECT_EQ(store_->LoadAll("disk")->size(), 1u);
  // The store goes on after a refused batch.
  WriteBatch next;
  next.puts.push_back({"disk", "d-3", 1, "{}"});
  EXPECT_TRUE(store_->Commit(next).ok());
}

// A large batch (PostgreSQL's goes as pipelined chunks) is still all or nothing: a conflict in
// its last record leaves none of the thousand before it.
TEST_P(StoreTest, ALargeBatchIsAllOrNothing) {
  WriteBatch first;
  first.puts.push_back({"disk", "d-9999", 1, "{}"});
  ASSERT_TRUE(store_->Commit(first).ok());
  std::string body = R"({"pad":")" + std::string(10000, 'p') + R"("})";
  WriteBatch big;
  for (int i = 0; i < 1000; ++i) big.puts.push_back({"disk", "d-" + std::to_string(i), 1, body});
  big.puts.push_back({"disk", "d-9999", 1, "{}"});  // exists: the whole batch is refused
  Status st = store_->Commit(big);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kOperationConflict);
  EXPECT_EQ(store_->LoadAll("disk")->size(), 1u);
  big.puts.pop_back();
  ASSERT_TRUE(store_->Commit(big).ok());
  auto all = store_->LoadAll("disk");
  ASSERT_EQ(all->size(), 1001u);
  EXPECT_EQ((*all)[0].body, body);
  // Updates and deletes in one large batch, one of them stale.
  WriteBatch mixed;
  for (int i = 0; i < 600; ++i) mixed.puts.push_back({"disk", "d-" + std::to_string(i), 2, "{}"});
  for (int i = 600; i < 1000; ++i)
    mixed.deletes.push_back({"disk", "d-" + std::to_string(i), 1, ""});
  mixed.deletes.push_back({"disk", "d-9999", 7, ""});  // not the stored version
  EXPECT_EQ(store_->Commit(mixed).error().code, ErrorCode::kOperationConflict);
  EXPECT_EQ(store_->LoadAll("disk")->size(), 1001u);
  mixed.deletes.back().version = 1;
  ASSERT_TRUE(store_->Commit(mixed).ok());
  EXPECT_EQ(store_->LoadAll("disk")->size(), 600u);
}

TEST_P(StoreTest, KindsAreSeparateAndOrderedById) {
  WriteBatch b;
  for (const char* id : {"b", "a", "c"}) b.puts.push_back({"vpc", id, 1, "{}"});
  b.puts.push_back({"vswitch", "a", 1, R"({"k":"v"})"});
  ASSERT_TRUE(store_->Commit(b).ok());
  auto vpcs = store_->LoadAll("vpc");
  ASSERT_TRUE(vpcs.ok());
  ASSERT_EQ(vpcs->size(), 3u);
  EXPECT_EQ((*vpcs)[0].id, "a");
  EXPECT_EQ((*vpcs)[2].id, "c");
  EXPECT_EQ((*store_->LoadAll("vswitch"))[0].body, R"({"k":"v"})");
}

TEST_P(StoreTest, TextComesBackByteForByte) {
  // Bodies are JSON text as the Cloud writes it: non-ASCII UTF-8, escapes, a long one.
  std::string body =
      R"({"name":"实例-é","esc":"\u0000\n\"","big":")" + std::string(200000, 'x') + R"("})";
  WriteBatch b;
  b.puts.push_back({"instance", "i-utf8", 1, body});
  ASSERT_TRUE(store_->Commit(b).ok());
  EXPECT_EQ((*store_->LoadAll("instance"))[0].body, body);
}

TEST_P(StoreTest, SurvivesReopen) {
  WriteBatch b;
  b.puts.push_back({"vpc", "vpc-1", 1, "{}"});
  ASSERT_TRUE(store_->Commit(b).ok());
  store_.reset();
  store_ = std::move(Store::Open(uri_)).value();
  EXPECT_EQ(store_->LoadAll("vpc")->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

class PgStoreTest : public StoreTest {};

// A second server on the same store is refused while the first lives, and may claim it once
// the first is gone (the lock is the connection's, or the lock file's descriptor).
TEST_P(StoreTest, OneServerPerStore) {
  ASSERT_TRUE(store_->ClaimExclusive().ok());
  auto second = Store::Open(uri_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  Status st = (*second)->ClaimExclusive();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kOperationConflict);
  EXPECT_NE(st.error().message.find("another ecsd server holds"), std::string::npos);
  // Writing without a claim is what `ecsd account` does: allowed.
  WriteBatch b;
  b.puts.push_back({"account", "a-1", 1, "{}"});
  EXPECT_TRUE((*second)->Commit(b).ok());
  store_.reset();
  EXPECT_TRUE((*second)->ClaimExclusive().ok());
}

// The server's connection is killed (a PostgreSQL restart, a network cut): the next commit
// reconnects, takes its claim back and writes.
TEST_P(PgStoreTest, ReconnectsAfterTheConnectionIsKilled) {
  ASSERT_TRUE(store_->ClaimExclusive().ok());
  WriteBatch b;
  b.puts.push_back({"vpc", "vpc-1", 1, "{}"});
  ASSERT_TRUE(store_->Commit(b).ok());
  EXPECT_EQ(PgExec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                   "application_name = '" +
                   schema_ + "'"),
            "1");
  WriteBatch u;
  u.puts.push_back({"vpc", "vpc-1", 2, R"({"after":1})"});
  Status st = store_->Commit(u);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ((*store_->LoadAll("vpc"))[0].body, R"({"after":1})");
  // The claim came back with the connection.
  auto other = Store::Open(uri_);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->ClaimExclusive().ok());
}

INSTANTIATE_TEST_SUITE_P(Postgres, PgStoreTest, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

TEST(StoreOpen, RefusesAnUnknownScheme) {
  auto s = Store::Open("mysql://x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidParameter);
}

}  // namespace openecs
