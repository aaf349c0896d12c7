#include "net/ruleset.h"

#include <gtest/gtest.h>

#include "net/names.h"

namespace openecs {
namespace {

DesiredNic Nic(const std::string& eni, const std::string& ip) {
  DesiredNic n;
  n.eni_id = eni;
  n.mac = "00:16:3e:00:00:01";
  n.ip = ip;
  n.vpc_id = "vpc-1";
  n.cidr = "10.1.1.0/24";
  n.gateway = "10.1.1.253";
  return n;
}

TEST(UnderlayFilter, TakesVxlanOnlyFromPeersAndGoesAwayWithoutThem) {
  EXPECT_EQ(BuildUnderlayFilter("192.168.252.1", {"192.168.252.2", "192.168.252.3"}),
            "table inet openecs_underlay\n"
            "delete table inet openecs_underlay\n"
            "table inet openecs_underlay {\n"
            "  set peers {\n"
            "    type ipv4_addr\n"
            "    elements = { 192.168.252.2, 192.168.252.3 }\n"
            "  }\n"
            "  chain input {\n"
            "    type filter hook input priority -50; policy accept;\n"
            "    ip daddr 192.168.252.1 udp dport 4789 ip saddr != @peers counter drop\n"
            "  }\n"
            "}\n");
  // No segment on this host: no filter at all (another VXLAN user of the host is not ours).
  EXPECT_EQ(BuildUnderlayFilter("192.168.252.1", {}),
            "table inet openecs_underlay\ndelete table inet openecs_underlay\n");
}

TEST(VpcRuleset, EmptyVpcStillDropsUnknownTaps) {
  std::string s = BuildVpcRuleset({});
  EXPECT_NE(s.find("iifname \"oe*\" drop"), std::string::npos);
  EXPECT_NE(s.find("oifname \"oe*\" drop"), std::string::npos);
  EXPECT_EQ(s.find("vmap"), std::string::npos);
}

TEST(VpcRuleset, Golden) {
  DesiredNic a = Nic("eni-0000000000001", "10.1.1.5");
  DesiredRule ssh;  // ingress tcp 22 from a block
  ssh.protocol = "tcp";
  ssh.port_from = ssh.port_to = 22;
  ssh.peers = {"10.1.2.0/24"};
  DesiredRule deny_web;  // egress drop tcp 80-81 to two peers
  deny_web.ingress = false;
  deny_web.protocol = "tcp";
  deny_web.port_from = 80;
  deny_web.port_to = 81;
  deny_web.accept = false;
  deny_web.peers = {"10.1.1.6", "10.1.1.7"};
  DesiredRule ping;  // ingress icmp from anyone
  ping.protocol = "icmp";
  a.rules = {ssh, deny_web, ping};
  EXPECT_EQ(BuildVpcRuleset({a}),
            "table inet openecs {\n"
            "  chain spoof {\n"
            "    type filter hook prerouting priority raw; policy accept;\n"
            "    iifname \"oe0000000000001\" ether saddr != 00:16:3e:00:00:01 drop\n"
            "    iifname \"oe0000000000001\" ip saddr 0.0.0.0 udp dport 67 accept\n"
            "    iifname \"oe0000000000001\" ip saddr != 10.1.1.5 drop\n"
            "    iifname \"oe0000000000001\" meta protocol != { ip, arp } drop\n"
            "  }\n"
            "  chain input {\n"
            "    type filter hook input priority filter; policy accept;\n"
            "    iifname \"oe*\" ct state invalid drop\n"
            "  }\n"
            "  chain forward {\n"
            "    type filter hook forward priority filter; policy accept;\n"
            "    oifname \"vxlan\" tcp flags syn tcp option maxseg size set rt mtu\n"
            "    ct state established,related accept\n"
            "    ct state invalid drop\n"
            "    iifname \"oe*\" iifname != { \"oe0000000000001\" } drop\n"
            "    oifname \"oe*\" oifname != { \"oe0000000000001\" } drop\n"
            "    iifname vmap { \"oe0000000000001\" : jump egress_oe0000000000001 }\n"
            "    oifname vmap { \"oe0000000000001\" : jump ingress_oe0000000000001 }\n"
            "    oifname \"uplink\" drop\n"
            "  }\n"
            "  chain egress_oe0000000000001 {\n"
            "    ip daddr 10.1.1.6 meta l4proto tcp th dport 80-81 drop\n"
            "    ip daddr 10.1.1.7 meta l4proto tcp th dport 80-81 drop\n"
            "  }\n"
            "  chain ingress_oe0000000000001 {\n"
            "    ip saddr 10.1.2.0/24 meta l4proto tcp th dport 22 accept\n"
            "    meta l4proto icmp accept\n"
            "    drop\n"
            "  }\n"
            "}\n");
}

TEST(VpcRuleset, AnEniMaySendFromItsSecondaryAddressesOnly) {
  DesiredNic a = Nic("eni-0000000000001", "10.1.1.5");
  a.secondary_ips = {"10.1.1.6", "10.1.1.7"};
  std::string s = BuildVpcRuleset({a});
  EXPECT_NE(s.find("iifname \"oe0000000000001\" ip saddr != { 10.1.1.5, 10.1.1.6, 10.1.1.7 } drop"),
            std::string::npos)
      << s;
}

TEST(VpcRuleset, PublicIpIsOneToOneNatAndOnlyItsOwnerGoesOut) {
  DesiredNic a = Nic("eni-0000000000001", "10.1.1.5");
  a.public_ip = "198.18.0.2";
  DesiredNic b = Nic("eni-0000000000002", "10.1.1.6");
  std::string s = BuildVpcRuleset({a, b});
  EXPECT_NE(s.find("    oifname \"uplink\" ip saddr != { 10.1.1.5 } drop\n"), std::string::npos);
  EXPECT_NE(s.find("type nat hook prerouting priority dstnat;"), std::string::npos);
  EXPECT_NE(s.find("iifname \"uplink\" ip daddr 198.18.0.2 dnat ip to 10.1.1.5\n"),
            std::string::npos);
  EXPECT_NE(s.find("oifname \"uplink\" ip saddr 10.1.1.5 snat ip to 198.18.0.2\n"),
            std::string::npos);
  EXPECT_EQ(s.find("10.1.1.6 snat"), std::string::npos);
}

}  // namespace
}  // namespace openecs

namespace openecs {
namespace {

TEST(VpcRuleset, ANextHopMaySendFromItsRoutedDestinationsOnly) {
  DesiredNic router = Nic("eni-router00000001", "10.1.1.5");
  router.routed_cidrs = {"0.0.0.0/0", "192.168.77.0/24"};
  DesiredNic plain = Nic("eni-plain000000001", "10.1.1.6");
  std::string s = BuildVpcRuleset({router, plain});
  std::string tap = TapName(router.eni_id), other = TapName(plain.eni_id);
  size_t accept = s.find("iifname \"" + tap + "\" ip saddr 192.168.77.0/24 accept");
  size_t spoof = s.find("iifname \"" + tap + "\" ip saddr != 10.1.1.5 drop");
  ASSERT_NE(accept, std::string::npos) << s;
  ASSERT_NE(spoof, std::string::npos) << s;
  EXPECT_LT(accept, spoof);  // before the address check, after the MAC check
  EXPECT_LT(s.find("iifname \"" + tap + "\" ether saddr"), accept);
  EXPECT_NE(s.find("iifname \"" + tap + "\" ip saddr 0.0.0.0/0 accept"), std::string::npos);
  // The other interface gets no such exception.
  EXPECT_EQ(s.find("iifname \"" + other + "\" ip saddr 0.0.0.0/0 accept"), std::string::npos);
  EXPECT_EQ(s.find("meta mark set"), std::string::npos);  // no public address: no mark
}

TEST(VpcRuleset, PacketsFromPublicAddressesAreMarkedForTheUplinkTable) {
  DesiredNic pub = Nic("eni-public00000001", "10.1.1.7");
  pub.public_ip = "198.18.0.9";
  pub.public_cidr = "198.18.0.0/24";
  std::string s = BuildVpcRuleset({pub, Nic("eni-plain000000001", "10.1.1.6")});
  EXPECT_NE(s.find(std::string("iifname \"oe*\" ip saddr { 10.1.1.7 } meta mark set ") +
                   kPublicRouteMark),
            std::string::npos)
      << s;
}

TEST(TrafficCounters, OneNamedCounterPerAddressAndDirectionNeverReplaced) {
  std::string s = BuildTrafficCounters({"198.18.0.9", "198.18.0.10"});
  // Added, never "table ... { }" or "delete table": the counters keep their counts.
  EXPECT_EQ(s.find("delete"), std::string::npos) << s;
  EXPECT_NE(s.find("add counter ip openecs_traffic in_198_18_0_9\n"), std::string::npos) << s;
  EXPECT_NE(s.find("add counter ip openecs_traffic out_198_18_0_10\n"), std::string::npos) << s;
  EXPECT_NE(s.find("add rule ip openecs_traffic count_in iifname \"uplink\" counter name ip "
                   "daddr map { 198.18.0.10 : \"in_198_18_0_10\", 198.18.0.9 : "
                   "\"in_198_18_0_9\" }"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("count_out oifname \"uplink\" counter name ip saddr map"), std::string::npos);
  // The rules are rewritten each time (flush first), so an address that left is no longer
  // counted; with none left there is no rule at all.
  EXPECT_LT(s.find("flush chain ip openecs_traffic count_in"), s.find("add rule"));
  std::string none = BuildTrafficCounters({});
  EXPECT_EQ(none.find("add rule"), std::string::npos) << none;
  EXPECT_NE(none.find("flush chain ip openecs_traffic count_out"), std::string::npos);
}

}  // namespace
}  // namespace openecs
