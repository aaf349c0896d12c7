#include "net/vpc_network.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "net/names.h"
#include "sys/exec.h"

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

namespace openecs {
namespace {

// The commands Apply runs, against a fake that answers the listings the code reads.
struct FakeCommands {
  std::vector<std::string> ran;
  std::string static_routes;  // what "ip route show ... proto static" lists
  Result<std::string> operator()(const std::vector<std::string>& argv) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    ran.push_back(cmd);
    if (cmd.find("route show table main proto static") != std::string::npos) return static_routes;
    if (cmd.find("link show uplink") != std::string::npos ||
        cmd.find("link show vxlan") != std::string::npos)
      return MakeError(ErrorCode::kInternalError, "Device does not exist");
    // A next hop whose tap is not here: the kernel refuses the route.
    if (cmd.find("via 10.0.1.99") != std::string::npos)
      return MakeError(ErrorCode::kInternalError, "Nexthop has invalid gateway");
    return std::string();
  }
  bool Ran(const std::string& cmd) const {
    return std::find(ran.begin(), ran.end(), cmd) != ran.end();
  }
  size_t Count(const std::string& part) const {
    return std::count_if(ran.begin(), ran.end(),
                         [&](const std::string& c) { return c.find(part) != std::string::npos; });
  }
};

DesiredNic NicIn(const std::string& vpc, const std::string& eni, const std::string& ip) {
  DesiredNic n;
  n.eni_id = eni;
  n.mac = "00:16:3e:00:00:01";
  n.ip = ip;
  n.vpc_id = vpc;
  n.vni = 7;
  n.vswitch_id = "vsw-1";
  n.cidr = "10.0.1.0/24";
  n.gateway = "10.0.1.253";
  return n;
}

TEST(VpcNetworks, CustomRoutesAreMadeExactlyAndPolicyRulesOnce) {
  char tmpl[] = "/tmp/openecs-net-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  FakeCommands fake;
  fake.static_routes =
      "10.8.0.0/16 via 10.0.1.5 dev oeaaaa proto static\n"  // no entry wants it any more
      "10.9.0.0/16 via 10.0.1.4 dev oebbbb proto static\n"  // now via another next hop
      "10.7.0.1 via 10.0.1.5 dev oeaaaa proto static\n";    // as wanted: left alone
  ScopedCommandRunner runner([&](const std::vector<std::string>& argv) { return fake(argv); });
  VpcNetworks net(dir, "192.0.2.1");
  const std::string vpc = "vpc-routetest", ns = "oe-vpc-routetest";
  DesiredNic router = NicIn(vpc, "eni-router", "10.0.1.5");
  router.routed_cidrs = {"10.9.0.0/16", "10.7.0.1/32"};
  DesiredNic stopped = NicIn(vpc, "eni-stopped", "10.0.1.99");
  stopped.routed_cidrs = {"10.6.0.0/16"};
  RemoteAddress remote{vpc, 7, "10.0.1.9", "192.0.2.2", {"0.0.0.0/0"}};
  ASSERT_TRUE(net.Apply({router, stopped}, {remote}).ok());

  EXPECT_TRUE(fake.Ran("ip -n " + ns + " route del 10.8.0.0/16 table main proto static"));
  EXPECT_TRUE(fake.Ran("ip -n " + ns + " route replace 10.9.0.0/16 via 10.0.1.5 proto static"));
  EXPECT_TRUE(fake.Ran("ip -n " + ns + " route replace 0.0.0.0/0 via 10.0.1.9 proto static"));
  EXPECT_EQ(fake.Count("10.7.0.1"), 0u);  // already in force
  // Unreachable next hop (its guest is stopped): tried, refused, and Apply still succeeds.
  EXPECT_TRUE(fake.Ran("ip -n " + ns + " route replace 10.6.0.0/16 via 10.0.1.99 proto static"));
  // The policy rules, and a reverse-path filter that cannot drop forwarded replies.
  EXPECT_TRUE(
      fake.Ran("ip -n " + ns + " -4 rule add pref 1000 lookup main suppress_prefixlength 0"));
  EXPECT_TRUE(fake.Ran("ip -n " + ns + " -4 rule add pref 1001 fwmark " + kPublicRouteMark +
                       " lookup " + kUplinkTable));
  EXPECT_EQ(fake.Count("rp_filter"), 3u);  // all, default, and the VXLAN device
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace openecs
