// Which hosts a commit wakes (service/host_wake.h), seen through a Cloud's wake listener and
// HostRevision, and the long-polls that wait for it (service/pull_waiters.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/clock.h"
#include "service/cloud_test_fixture.h"
#include "service/pull_waiters.h"

namespace openecs {
namespace {

class HostWakeTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    cloud_->SetWakeListener([this](const HostWake& w) { wakes_.push_back(w); });
    Commit([](Txn& txn) {
      for (const char* id : {"h-a", "h-b", "h-c", "h-p1", "h-p2"}) {
        Host h;
        h.id = id;
        if (id[2] == 'p') h.storage = "rbd:fsid/pool";
        txn.Put(h);
      }
    });
    AddInstance("i-1", "h-a", "10.0.0.5");
  }
  // An instance on `host` in vpc-1 at `ip`, in a commit of its own.
  void AddInstance(const std::string& id, const std::string& host, const std::string& ip) {
    Commit([&](Txn& txn) {
      Instance i;
      i.id = id;
      i.host_id = host;
      i.vpc_id = "vpc-1";
      i.private_ip = ip;
      txn.Put(i);
    });
  }
  void Commit(const std::function<void(Txn&)>& fn) {
    wakes_.clear();
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) {
                      fn(txn);
                      return Ok();
                    })
                    .ok());
  }
  // The one wake of the last commit.
  HostWake Last() {
    EXPECT_EQ(wakes_.size(), 1u);
    return wakes_.empty() ? HostWake{} : wakes_.back();
  }
  void Change(const std::function<void(Instance&)>& fn) {
    Commit([&](Txn& txn) {
      Instance& i = txn.state().instances.at("i-1");
      fn(i);
      txn.Touch(i);
    });
  }
  std::vector<HostWake> wakes_;
};

TEST_F(HostWakeTest, AnInstanceConcernsItsHostAndItsAddressesConcernTheDataPlanes) {
  // A new instance: its host, and the data planes (its address is new to the VPC).
  AddInstance("i-2", "h-b", "10.0.0.6");
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-b"});
  EXPECT_TRUE(Last().data_planes);
  EXPECT_FALSE(Last().all);

  // A report: its status alone concerns its host alone.
  int64_t b_before = cloud_->HostRevision("h-b", false);
  int64_t c_before = cloud_->HostRevision("h-c", true);
  Change([](Instance& i) { i.status = InstanceStatus::kRunning; });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-a"});
  EXPECT_FALSE(Last().data_planes);
  EXPECT_FALSE(Last().Concerns("h-b", true));
  EXPECT_EQ(cloud_->HostRevision("h-b", false), b_before) << "h-b was not woken";
  EXPECT_EQ(cloud_->HostRevision("h-c", true), c_before) << "nor a data plane";
  EXPECT_GT(cloud_->HostRevision("h-a", false), b_before);

  // A move concerns both hosts, and the data planes (the address is elsewhere now).
  Change([](Instance& i) { i.host_id = "h-c"; });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-c"}));
  EXPECT_TRUE(Last().data_planes);
  EXPECT_GT(cloud_->HostRevision("h-b", true), c_before) << "a data plane host is woken";
  EXPECT_EQ(cloud_->HostRevision("h-b", false), b_before) << "a host without one is not";

  // Security groups: their members' rules. Release: gone from its host and the VPC.
  Change([](Instance& i) { i.security_group_ids = {"sg-1"}; });
  EXPECT_TRUE(Last().data_planes);
  Commit([](Txn& txn) { txn.Erase<Instance>("i-1"); });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-c"});
  EXPECT_TRUE(Last().data_planes);
}

TEST_F(HostWakeTest, ADiskConcernsItsHostItsInstancesHostAndThePoolsHosts) {
  Commit([](Txn& txn) {
    Disk d;
    d.id = "d-1";
    d.host_id = "h-b";
    d.instance_id = "i-1";  // on h-a
    txn.Put(d);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-b"}));
  EXPECT_FALSE(Last().data_planes);
  Commit([](Txn& txn) {
    Disk d;
    d.id = "d-2";
    d.host_id = "h-p1";
    txn.Put(d);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-p1", "h-p2"})) << "every host of the pool";
  // A disk no host has made yet concerns nobody; a record of another kind that shapes the
  // desired state concerns everybody; one that does not, nobody.
  Commit([](Txn& txn) {
    Disk d;
    d.id = "d-3";
    txn.Put(d);
  });
  EXPECT_TRUE(wakes_.empty());
  Commit([](Txn& txn) {
    SecurityGroup g;
    g.id = "sg-1";
    txn.Put(g);
  });
  // Only the merged rules read a group: the hosts that build VPCs.
  EXPECT_TRUE(Last().data_planes);
  EXPECT_FALSE(Last().all);
  EXPECT_TRUE(Last().hosts.empty());
  Commit([](Txn& txn) {
    Task t;
    t.id = "t-1";
    txn.Put(t);
  });
  EXPECT_TRUE(wakes_.empty());
  // A host that registers again (a new underlay address): itself and the data planes.
  Commit([](Txn& txn) {
    Host& h = txn.state().hosts.at("h-c");
    h.underlay_ip = "192.0.2.7";
    txn.Touch(h);
  });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-c"});
  EXPECT_TRUE(Last().data_planes);
}

TEST_F(HostWakeTest, WorkAskedOfSomeGuestsHostsConcernsThoseHostsOnly) {
  AddInstance("i-2", "h-b", "10.0.0.6");
  // A command run on i-1 (h-a) and i-2 (h-b), and each report that moves it: their hosts.
  Commit([](Txn& txn) {
    Invocation inv;
    inv.id = "t-run";
    inv.targets = {{"i-1"}, {"i-2"}};
    txn.Put(inv);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-b"}));
  EXPECT_FALSE(Last().all);
  EXPECT_FALSE(Last().data_planes);
  Commit([](Txn& txn) {
    Invocation& inv = txn.state().invocations.at("t-run");
    inv.targets[0].status = "Running";
    txn.Touch(inv);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-b"}));
  EXPECT_FALSE(Last().all);
  // A screenshot asked of i-1, a session to i-2: their host.
  Commit([](Txn& txn) {
    GuestRequest r;
    r.id = "gr-1";
    r.instance_id = "i-1";
    txn.Put(r);
  });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-a"});
  Commit([](Txn& txn) {
    TerminalSession t;
    t.id = "s-1";
    t.instance_id = "i-2";
    txn.Put(t);
  });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-b"});
  // A snapshot on pool storage: every host of the pool (they keep its file), and the host
  // making an image from it.
  Commit([](Txn& txn) {
    CustomImage m;
    m.id = "m-1";
    m.snapshot_id = "s-snap";
    m.host_id = "h-c";
    txn.Put(m);
  });
  Commit([](Txn& txn) {
    Snapshot snap;
    snap.id = "s-snap";
    snap.host_id = "h-p1";
    txn.Put(snap);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-p1", "h-p2", "h-c"}));
  EXPECT_FALSE(Last().all);
  // Gone: what it named is not known any more, every host.
  Commit([](Txn& txn) { txn.Erase<Invocation>("t-run"); });
  EXPECT_TRUE(Last().all);
  Commit([](Txn& txn) { txn.Erase<Snapshot>("s-snap"); });
  EXPECT_TRUE(Last().all);
}

TEST_F(HostWakeTest, AnEchoMovesItsHostsStateRevisionWithoutWakingIt) {
  int64_t woken = cloud_->HostRevision("h-a", false);
  int64_t state = cloud_->HostStateRevision("h-a", false);
  EXPECT_EQ(state, woken);
  // What h-a reported, echoed: nobody is woken, but h-a's next answer is a newer state.
  Commit([](Txn& txn) {
    Instance& i = txn.state().instances.at("i-1");
    i.status = InstanceStatus::kRunning;
    txn.Touch(i);
    txn.Echo(i.id);
  });
  EXPECT_TRUE(wakes_.empty()) << "no long-poll is ended for an echo";
  EXPECT_EQ(cloud_->HostRevision("h-a", false), woken);
  EXPECT_GT(cloud_->HostStateRevision("h-a", false), state);
  EXPECT_EQ(cloud_->HostStateRevision("h-b", false), cloud_->HostRevision("h-b", false));
  // A commit that is news to h-a wakes it past the echo.
  int64_t echoed = cloud_->HostStateRevision("h-a", false);
  Change([](Instance& i) { i.desired = DesiredPower::kStopped; });
  EXPECT_EQ(Last().hosts, std::set<std::string>{"h-a"});
  EXPECT_GT(cloud_->HostRevision("h-a", false), echoed);
  // An "echo" that moves the instance is no echo: both hosts and the data planes hear of it.
  Commit([](Txn& txn) {
    Instance& i = txn.state().instances.at("i-1");
    i.host_id = "h-b";
    txn.Touch(i);
    txn.Echo(i.id);
  });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-b"}));
  EXPECT_TRUE(Last().data_planes);
  EXPECT_TRUE(Last().echoed.empty());
}

TEST_F(HostWakeTest, TheFootprintsSurviveAReload) {
  ReopenCloud();
  cloud_->SetWakeListener([this](const HostWake& w) { wakes_.push_back(w); });
  // What i-1 was is known after the reload: moving it concerns the host it left.
  Change([](Instance& i) { i.host_id = "h-b"; });
  EXPECT_EQ(Last().hosts, (std::set<std::string>{"h-a", "h-b"}));
}

TEST(PullWaitersTest, AWaiterEndsOnceByAWakeOfItsHostOrAtItsDeadline) {
  std::mutex mu;
  std::vector<std::pair<std::string, bool>> ended;  // host, timed out
  PullWaiters waiters([&](PullWaiters::Waiter w, bool timed_out) {
    std::lock_guard<std::mutex> lock(mu);
    ended.push_back({w.host_id, timed_out});
  });
  auto add = [&](const std::string& host, bool data_plane, int wait_ms) {
    return waiters.Add({host, data_plane, SteadyMillis() + wait_ms, [](bool) {}},
                       [] { return true; });
  };
  ASSERT_TRUE(add("h-a", false, 60000));
  ASSERT_TRUE(add("h-b", true, 60000));
  ASSERT_TRUE(add("h-c", false, 150));
  // Something new already: not added.
  EXPECT_FALSE(
      waiters.Add({"h-d", false, SteadyMillis() + 60000, [](bool) {}}, [] { return false; }));
  EXPECT_EQ(waiters.size(), 3u);

  HostWake other;
  other.hosts = {"h-x"};
  waiters.Wake(other);
  HostWake planes;
  planes.data_planes = true;
  waiters.Wake(planes);
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0], (std::pair<std::string, bool>{"h-b", false}));
  }
  // h-c's deadline passes.
  for (int k = 0; k < 100 && waiters.size() > 1; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(ended.size(), 2u);
    EXPECT_EQ(ended[1], (std::pair<std::string, bool>{"h-c", true}));
  }
  // Stop ends h-a's as timed out, and takes no more.
  waiters.Stop();
  EXPECT_FALSE(add("h-e", false, 60000));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ended.size(), 3u);
  EXPECT_EQ(ended[2], (std::pair<std::string, bool>{"h-a", true}));
}

// A stopping agent's pull is released: its host's waiters end now, as timed out (answered
// unchanged), the other hosts' wait on.
TEST(PullWaitersTest, ReleaseEndsTheHostsWaitersOnlyAsTimedOut) {
  std::mutex mu;
  std::vector<std::pair<std::string, bool>> ended;  // host, timed out
  PullWaiters waiters([&](PullWaiters::Waiter w, bool timed_out) {
    std::lock_guard<std::mutex> lock(mu);
    ended.push_back({w.host_id, timed_out});
  });
  for (const char* host : {"h-a", "h-b"})
    ASSERT_TRUE(
        waiters.Add({host, false, SteadyMillis() + 60000, [](bool) {}}, [] { return true; }));
  waiters.Release("h-b");
  waiters.Release("h-x");
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0], (std::pair<std::string, bool>{"h-b", true}));
  }
  EXPECT_EQ(waiters.size(), 1u);
  // Stop ends h-a's (timed out); a Release after it hands out nothing more.
  waiters.Stop();
  waiters.Release("h-a");
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[1], (std::pair<std::string, bool>{"h-a", true}));
}

// Waiters sharing a deadline, some woken before it: each ends once, the woken ones not again at
// the deadline, the others then, in the order of their deadlines.
TEST(PullWaitersTest, WaitersSharingADeadlineEndEachOnceWokenOrAtIt) {
  std::mutex mu;
  std::vector<std::pair<std::string, bool>> ended;  // host, timed out
  PullWaiters waiters([&](PullWaiters::Waiter w, bool timed_out) {
    std::lock_guard<std::mutex> lock(mu);
    ended.push_back({w.host_id, timed_out});
  });
  int64_t at = SteadyMillis() + 200;
  for (const char* host : {"h-a", "h-b", "h-c", "h-b"})
    ASSERT_TRUE(waiters.Add({host, false, at, [](bool) {}}, [] { return true; }));
  ASSERT_TRUE(waiters.Add({"h-d", false, at - 100, [](bool) {}}, [] { return true; }));
  HostWake b;
  b.hosts = {"h-b"};
  waiters.Wake(b);
  for (int k = 0; k < 100 && waiters.size() > 0; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard<std::mutex> lock(mu);
  using E = std::pair<std::string, bool>;
  EXPECT_EQ(ended,
            (std::vector<E>{
                {"h-b", false}, {"h-b", false}, {"h-d", true}, {"h-a", true}, {"h-c", true}}));
}

}  // namespace
}  // namespace openecs
