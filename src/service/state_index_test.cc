// State::index (service/state_index.h) through a Cloud: what PoolOf and Capacities read from it
// follows puts, in-place changes, erasures, a failed commit's revert and a reload, and is
// always what a scan of the records would give.
#include <gtest/gtest.h>

#include "common/ipv4.h"
#include "service/capacity.h"
#include "service/cloud_test_fixture.h"
#include "service/network_service.h"

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
      fresh.Rebuild(s.instances, s.enis, s.disks);
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

}  // namespace
}  // namespace openecs
