#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

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

}  // namespace openecs
