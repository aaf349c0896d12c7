// Several servers on one shared store (service/cloud.h, "Several servers"): two Clouds on one
// PostgreSQL schema, as two ecsd servers would be. Runs when OPENECS_TEST_PG names a database
// (scripts/test sets it); skipped otherwise.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "service/cloud.h"
#include "store/store.h"

namespace openecs {
namespace {

class SharedCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("OPENECS_TEST_PG");
    if (!base) GTEST_SKIP() << "PostgreSQL skipped: OPENECS_TEST_PG is not set";
    base_ = base;
    schema_ = "store_test_" + RandomHex(6);
    ASSERT_EQ(Psql("CREATE SCHEMA " + schema_), 0);
    std::string uri = base_ + (base_.find('?') == std::string::npos ? "?" : "&") +
                      "options=-csearch_path%3D" + schema_;
    for (int k = 0; k < 2; ++k) {
      auto store = Store::Open(uri);
      ASSERT_TRUE(store.ok()) << store.error().message;
      stores_.push_back(std::move(*store));
      auto cloud = Cloud::Open(stores_.back().get(), CloudConfig{});
      ASSERT_TRUE(cloud.ok()) << cloud.error().message;
      clouds_.push_back(std::move(*cloud));
    }
  }
  void TearDown() override {
    clouds_.clear();
    stores_.clear();
    if (!schema_.empty()) Psql("DROP SCHEMA " + schema_ + " CASCADE");
  }
  int Psql(const std::string& sql) {
    return std::system(("psql '" + base_ + "' -qc '" + sql + "' >/dev/null 2>&1").c_str());
  }
  Cloud& a() { return *clouds_[0]; }
  Cloud& b() { return *clouds_[1]; }
  static Status PutVpc(Cloud& c, const std::string& id, const std::string& description) {
    return c.Write([&](Txn& txn) {
      Vpc v;
      if (auto it = txn.state().vpcs.find(id); it != txn.state().vpcs.end()) v = it->second;
      v.id = id;
      v.account_id = "acct";
      v.description = description;
      txn.Put(std::move(v));
      return Ok();
    });
  }
  static std::string DescriptionIn(Cloud& c, const std::string& id) {
    return c.Read<std::string>([&](const State& s) {
      auto it = s.vpcs.find(id);
      return it == s.vpcs.end() ? std::string("(none)") : it->second.description;
    });
  }
  // Waits up to 5 s for the follower (no CatchUp call): true if `id` reads `want` in `c`.
  static bool Eventually(Cloud& c, const std::string& id, const std::string& want) {
    for (int i = 0; i < 500; ++i) {
      if (DescriptionIn(c, id) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string base_, schema_;
  std::vector<std::unique_ptr<Store>> stores_;
  std::vector<std::unique_ptr<Cloud>> clouds_;
};

// A write on one server reaches the other by itself (its follower), and so does a deletion.
TEST_F(SharedCloudTest, EachServerSeesTheOthersWrites) {
  ASSERT_TRUE(PutVpc(a(), "vpc-1", "one").ok());
  EXPECT_TRUE(Eventually(b(), "vpc-1", "one"));
  ASSERT_TRUE(PutVpc(b(), "vpc-1", "two").ok());
  EXPECT_TRUE(Eventually(a(), "vpc-1", "two"));
  ASSERT_TRUE(a().Write([](Txn& txn) {
                   txn.Erase<Vpc>("vpc-1");
                   return Ok();
                 })
                  .ok());
  EXPECT_TRUE(Eventually(b(), "vpc-1", "(none)"));
}

// A host enrolled through one server is let in by the other (Cloud::HostPassOf, read by the
// agents' requests without the state's lock), and a host removed on one is unknown to both.
TEST_F(SharedCloudTest, AHostsPassReachesTheOtherServer) {
  ASSERT_TRUE(a().Write([](Txn& txn) {
                   Host h;
                   h.id = "host-1";
                   h.key_hash = "k1";
                   h.vpc_data_plane = true;
                   txn.Put(h);
                   return Ok();
                 })
                  .ok());
  b().CatchUp();
  auto pass = b().HostPassOf("host-1");
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->key_hash, "k1");
  EXPECT_TRUE(pass->vpc_data_plane);
  ASSERT_TRUE(b().Write([](Txn& txn) {
                   txn.Erase<Host>("host-1");
                   return Ok();
                 })
                  .ok());
  EXPECT_FALSE(b().HostPassOf("host-1"));
  a().CatchUp();
  EXPECT_FALSE(a().HostPassOf("host-1"));
}

// A Write runs on the records as the store has them, whatever the follower has taken in yet:
// it sees the other server's commit made just before, and the two servers' writes to one
// record, interleaved, lose none (no conflict error, no lost update).
TEST_F(SharedCloudTest, WritesSeeEverythingCommittedBeforeThem) {
  ASSERT_TRUE(PutVpc(a(), "vpc-1", "0").ok());
  std::atomic<int> failures{0};
  auto add = [&](Cloud& c) {
    for (int i = 0; i < 100; ++i) {
      Status st = c.Write([](Txn& txn) {
        Vpc& v = txn.state().vpcs.at("vpc-1");
        v.description = std::to_string(std::stoi(v.description) + 1);
        txn.Touch(v);
        return Ok();
      });
      if (!st.ok()) ++failures;
    }
  };
  std::thread ta([&] { add(a()); });
  std::thread tb([&] { add(b()); });
  ta.join();
  tb.join();
  EXPECT_EQ(failures, 0);
  b().CatchUp();
  a().CatchUp();
  EXPECT_EQ(DescriptionIn(a(), "vpc-1"), "200");
  EXPECT_EQ(DescriptionIn(b(), "vpc-1"), "200");
}

// What another server commits wakes this server's agents' long-polls for the hosts it concerns.
TEST_F(SharedCloudTest, AnotherServersCommitWakesTheHostsItConcerns) {
  std::atomic<bool> woken{false};
  b().SetWakeListener([&](const HostWake& w) {
    if (w.hosts.count("host-1")) woken = true;
  });
  int64_t before = b().HostRevision("host-1", false);
  ASSERT_TRUE(a().Write([](Txn& txn) {
                   Instance i;
                   i.id = "i-1";
                   i.account_id = "acct";
                   i.host_id = "host-1";
                   txn.Put(std::move(i));
                   return Ok();
                 })
                  .ok());
  for (int i = 0; i < 500 && !woken; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(woken);
  EXPECT_GT(b().HostRevision("host-1", false), before);
  EXPECT_EQ(
      b().Read<std::set<std::string>>([](const State& s) { return s.index.InstancesOn("host-1"); }),
      std::set<std::string>{"i-1"});
  b().SetWakeListener(nullptr);
}

// What an agent reports to one server and no server stores (a console, a guest agent's
// heartbeat) is answered by the other too.
TEST_F(SharedCloudTest, ConsolesAndHeartbeatsReachTheOtherServer) {
  a().SetConsole("i-1", "login:");
  a().SetGuestAgents({{"i-1", true}});
  bool seen = false;
  for (int i = 0; i < 300 && !seen; ++i) {
    seen = b().Console("i-1") == "login:" && b().GuestAgent("i-1").alive;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
  EXPECT_GT(b().GuestAgent("i-1").last_alive_ms, 0);
  // A change is shared at once (not held back like an unchanged heartbeat).
  a().SetGuestAgents({{"i-1", false}});
  a().SetConsole("i-1", "");
  seen = false;
  for (int i = 0; i < 300 && !seen; ++i) {
    seen = b().Console("i-1").empty() && !b().GuestAgent("i-1").alive;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(seen);
}

// One ClientToken on two servers: the call that commits first records it; the other's first
// Write finds it recorded and refuses (LastTokenProcessing), changing nothing, so a retry
// answers from the record instead of making a second set.
TEST_F(SharedCloudTest, ATokenRecordedOnOneServerStopsTheSameCallOnTheOther) {
  {
    TokenScope scope("acct/CreateVpc/tok", "fp");
    ASSERT_TRUE(PutVpc(a(), "vpc-1", "first").ok());
    EXPECT_TRUE(scope.recorded);
  }
  TokenScope scope("acct/CreateVpc/tok", "fp");
  Status st = PutVpc(b(), "vpc-2", "second");  // no CatchUp first: the Write itself must see it
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kLastTokenProcessing);
  EXPECT_FALSE(scope.recorded);
  EXPECT_EQ(DescriptionIn(b(), "vpc-2"), "(none)");
  EXPECT_EQ(b().Read<std::vector<std::string>>(
                [](const State& s) { return s.idempotency.at("acct/CreateVpc/tok").made; }),
            std::vector<std::string>{"vpc:vpc-1"});
}

// A server started after others wrote loads what they wrote.
TEST_F(SharedCloudTest, ALaterServerLoadsEverything) {
  ASSERT_TRUE(PutVpc(a(), "vpc-1", "one").ok());
  clouds_[1].reset();
  ASSERT_TRUE(PutVpc(a(), "vpc-2", "two").ok());
  clouds_[1] = std::move(Cloud::Open(stores_[1].get(), CloudConfig{})).value();
  EXPECT_EQ(DescriptionIn(b(), "vpc-1"), "one");
  EXPECT_EQ(DescriptionIn(b(), "vpc-2"), "two");
}

}  // namespace
}  // namespace openecs
