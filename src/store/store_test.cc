// The Store contract (store.h), run against each backend: SQLite always; PostgreSQL when
// OPENECS_TEST_PG names a database to make schemas in (scripts/test sets it after
// scripts/postgres; a run without it says that PostgreSQL was skipped).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

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
class SqliteStoreTest : public StoreTest {};

// SQLite: a second server on the same store is refused while the first lives, and may claim it
// once the first is gone (the lock is the lock file's descriptor).
TEST_P(SqliteStoreTest, OneServerPerStore) {
  ASSERT_FALSE(store_->shared());
  ASSERT_TRUE(store_->ClaimForServer().ok());
  auto second = Store::Open(uri_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  Status st = (*second)->ClaimForServer();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kOperationConflict);
  EXPECT_NE(st.error().message.find("another ecsd server holds"), std::string::npos);
  // Writing without a claim is what `ecsd account` does: allowed.
  WriteBatch b;
  b.puts.push_back({"account", "a-1", 1, "{}"});
  EXPECT_TRUE((*second)->Commit(b).ok());
  store_.reset();
  EXPECT_TRUE((*second)->ClaimForServer().ok());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteStoreTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });

// PostgreSQL takes any number of servers.
TEST_P(PgStoreTest, AnyNumberOfServers) {
  ASSERT_TRUE(store_->shared());
  ASSERT_TRUE(store_->ClaimForServer().ok());
  auto second = Store::Open(uri_);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)->ClaimForServer().ok());
}

// An ecsd from before several servers per schema took the schema's lock exclusively as its only
// server: while one holds it a new server is refused, and while new servers run an old one
// cannot take it.
TEST_P(PgStoreTest, OldSingleServersAndNewOnesRefuseEachOther) {
  const std::string old_lock = "SELECT pg_try_advisory_lock(730513624, hashtext(current_schema()))";
  PGconn* old_server = PQconnectdb(SchemaUri(schema_).c_str());
  ASSERT_EQ(PQstatus(old_server), CONNECTION_OK);
  auto take = [&] {
    PGresult* r = PQexec(old_server, old_lock.c_str());
    bool got = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "t";
    PQclear(r);
    return got;
  };
  ASSERT_TRUE(store_->ClaimForServer().ok());
  EXPECT_FALSE(take()) << "an old server started beside a new one";
  store_.reset();
  bool taken = false;  // PostgreSQL lets the closed session's lock go a moment later
  for (int i = 0; i < 50 && !(taken = take()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(taken);
  auto late = Store::Open(uri_);
  ASSERT_TRUE(late.ok());
  Status st = (*late)->ClaimForServer();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kOperationConflict);
  PQfinish(old_server);
  // Once the old one is gone, a new one claims (PostgreSQL lets go a moment later).
  EXPECT_TRUE((*late)->ClaimForServer().ok());
}

// The connection is killed (a PostgreSQL restart, a network cut): the next commit reconnects
// and writes.
TEST_P(PgStoreTest, ReconnectsAfterTheConnectionIsKilled) {
  ASSERT_TRUE(store_->ClaimForServer().ok());
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
}

// Every commit is one revision; a reader behind learns of puts (their latest body) and of
// deletions, in revision order, from another store object (another server).
TEST_P(PgStoreTest, ChangesSinceARevision) {
  auto other = std::move(Store::Open(uri_)).value();
  int64_t start = *other->Revision();
  WriteBatch b;
  b.puts.push_back({"vpc", "vpc-1", 1, R"({"n":1})"});
  b.puts.push_back({"vpc", "vpc-2", 1, R"({"n":1})"});
  ASSERT_TRUE(store_->Commit(b).ok());
  WriteBatch u;
  u.puts.push_back({"vpc", "vpc-1", 2, R"({"n":2})"});
  u.deletes.push_back({"vpc", "vpc-2", 1, ""});
  ASSERT_TRUE(store_->Commit(u).ok());
  EXPECT_EQ(*other->Revision(), start + 2);
  auto feed = other->ChangesSince(start);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  EXPECT_EQ(feed->revision, start + 2);
  ASSERT_EQ(feed->docs.size(), 2u);
  EXPECT_EQ(feed->docs[0].id, "vpc-1");
  EXPECT_EQ(feed->docs[0].body, R"({"n":2})");
  EXPECT_EQ(feed->docs[0].version, 2);
  EXPECT_FALSE(feed->docs[0].deleted);
  EXPECT_EQ(feed->docs[1].id, "vpc-2");
  EXPECT_TRUE(feed->docs[1].deleted);
  // Nothing after the last one; a refused commit is no revision.
  EXPECT_TRUE(other->ChangesSince(start + 2)->docs.empty());
  EXPECT_FALSE(store_->Commit(b).ok());  // vpc-1 exists
  EXPECT_EQ(*other->Revision(), start + 2);
  // A document deleted and made again reads as made, after its deletion.
  WriteBatch again;
  again.puts.push_back({"vpc", "vpc-2", 1, R"({"n":3})"});
  ASSERT_TRUE(store_->Commit(again).ok());
  feed = other->ChangesSince(start);
  ASSERT_EQ(feed->docs.size(), 3u);  // its tombstone stays, before it
  EXPECT_TRUE(feed->docs[1].deleted);
  EXPECT_EQ(feed->docs[2].id, "vpc-2");
  EXPECT_FALSE(feed->docs[2].deleted);
  EXPECT_EQ(feed->docs[2].body, R"({"n":3})");
}

// BeginWrite holds every other writer off until its commit, and answers what they committed
// before; a notification reaches the other store's WaitForChange.
TEST_P(PgStoreTest, BeginWriteSerialisesWritersAndCatchesUp) {
  auto other = std::move(Store::Open(uri_)).value();
  int64_t start = *store_->Revision();
  WriteBatch first;
  first.puts.push_back({"vpc", "vpc-1", 1, "{}"});
  ASSERT_TRUE(other->Commit(first).ok());
  auto feed = store_->BeginWrite(start);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  EXPECT_EQ(feed->revision, start + 1);
  ASSERT_EQ(feed->docs.size(), 1u);
  // Another writer waits for this write.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    WriteBatch b;
    b.puts.push_back({"vpc", "vpc-2", 1, "{}"});
    EXPECT_TRUE(other->Commit(b).ok());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(done) << "a commit landed inside another server's write";
  WriteBatch mine;
  mine.puts.push_back({"vpc", "vpc-3", 1, "{}"});
  ASSERT_TRUE(store_->Commit(mine).ok());
  store_->EndWrite();  // after a Commit: nothing
  writer.join();
  EXPECT_TRUE(done);
  auto all = store_->ChangesSince(start);
  ASSERT_EQ(all->docs.size(), 3u);
  EXPECT_EQ(all->docs[1].id, "vpc-3");  // in commit order
  EXPECT_EQ(all->docs[2].id, "vpc-2");
  // A write given up commits nothing and lets the others go.
  ASSERT_TRUE(store_->BeginWrite(all->revision).ok());
  store_->EndWrite();
  EXPECT_EQ(*other->Revision(), all->revision);
  EXPECT_EQ(other->Commit(first).error().code, ErrorCode::kOperationConflict);
  // Notifications: the follower's connection hears a commit.
  other->WaitForChange(0);  // connects and listens
  while (other->WaitForChange(0)) {
  }
  WriteBatch later;
  later.puts.push_back({"vpc", "vpc-4", 1, "{}"});
  ASSERT_TRUE(store_->Commit(later).ok());
  EXPECT_TRUE(other->WaitForChange(5000));
}

// One leader at a time; when its store object goes (its process dies), another takes over.
// Contacts: each server's, merged by host.
TEST_P(PgStoreTest, OneLeaderAndSharedContacts) {
  auto other = std::move(Store::Open(uri_)).value();
  EXPECT_TRUE(store_->Lead());
  EXPECT_TRUE(store_->Lead());
  EXPECT_FALSE(other->Lead());
  auto merged = other->ShareContacts("b", {{"host-1", 50}, {"host-2", 2000}});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  merged = store_->ShareContacts("a", {{"host-2", 100}});
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->size(), 2u);
  EXPECT_LT(merged->at("host-1").age_ms, 1000);
  EXPECT_LT(merged->at("host-2").age_ms, 1000);  // a's is the latest
  store_.reset();
  bool took = false;
  for (int i = 0; i < 50 && !took; ++i) {
    took = other->Lead();
    if (!took) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(took);
}

INSTANTIATE_TEST_SUITE_P(Postgres, PgStoreTest, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

TEST(StoreOpen, RefusesAnUnknownScheme) {
  auto s = Store::Open("mysql://x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidParameter);
}

}  // namespace openecs
