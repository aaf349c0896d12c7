#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <set>

namespace openecs {

TEST(Scheduler, FiltersByZoneAndCapacityAndSpreads) {
  std::vector<HostCapacity> hosts = {
      {"h1", "local-a", 4, 3, 8192, 1024, 0, 0},
      {"h2", "local-a", 4, 0, 8192, 0, 0, 0},
      {"h3", "local-b", 64, 0, 65536, 0, 0, 0},
  };
  Demand d{"local-a", "", 2, 2048, 0};
  auto pick = PickHost(hosts, d);
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(hosts[*pick].host_id, "h2");  // h1 lacks vCPUs, h3 is in another zone
  Claim(hosts[*pick], d);
  Claim(hosts[*pick], d);
  EXPECT_FALSE(PickHost(hosts, d).has_value());  // zone full: NoStock
  d.zone_id = "";
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h3");
}

TEST(Scheduler, GpuDemandNeedsGpuHost) {
  std::vector<HostCapacity> hosts = {{"h1", "z", 64, 0, 65536, 0, 0, 0},
                                     {"h2", "z", 64, 0, 65536, 0, 2, 0}};
  Demand d{"z", "", 8, 30720, 1};
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h2");
}

TEST(Scheduler, PrefersTheRequestedHostWhenItFits) {
  std::vector<HostCapacity> hosts = {{"h1", "z", 4, 2, 8192, 0, 0, 0},
                                     {"h2", "z", 64, 0, 65536, 0, 0, 0}};
  Demand d{"z", "h1", 2, 1024, 0};
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h1");
}

// Availability: a host holding any member of the set is refused, so a set of N members needs N
// hosts; the N+1st finds none (the caller answers NoStock).
TEST(Scheduler, SharedStorageKeepsToItsHostsAndPrefersTheOneItRanOn) {
  std::vector<HostCapacity> hosts = {{"files", "z", 64, 0, 65536, 0, 0, 0, ""},
                                     {"pool-1", "z", 8, 6, 65536, 0, 0, 0, "rbd:f/p"},
                                     {"pool-2", "z", 8, 0, 65536, 0, 0, 0, "rbd:f/p"},
                                     {"other", "z", 64, 0, 65536, 0, 0, 0, "rbd:g/p"}};
  Demand d{"z", "", 2, 1024, 0};
  d.storage = "rbd:f/p";
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "pool-2");  // the emptier host of the pool
  d.prefer_host = "pool-1";
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "pool-1");  // where it ran, while it has room
  Claim(hosts[1], d);
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "pool-2");
  Claim(hosts[2], Demand{"z", "", 8, 0, 0});
  EXPECT_FALSE(PickHost(hosts, d).has_value());  // never a host of other storage
}

TEST(Scheduler, AvailabilitySetPutsEachMemberOnItsOwnHost) {
  std::vector<HostCapacity> hosts = {{"h1", "z", 64, 0, 65536, 0, 0, 0},
                                     {"h2", "z", 64, 0, 65536, 0, 0, 0},
                                     {"h3", "z", 64, 0, 65536, 0, 0, 0}};
  Demand d{"z", "", 1, 512, 0};
  d.spread = SetSpread::kDistinctHosts;
  std::set<std::string> used;
  for (int n = 0; n < 3; ++n) {
    auto pick = PickHost(hosts, d);
    ASSERT_TRUE(pick.has_value()) << n;
    EXPECT_TRUE(used.insert(hosts[*pick].host_id).second) << "two members on one host";
    Claim(hosts[*pick], d);
    d.set_members[hosts[*pick].host_id].insert(0);
  }
  EXPECT_FALSE(PickHost(hosts, d).has_value());  // plenty of room, but every host holds one
  d.spread = SetSpread::kNone;                   // outside the set the same demand fits
  EXPECT_TRUE(PickHost(hosts, d).has_value());
}

// The filter itself, host by host: the spread rules see only the set's own members.
TEST(Scheduler, DeploymentSetFilterRules) {
  HostCapacity h1{"h1", "z", 8, 0, 8192, 0, 0, 0}, h2{"h2", "z", 8, 0, 8192, 0, 0, 0};
  Demand d{"z", "", 1, 512, 0};
  d.set_members = {{"h1", {2}}};
  d.spread = SetSpread::kDistinctHosts;
  EXPECT_FALSE(DeploymentSetFilter(h1, d));
  EXPECT_TRUE(DeploymentSetFilter(h2, d));
  d.spread = SetSpread::kDistinctGroups;  // group 2 may share h1; group 1 may not
  d.spread_group = 2;
  EXPECT_TRUE(DeploymentSetFilter(h1, d));
  d.spread_group = 1;
  EXPECT_FALSE(DeploymentSetFilter(h1, d));
  EXPECT_TRUE(DeploymentSetFilter(h2, d));
  d.spread = SetSpread::kPack;
  EXPECT_TRUE(DeploymentSetFilter(h1, d));
  d.spread = SetSpread::kNone;
  EXPECT_TRUE(DeploymentSetFilter(h1, d));
}

// LowLatency packs: the host holding members wins even when another has more room.
TEST(Scheduler, LowLatencySetPrefersHostsWithMembers) {
  std::vector<HostCapacity> hosts = {{"h1", "z", 8, 4, 8192, 4096, 0, 0},
                                     {"h2", "z", 64, 0, 65536, 0, 0, 0}};
  Demand d{"z", "", 1, 512, 0};
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h2");
  d.spread = SetSpread::kPack;
  d.set_members = {{"h1", {0}}};
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h1");
  hosts[0].used_vcpus = 8;  // full: it still has to fit
  EXPECT_EQ(hosts[*PickHost(hosts, d)].host_id, "h2");
}

// A lost host takes nothing, not even the instance that asks for it by name; a dedicated host
// takes only its account's instances placed on it, and a shared host none of those.
TEST(Scheduler, PassesOverLostHostsAndKeepsTenancy) {
  std::vector<HostCapacity> hosts = {{"h1", "z", 64, 0, 65536, 0, 0, 0},
                                     {"h2", "z", 8, 0, 16384, 0, 0, 0},
                                     {"h3", "z", 64, 0, 65536, 0, 0, 0}};
  hosts[0].lost = true;
  hosts[2].dedicated_to = "acct-a";
  Demand shared{"z", "", 2, 1024, 0};
  EXPECT_EQ(hosts[*PickHost(hosts, shared)].host_id, "h2");  // h1 is bigger but lost
  Demand named = shared;
  named.require_host = "h1";
  EXPECT_FALSE(PickHost(hosts, named).has_value());
  Demand dedicated = shared;
  dedicated.dedicated_to = "acct-a";
  dedicated.require_host = "h3";
  EXPECT_EQ(hosts[*PickHost(hosts, dedicated)].host_id, "h3");
  dedicated.require_host.clear();
  EXPECT_EQ(hosts[*PickHost(hosts, dedicated)].host_id, "h3");  // never a shared host
  Demand other = dedicated;
  other.dedicated_to = "acct-b";
  EXPECT_FALSE(PickHost(hosts, other).has_value());
  hosts[1].used_vcpus = 8;  // the shared host is full: the dedicated one does not step in
  EXPECT_FALSE(PickHost(hosts, shared).has_value());
}

}  // namespace openecs
