#include "net/vpc_network.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace openecs {

TEST(VpcNetworks, DhcpRequestsAreReadFromEveryVpcsLeaseFile) {
  char tmpl[] = "/tmp/openecs-net-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::filesystem::create_directories(dir + "/vpc-a");
  std::filesystem::create_directories(dir + "/vpc-b");
  const int64_t lease = VpcNetworks::kDhcpLeaseSeconds;
  std::ofstream(dir + "/vpc-a/leases") << 1000 + lease << " 00:16:3e:00:00:01 10.0.0.1 web *\n"
                                       << 900 + lease << " 00:16:3e:00:00:02 10.0.0.2 * 01:aa\n";
  std::ofstream(dir + "/vpc-b/leases") << 2000 + lease << " 00:16:3e:00:00:03 10.1.0.1 * *\n";
  VpcNetworks net(dir, "192.0.2.1");  // an underlay given: nothing is looked up
  auto got = net.DhcpRequests();
  EXPECT_EQ(got, (std::map<std::string, int64_t>{{"00:16:3e:00:00:01", 1000},
                                                 {"00:16:3e:00:00:02", 900},
                                                 {"00:16:3e:00:00:03", 2000}}));
  std::filesystem::remove_all(dir);
}

}  // namespace openecs
