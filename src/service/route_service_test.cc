// Custom route entries against a real SQLite store: where their traffic goes in the desired
// state (the next hop's interface carries the destination; an entry whose next hop is gone
// carries nothing), and the checks that touch other records (vSwitch blocks, the VPC).
#include "service/route_service.h"

#include <gtest/gtest.h>

#include "service/cloud_test_fixture.h"
#include "service/eni_service.h"
#include "service/network_service.h"
#include "service/security_rules.h"

namespace openecs {
namespace {

class RouteServiceTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      Vpc v;
                      v.id = "vpc-1";
                      v.account_id = "acct";
                      v.cidr_block = "10.0.0.0/16";
                      v.route_table_id = "vtb-1";
                      v.vrouter_id = "vrt-1";
                      txn.Put(v);
                      RouteTable t;
                      t.id = "vtb-1";
                      t.account_id = "acct";
                      t.vpc_id = "vpc-1";
                      txn.Put(t);
                      VSwitch s;
                      s.id = "vsw-1";
                      s.account_id = "acct";
                      s.vpc_id = "vpc-1";
                      s.cidr_block = "10.0.1.0/24";
                      txn.Put(s);
                      for (const char* id : {"i-router", "i-client"}) {
                        Instance i;
                        i.id = id;
                        i.account_id = "acct";
                        i.vpc_id = "vpc-1";
                        i.vswitch_id = "vsw-1";
                        i.private_ip = std::string(id) == "i-router" ? "10.0.1.5" : "10.0.1.6";
                        txn.Put(i);
                      }
                      NetworkInterface e;
                      e.id = "eni-second";
                      e.account_id = "acct";
                      e.vpc_id = "vpc-1";
                      e.vswitch_id = "vsw-1";
                      e.primary_ip = "10.0.1.7";
                      e.instance_id = "i-router";
                      txn.Put(e);
                      return Ok();
                    })
                    .ok());
  }
  Result<RouteEntry> Create(const std::string& dest, const std::string& type,
                            const std::string& hop) {
    return CreateRouteEntry(*cloud_, {.account_id = "acct",
                                      .route_table_id = "vtb-1",
                                      .destination = dest,
                                      .next_hop_type = type,
                                      .next_hop_id = hop});
  }
  // The routed destinations of each interface of `instance`, as its host is told.
  std::map<std::string, std::vector<std::string>> RoutedOf(const std::string& instance) {
    return cloud_->Read<std::map<std::string, std::vector<std::string>>>([&](const State& s) {
      std::map<std::string, std::vector<std::string>> out;
      for (const auto& nic : InstanceNics(s, s.instances.at(instance), IndexNetworks(s), ""))
        out[nic.eni_id] = nic.routed_cidrs;
      return out;
    });
  }
};

TEST_F(RouteServiceTest, TheNextHopsInterfaceCarriesTheDestinations) {
  ASSERT_TRUE(Create("0.0.0.0/0", "Instance", "i-router").ok());
  ASSERT_TRUE(Create("192.168.9.1", "NetworkInterface", "eni-second").ok());
  auto routed = RoutedOf("i-router");
  EXPECT_EQ(routed[PrimaryEniId("i-router")], std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(routed["eni-second"], std::vector<std::string>{"192.168.9.1/32"});
  EXPECT_TRUE(RoutedOf("i-client")[PrimaryEniId("i-client")].empty());
}

TEST_F(RouteServiceTest, AnEntryWhoseNextHopIsGoneCarriesNothingAndStays) {
  ASSERT_TRUE(Create("10.9.0.0/16", "NetworkInterface", "eni-second").ok());
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    txn.Erase<NetworkInterface>("eni-second");
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(RoutedOf("i-router").count("eni-second"), 0u);
  cloud_->Read<int>([&](const State& s) {
    EXPECT_EQ(s.route_entries.size(), 1u);
    EXPECT_EQ(NextHopEni(s, s.route_entries.begin()->second), "");
    return 0;
  });
}

TEST_F(RouteServiceTest, DestinationsFollowEcsRules) {
  EXPECT_EQ(Create("10.0.1.0/24", "Instance", "i-router").error().code,
            ErrorCode::kInvalidCidrBlockOverlapped);  // a vSwitch's block
  EXPECT_EQ(Create("10.0.1.16/28", "Instance", "i-router").error().code,
            ErrorCode::kInvalidCidrBlockOverlapped);                // inside it
  EXPECT_TRUE(Create("10.0.0.0/16", "Instance", "i-router").ok());  // containing it is fine
  EXPECT_EQ(Create("10.0.0.0/16", "Instance", "i-client").error().code,
            ErrorCode::kRouterEntryConflictDuplicated);
  EXPECT_EQ(Create("100.64.0.0/10", "Instance", "i-router").error().code,
            ErrorCode::kInvalidCidrBlockOverlapped);
  EXPECT_EQ(Create("10.1.0.1/16", "Instance", "i-router").error().code,
            ErrorCode::kInvalidCidrBlockMalformed);  // not a network address
  EXPECT_EQ(Create("10.2.0.0/16", "Instance", "i-nope").error().code,
            ErrorCode::kInvalidInstanceIdNotFound);
  // A vSwitch created later may not hold an existing destination.
  ASSERT_TRUE(Create("10.0.8.0/26", "Instance", "i-router").ok());
  EXPECT_EQ(CreateVSwitch(*cloud_, {.account_id = "acct",
                                    .vpc_id = "vpc-1",
                                    .zone_id = "local-a",
                                    .cidr_block = "10.0.8.0/24"})
                .error()
                .code,
            ErrorCode::kInvalidCidrBlockOverlapped);
}

TEST_F(RouteServiceTest, AVpcFromBeforeRouteTableRecordsGetsOneAtStartup) {
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Vpc v;
                    v.id = "vpc-old";
                    v.account_id = "acct";
                    v.cidr_block = "10.1.0.0/16";
                    v.route_table_id = "vtb-old";
                    v.vni = 9;
                    txn.Put(v);
                    return Ok();
                  })
                  .ok());
  cloud_->Read<int>([&](const State& s) {
    EXPECT_EQ(FindRouteTable(s, "vtb-old", "acct"), nullptr);
    return 0;
  });
  ASSERT_TRUE(UpgradeVpcRecords(*cloud_).ok());
  cloud_->Read<int>([&](const State& s) {
    const Vpc* v = FindRouteTable(s, "vtb-old", "acct");
    EXPECT_TRUE(v && v->id == "vpc-old");
    EXPECT_EQ(FindRouteTable(s, "vtb-old", "other-account"), nullptr);
    EXPECT_EQ(s.vpcs.at("vpc-old").vni, 9);  // kept
    return 0;
  });
  EXPECT_TRUE(ModifyRouteTable(*cloud_, "acct", "vtb-old", "main", std::nullopt).ok());
}

}  // namespace
}  // namespace openecs
