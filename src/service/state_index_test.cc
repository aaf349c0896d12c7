// State::index (service/state_index.h) through a Cloud: what PoolOf and Capacities read from it
// follows puts, in-place changes, erasures, a failed commit's revert and a reload, and is
// always what a scan of the records would give.
#include <gtest/gtest.h>

#include <set>

#include "common/ipv4.h"
#include "service/assistant_service.h"
#include "service/capacity.h"
#include "service/cloud_test_fixture.h"
#include "service/network_service.h"
#include "service/session_service.h"
#include "service/snapshot_service.h"

namespace openecs {
namespace {

class StateIndexTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    ASSERT_TRUE(cloud_
                    ->Write([](Txn& txn) {
                      VSwitch v;
                      v.id = "vsw-1";
                      v.cidr_block = "10.0.0.0/29";  // usable: .1 .. .4
                      txn.Put(v);
                      Host h;
                      h.id = "host-1";
                      h.vcpus = 16;
                      h.memory_mb = 65536;
                      txn.Put(h);
                      return Ok();
                    })
                    .ok());
  }
  Status PutInstance(const std::string& id, const std::string& ip, int cpu) {
    return cloud_->Write([&](Txn& txn) {
      Instance i;
      i.id = id;
      i.vswitch_id = "vsw-1";
      i.private_ip = ip;
      i.host_id = "host-1";
      i.claimed = true;
      i.cpu = cpu;
      i.memory_mb = cpu * 1024;
      txn.Put(i);
      return Ok();
    });
  }
  // What a launch would see: the next free address and the vCPUs claimed on host-1.
  std::pair<std::string, int> Seen() {
    return cloud_->Read<std::pair<std::string, int>>([](const State& s) {
      IpPool pool = PoolOf(s, s.vswitches.at("vsw-1"));
      auto next = pool.Next();
      int used = 0;
      for (const auto& h : Capacities(s))
        if (h.host_id == "host-1") used = h.used_vcpus;
      return std::pair{next ? FormatIpv4(*next) : std::string("none"), used};
    });
  }
  bool MatchesRecords() {
    return cloud_->Read<bool>([](const State& s) {
      StateIndex fresh;
      fresh.Rebuild(s);
      return fresh == s.index;
    });
  }
};

TEST_F(StateIndexTest, FollowsPutsChangesAndErasures) {
  EXPECT_EQ(Seen(), (std::pair<std::string, int>{"10.0.0.1", 0}));
  ASSERT_TRUE(PutInstance("i-1", "10.0.0.1", 2).ok());
  ASSERT_TRUE(PutInstance("i-2", "10.0.0.2", 4).ok());
  EXPECT_EQ(Seen(), (std::pair<std::string, int>{"10.0.0.3", 6}));
  // Changed in place and touched: a secondary address taken, the claim let go.
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    Instance& i = txn.state().instances.at("i-1");
                    i.secondary_ips = {"10.0.0.3"};
                    i.claimed = false;
                    txn.Touch(i);
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(Seen(), (std::pair<std::string, int>{"10.0.0.4", 4}));
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    txn.Erase<Instance>("i-2");
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(Seen(), (std::pair<std::string, int>{"10.0.0.2", 0}));
  EXPECT_TRUE(MatchesRecords());
  // A restart loads the index with the records.
  ReopenCloud();
  EXPECT_EQ(Seen(), (std::pair<std::string, int>{"10.0.0.2", 0}));
  EXPECT_TRUE(MatchesRecords());
}

// The instances with an AutoReleaseTime: set, cancelled, released; and after a restart.
TEST_F(StateIndexTest, ListsTheInstancesThatHaveAnAutoReleaseTime) {
  auto release_at = [&](const std::string& id, int64_t at) {
    return cloud_->Write([&](Txn& txn) {
      Instance& i = txn.state().instances.at(id);
      i.auto_release_time = at;
      txn.Touch(i);
      return Ok();
    });
  };
  auto listed = [&] {
    return cloud_->Read<std::set<std::string>>(
        [](const State& s) { return s.index.auto_release(); });
  };
  ASSERT_TRUE(PutInstance("i-1", "10.0.0.1", 1).ok());
  ASSERT_TRUE(PutInstance("i-2", "10.0.0.2", 1).ok());
  EXPECT_TRUE(listed().empty());
  ASSERT_TRUE(release_at("i-1", 1000).ok());
  ASSERT_TRUE(release_at("i-2", 2000).ok());
  EXPECT_EQ(listed(), (std::set<std::string>{"i-1", "i-2"}));
  ASSERT_TRUE(release_at("i-2", 0).ok());  // cancelled
  EXPECT_EQ(listed(), (std::set<std::string>{"i-1"}));
  ReopenCloud();
  EXPECT_EQ(listed(), (std::set<std::string>{"i-1"}));
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    txn.Erase<Instance>("i-1");
                    return Ok();
                  })
                  .ok());
  EXPECT_TRUE(listed().empty());
  EXPECT_TRUE(MatchesRecords());
}

TEST_F(StateIndexTest, AnAccountsInstancesAreFoundByTheirPositionInIdOrder) {
  auto put = [&](const std::string& id, const std::string& account) {
    return cloud_->Write([&](Txn& txn) {
      Instance i;
      i.id = id;
      i.account_id = account;
      txn.Put(i);
      return Ok();
    });
  };
  for (const char* id : {"i-c", "i-a", "i-e", "i-b"}) ASSERT_TRUE(put(id, "acct-1").ok());
  ASSERT_TRUE(put("i-d", "acct-2").ok());
  // What a page reads: the id at each position of the account's instances.
  auto page = [&](const std::string& account) {
    return cloud_->Read<std::vector<std::string>>([&](const State& s) {
      const auto& ranked = s.index.InstancesOf(account);
      std::vector<std::string> out;
      for (size_t k = 0; k < ranked.size(); ++k) out.push_back(*ranked.find_by_order(k));
      return out;
    });
  };
  EXPECT_EQ(page("acct-1"), (std::vector<std::string>{"i-a", "i-b", "i-c", "i-e"}));
  EXPECT_EQ(page("acct-2"), (std::vector<std::string>{"i-d"}));
  EXPECT_TRUE(page("acct-3").empty());
  // Released, and moved to another account (changed in place): each list follows.
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    txn.Erase<Instance>("i-b");
                    Instance& i = txn.state().instances.at("i-c");
                    i.account_id = "acct-2";
                    txn.Touch(i);
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(page("acct-1"), (std::vector<std::string>{"i-a", "i-e"}));
  EXPECT_EQ(page("acct-2"), (std::vector<std::string>{"i-c", "i-d"}));
  EXPECT_TRUE(MatchesRecords());
  ReopenCloud();
  EXPECT_EQ(page("acct-1"), (std::vector<std::string>{"i-a", "i-e"}));
  EXPECT_TRUE(MatchesRecords());
}

TEST_F(StateIndexTest, AFullBlockHasNoNextAddressAndAReleasedOneIsFreeAgain) {
  for (int k = 1; k <= 4; ++k)
    ASSERT_TRUE(PutInstance("i-" + std::to_string(k), "10.0.0." + std::to_string(k), 1).ok());
  EXPECT_EQ(Seen().first, "none");
  cloud_->Read<int>([](const State& s) {
    IpPool pool = PoolOf(s, s.vswitches.at("vsw-1"));
    EXPECT_EQ(pool.InUseCount(), 4);
    pool.Release(*ParseIpv4("10.0.0.2"));  // what moving an instance's own address does
    EXPECT_EQ(pool.InUseCount(), 3);
    EXPECT_FALSE(pool.InUse(*ParseIpv4("10.0.0.2")));
    EXPECT_EQ(pool.Next(), ParseIpv4("10.0.0.2"));
    EXPECT_EQ(pool.Next(), std::nullopt);
    return 0;
  });
}

// What a host's pull lists of snapshots and guest work comes from the index: its own records
// (and those of hosts sharing its storage), the open ones only, following every change.
TEST_F(StateIndexTest, APullListsOnlyItsHostsOpenSnapshotAndGuestWork) {
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    for (const char* id : {"host-2", "host-3"}) {
                      Host h;
                      h.id = id;
                      h.storage = id == std::string("host-2") ? "" : "pool-a";
                      txn.Put(h);
                    }
                    txn.state().hosts.at("host-1").storage = "pool-a";
                    txn.Touch(txn.state().hosts.at("host-1"));
                    for (int k : {1, 2}) {
                      Instance i;
                      i.id = "i-" + std::to_string(k);
                      i.host_id = "host-" + std::to_string(k);
                      i.status = InstanceStatus::kRunning;
                      txn.Put(i);
                      Disk d;
                      d.id = "d-" + std::to_string(k);
                      d.instance_id = i.id;
                      d.host_id = i.host_id;
                      txn.Put(d);
                    }
                    // s-1 progressing on host-1, s-2 made on host-3 (same pool), s-3 on host-2.
                    using S = std::tuple<std::string, std::string, std::string>;
                    for (const auto& [id, host, status] :
                         {S{"s-1", "host-1", "progressing"}, S{"s-2", "host-3", "accomplished"},
                          S{"s-3", "host-2", "progressing"}}) {
                      Snapshot snap;
                      snap.id = id;
                      snap.host_id = host;
                      snap.status = status;
                      snap.disk_id = host == "host-2" ? "d-2" : "d-1";
                      txn.Put(snap);
                    }
                    Invocation inv;
                    inv.id = "t-1";
                    inv.targets.resize(2);
                    inv.targets[0].instance_id = "i-1";
                    inv.targets[1].instance_id = "i-2";
                    inv.targets[1].status = "Success";
                    txn.Put(inv);
                    inv.id = "t-0";  // history: every target finished
                    inv.targets[0].status = "Failed";
                    txn.Put(inv);
                    GuestRequest r;
                    r.id = "gr-1";
                    r.instance_id = "i-1";
                    txn.Put(r);
                    r.id = "gr-0";
                    r.state = "done";
                    txn.Put(r);
                    TerminalSession t;
                    t.id = "ts-1";
                    t.instance_id = "i-1";
                    txn.Put(t);
                    return Ok();
                  })
                  .ok());
  auto lists = [&](const std::string& host) {
    return cloud_->Read<std::vector<std::string>>([&](const State& s) {
      std::vector<std::string> out;
      for (const auto& snap : SnapshotsToMake(s, host)) out.push_back("make " + snap.snapshot_id);
      for (const auto& id : SnapshotsKept(s, host)) out.push_back("keep " + id);
      for (const auto& inv : InvocationsFor(s, host))
        out.push_back("run " + inv.invoke_id + " " + inv.instance_id);
      for (const auto& r : GuestRequestsFor(s, host)) out.push_back("ask " + r.request_id);
      for (const auto& t : SessionsFor(s, host)) out.push_back("open " + t.session_id);
      return out;
    });
  };
  using L = std::vector<std::string>;
  EXPECT_EQ(lists("host-1"),
            (L{"make s-1", "keep s-1", "keep s-2", "run t-1 i-1", "ask gr-1", "open ts-1"}));
  EXPECT_EQ(lists("host-2"), (L{"make s-3", "keep s-3"}));
  EXPECT_EQ(lists("host-3"), (L{"keep s-1", "keep s-2"}));
  EXPECT_TRUE(MatchesRecords());

  // The work is done, s-1 made, s-3 gone: nothing left to do, the files kept.
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) {
                    State& s = txn.state();
                    s.invocations.at("t-1").targets[0].status = "Success";
                    txn.Touch(s.invocations.at("t-1"));
                    s.guest_requests.at("gr-1").state = "done";
                    txn.Touch(s.guest_requests.at("gr-1"));
                    s.terminal_sessions.at("ts-1").state = "Closed";
                    txn.Touch(s.terminal_sessions.at("ts-1"));
                    s.snapshots.at("s-1").status = "accomplished";
                    txn.Touch(s.snapshots.at("s-1"));
                    txn.Erase<Snapshot>("s-3");
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(lists("host-1"), (L{"keep s-1", "keep s-2"}));
  EXPECT_EQ(lists("host-2"), L{});
  EXPECT_TRUE(MatchesRecords());
}

}  // namespace
}  // namespace openecs
