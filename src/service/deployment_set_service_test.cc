// Deployment sets against a real SQLite store: validation and quotas of the set itself, and the
// scheduler's spread through RunInstances (three hosts: an Availability set takes three members,
// each on its own host, and refuses a fourth whole), AvailabilityGroup's disjoint groups,
// membership changes (ModifyInstanceDeployment) and the refusal to delete a set in use.
#include "service/deployment_set_service.h"

#include <gtest/gtest.h>

#include "service/cloud_test_fixture.h"
#include "service/instance_service.h"

namespace openecs {
namespace {

class DeploymentSetTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    // Three roomy hosts in local-a and a network, written as records (no agent needed).
    ASSERT_TRUE(cloud_
                    ->Write([](Txn& txn) -> Status {
                      for (const char* h : {"h1", "h2", "h3"})
                        txn.Put(Host{.id = h,
                                     .name = h,
                                     .zone_id = "local-a",
                                     .vcpus = 64,
                                     .memory_mb = 256 * 1024});
                      PutNetwork(txn, "acct", "local-a");
                      return Ok();
                    })
                    .ok());
  }
  std::string NewSet(const std::string& strategy = "Availability",
                     std::optional<int> groups = std::nullopt) {
    auto set = CreateDeploymentSet(*cloud_, {.account_id = "acct",
                                             .region_id = "local",
                                             .name = "web",
                                             .strategy = strategy,
                                             .group_count = groups});
    EXPECT_TRUE(set.ok());
    return set.ok() ? set->id : "";
  }
  RunRequest Run(int amount, const std::string& set = "", int group = 0) {
    RunRequest r;
    r.account_id = "acct";
    r.region_id = "local";
    r.image_id = "debian_12_tiny_x64_openecs";
    r.instance_type = "ecs.g7.large";
    r.vswitch_id = "vsw-1";
    r.security_group_ids = {"sg-1"};
    r.system_disk = {.category = "cloud_essd", .size_gib = 20};
    r.amount = amount;
    r.deployment_set_id = set;
    r.deployment_set_group = group;
    return r;
  }
  Instance Get(const std::string& id) {
    return cloud_->Read<Instance>([&](const State& s) { return s.instances.at(id); });
  }
  // What the host would report once the guests run: Running, nothing in flight.
  void Settle(const std::vector<std::string>& ids) {
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      for (const auto& id : ids) {
                        Instance& i = txn.state().instances.at(id);
                        i.status = InstanceStatus::kRunning;
                        i.task = InstanceTask::kNone;
                        txn.Touch(i);
                      }
                      return Ok();
                    })
                    .ok());
  }
  size_t Count() {
    return cloud_->Read<size_t>(
        [](const State& s) { return s.instances.size() + s.disks.size() + s.enis.size(); });
  }
};

TEST_F(DeploymentSetTest, ValidatesNamesStrategiesAndGroups) {
  EXPECT_TRUE(ValidateDeploymentSetName("web:tier_1.a-b").ok());
  EXPECT_TRUE(ValidateDeploymentSetName("").ok());
  for (const char* bad : {"1abc", "a", "http://x", "has space", "semi;colon"})
    EXPECT_EQ(ValidateDeploymentSetName(bad).error().code, ErrorCode::kInvalidDeploymentSetName)
        << bad;
  EXPECT_EQ(ValidateDeploymentSetDescription("x").error().code, ErrorCode::kInvalidDescription);
  EXPECT_EQ(ValidateDeploymentSetDescription("https://x").error().code,
            ErrorCode::kInvalidDescription);
  CreateDeploymentSetRequest r{.account_id = "acct", .region_id = "local", .strategy = "Spread"};
  EXPECT_EQ(CreateDeploymentSet(*cloud_, r).error().code, ErrorCode::kInvalidDeploymentSetStrategy);
  r.strategy = "AvailabilityGroup";
  r.group_count = 8;
  EXPECT_EQ(CreateDeploymentSet(*cloud_, r).error().code, ErrorCode::kInvalidParameter);
  r.group_count.reset();
  auto made = CreateDeploymentSet(*cloud_, r);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->group_count, 3);  // ECS's default
  r.strategy = "Availability";
  r.group_count = 5;  // ignored outside AvailabilityGroup
  EXPECT_EQ(CreateDeploymentSet(*cloud_, r)->group_count, 0);
}

TEST_F(DeploymentSetTest, AvailabilitySpreadsOverHostsAndRefusesWhole) {
  std::string set = NewSet();
  auto ids = RunInstances(*cloud_, Run(3, set));
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  std::set<std::string> hosts;
  for (const auto& id : *ids) {
    Instance i = Get(id);
    EXPECT_EQ(i.deployment_set_id, set);
    hosts.insert(i.host_id);
  }
  EXPECT_EQ(hosts.size(), 3u);  // each on its own host
  size_t before = Count();
  auto fourth = RunInstances(*cloud_, Run(1, set));
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().code, ErrorCode::kNoStock);
  EXPECT_EQ(Count(), before);  // nothing half-made
  // The same instance outside the set still fits (the hosts are far from full).
  EXPECT_TRUE(RunInstances(*cloud_, Run(1)).ok());
  // A batch that cannot all be spread is refused whole, unless MinAmount allows fewer.
  std::string other = NewSet();
  before = Count();
  EXPECT_EQ(RunInstances(*cloud_, Run(4, other)).error().code, ErrorCode::kNoStock);
  EXPECT_EQ(Count(), before);
  auto r = Run(4, other);
  r.min_amount = 2;
  EXPECT_EQ(RunInstances(*cloud_, r)->size(), 3u);
  // An unknown set: RunInstances' code.
  EXPECT_EQ(RunInstances(*cloud_, Run(1, "ds-nope")).error().code,
            ErrorCode::kDeploymentSetNotFound);
}

TEST_F(DeploymentSetTest, AvailabilityGroupKeepsGroupsOnDisjointHosts) {
  std::string set = NewSet("AvailabilityGroup", 2);
  auto g1 = *RunInstances(*cloud_, Run(2, set, 1));  // one group may share a host
  auto g2 = *RunInstances(*cloud_, Run(1, set, 2));
  std::set<std::string> hosts1;
  for (const auto& id : g1) hosts1.insert(Get(id).host_id);
  EXPECT_FALSE(hosts1.count(Get(g2[0]).host_id));
  EXPECT_EQ(Get(g2[0]).deployment_set_group, 2);
  EXPECT_EQ(RunInstances(*cloud_, Run(1, set, 3)).error().code, ErrorCode::kInvalidParameter);
  // Without a group number: the group with the fewest members (2 has one, 1 has two).
  auto even = *RunInstances(*cloud_, Run(1, set));
  EXPECT_EQ(Get(even[0]).deployment_set_group, 2);
}

TEST_F(DeploymentSetTest, MembershipChangesAndDeletion) {
  std::string set = NewSet();
  auto a = *RunInstances(*cloud_, Run(1, set));
  auto loose = *RunInstances(*cloud_, Run(3));  // spread by the weigher over h1..h3
  InstanceDeploymentChange early{
      .account_id = "acct", .instance_id = loose[0], .deployment_set_id = set};
  EXPECT_EQ(ModifyInstanceDeployment(*cloud_, early).error().code,
            ErrorCode::kIncorrectInstanceStatus);  // still being created
  Settle(a);
  Settle(loose);
  EXPECT_EQ(DeleteDeploymentSet(*cloud_, "acct", set).error().code,
            ErrorCode::kDeploymentSetNotEmpty);
  // Only instances whose host holds no member may join; they stay where they are.
  std::string host_a = Get(a[0]).host_id;
  int joined = 0;
  for (const auto& id : loose) {
    InstanceDeploymentChange c{.account_id = "acct", .instance_id = id, .deployment_set_id = set};
    Status st = ModifyInstanceDeployment(*cloud_, c);
    if (Get(id).host_id == host_a) {
      EXPECT_EQ(st.error().code, ErrorCode::kNoStock);
      EXPECT_EQ(Get(id).deployment_set_id, "");
    } else if (st.ok()) {
      ++joined;
      EXPECT_EQ(Get(id).deployment_set_id, set);
    }
  }
  EXPECT_GE(joined, 1);
  // Leaving names the set the instance is in.
  InstanceDeploymentChange leave{
      .account_id = "acct", .instance_id = a[0], .deployment_set_id = "ds-other", .remove = true};
  EXPECT_EQ(ModifyInstanceDeployment(*cloud_, leave).error().code,
            ErrorCode::kInvalidDeploymentSetIdNotFound);
  leave.deployment_set_id = set;
  ASSERT_TRUE(ModifyInstanceDeployment(*cloud_, leave).ok());
  EXPECT_EQ(Get(a[0]).deployment_set_id, "");
  for (const auto& id : loose) {
    if (Get(id).deployment_set_id != set) continue;
    leave.instance_id = id;
    ASSERT_TRUE(ModifyInstanceDeployment(*cloud_, leave).ok());
  }
  EXPECT_TRUE(DeleteDeploymentSet(*cloud_, "acct", set).ok());
  EXPECT_EQ(DeleteDeploymentSet(*cloud_, "acct", set).error().code,
            ErrorCode::kInvalidDeploymentSetIdNotFound);
}

TEST_F(DeploymentSetTest, CapacitiesCountMembersAndFreeHosts) {
  std::string set = NewSet();
  RunInstances(*cloud_, Run(2, set)).value();
  auto caps = cloud_->Read<std::vector<DeploymentSetZoneCapacity>>([&](const State& s) {
    return DeploymentSetCapacities(s, s.deployment_sets.at(set), {"local-a", "local-b"});
  });
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[0].used, 2);
  EXPECT_EQ(caps[0].available, 1);  // one host of local-a holds no member
  EXPECT_EQ(caps[1].used, 0);
  EXPECT_EQ(caps[1].available, 0);  // local-b has no host
}

TEST_F(DeploymentSetTest, SurvivesARestart) {
  std::string set = NewSet();
  auto ids = *RunInstances(*cloud_, Run(1, set));
  ReopenCloud();
  EXPECT_EQ(Get(ids[0]).deployment_set_id, set);
  EXPECT_TRUE(cloud_->Read<bool>([&](const State& s) { return s.deployment_sets.count(set); }));
}

}  // namespace
}  // namespace openecs
