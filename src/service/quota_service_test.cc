// Per-account quotas: where a quota's value comes from, what counts as usage, the error each
// quota answers, and RunInstances under them (MinAmount, and concurrent calls that race for the
// last units: exactly the room is created).
#include "service/quota_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "service/agent_service.h"
#include "service/cloud_test_fixture.h"
#include "service/instance_service.h"
#include "service/network_service.h"

namespace openecs {
namespace {

template <typename Record>
Record Of(const std::string& id, const std::string& account_id) {
  Record r;
  r.id = id;
  r.account_id = account_id;
  return r;
}

// Account "a" holds two instances (2 and 4 vCPUs), three cloud disks and a local one; "b" holds
// one of everything.
State Sample() {
  State s;
  auto i1 = Of<Instance>("i-1", "a");
  i1.cpu = 2;
  auto i2 = Of<Instance>("i-2", "a");
  i2.cpu = 4;
  auto i3 = Of<Instance>("i-3", "b");
  i3.cpu = 8;
  for (auto& i : {i1, i2, i3}) s.instances[i.id] = i;
  for (auto [id, account, category] :
       {std::tuple{"d-1", "a", "cloud_essd"}, std::tuple{"d-2", "a", "cloud_essd"},
        std::tuple{"d-3", "a", "cloud_auto"}, std::tuple{"d-4", "a", "local_ssd_pro"},
        std::tuple{"d-5", "b", "cloud_essd"}}) {
    auto d = Of<Disk>(id, account);
    d.category = category;
    s.disks[id] = d;
  }
  s.snapshots["s-1"] = Of<Snapshot>("s-1", "a");
  s.snapshots["s-2"] = Of<Snapshot>("s-2", "b");
  s.images["m-1"] = Of<CustomImage>("m-1", "a");
  s.security_groups["sg-1"] = Of<SecurityGroup>("sg-1", "a");
  s.eips["eip-1"] = Of<EipAddress>("eip-1", "b");
  s.accounts["a"].id = "a";
  s.accounts["b"].id = "b";
  s.index.Rebuild(s);  // as Cloud does at load (state_index.h)
  return s;
}

TEST(Quota, ValueIsTheAccountsOverrideElseTheOperatorsDefaultElseBuiltIn) {
  State s = Sample();
  EXPECT_EQ(*QuotaOf(s, "a", kMaxInstances), 100);
  EXPECT_EQ(*QuotaOf(s, "a", kMaxVcpus), 500);
  EXPECT_EQ(*QuotaOf(s, "a", kMaxEips), 20);
  s.quota_defaults[kMaxInstances] = 7;
  EXPECT_EQ(*QuotaOf(s, "a", kMaxInstances), 7);
  EXPECT_EQ(*QuotaOf(s, "nobody", kMaxInstances), 7);  // an account State does not hold
  s.accounts["a"].quotas[kMaxInstances] = 2;
  EXPECT_EQ(*QuotaOf(s, "a", kMaxInstances), 2);
  EXPECT_EQ(*QuotaOf(s, "b", kMaxInstances), 7);  // the override is a's alone
  EXPECT_EQ(QuotaOf(s, "a", "max-bananas").error().code, ErrorCode::kInvalidParameter);
}

TEST(Quota, UsageCountsTheAccountsRecordsOnly) {
  State s = Sample();
  EXPECT_EQ(QuotaUsage(s, "a", kMaxInstances), 2);
  EXPECT_EQ(QuotaUsage(s, "a", kMaxVcpus), 6);
  EXPECT_EQ(QuotaUsage(s, "a", kMaxDisks), 3);  // the local disk is not a cloud disk
  EXPECT_EQ(QuotaUsage(s, "a", kMaxSnapshots), 1);
  EXPECT_EQ(QuotaUsage(s, "a", kMaxImages), 1);
  EXPECT_EQ(QuotaUsage(s, "a", kMaxSecurityGroups), 1);
  EXPECT_EQ(QuotaUsage(s, "a", kMaxEips), 0);
  EXPECT_EQ(QuotaUsage(s, "b", kMaxVcpus), 8);
  EXPECT_EQ(QuotaUsage(s, "b", kMaxEips), 1);
  EXPECT_EQ(QuotaUsage(s, "c", kMaxInstances), 0);
}

TEST(Quota, EachQuotaRefusesWithItsOwnErrorAtTheLimit) {
  State s = Sample();
  const std::vector<std::pair<const char*, ErrorCode>> expected = {
      {kMaxInstances, ErrorCode::kQuotaExceedInstances},
      {kMaxVcpus, ErrorCode::kQuotaExceedVcpus},
      {kMaxDisks, ErrorCode::kQuotaExceedDisks},
      {kMaxSnapshots, ErrorCode::kQuotaExceedSnapshots},
      {kMaxImages, ErrorCode::kQuotaExceedImages},
      {kMaxSecurityGroups, ErrorCode::kQuotaExceedSecurityGroups},
      {kMaxEips, ErrorCode::kQuotaExceededEips},
      {kMaxDedicatedHosts, ErrorCode::kQuotaExceedDedicatedHosts}};
  ASSERT_EQ(expected.size(), AllQuotas().size());
  for (const auto& [name, code] : expected) {
    SCOPED_TRACE(name);
    int64_t used = QuotaUsage(s, "a", name);
    s.accounts["a"].quotas[name] = used + 1;
    EXPECT_TRUE(CheckQuota(s, "a", name, 1).ok());
    EXPECT_TRUE(CheckQuota(s, "a", name, 0).ok());
    Status over = CheckQuota(s, "a", name, 2);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().code, code);
    EXPECT_EQ(FindQuota(name)->exceeded, code);
    // ECS's words first, then the figures.
    EXPECT_EQ(over.error().message.rfind(std::string(Describe(code).message), 0), 0u)
        << over.error().message;
    EXPECT_NE(over.error().message.find("may have " + std::to_string(used + 1)), std::string::npos)
        << over.error().message;
    EXPECT_EQ(QuotaRoom(s, "a", name), 1);
    s.accounts["a"].quotas[name] = 0;  // lowered below the usage: no room, nothing taken away
    EXPECT_EQ(QuotaRoom(s, "a", name), 0);
    EXPECT_FALSE(CheckQuota(s, "a", name, 1).ok());
    EXPECT_TRUE(CheckQuota(s, "b", name, 1).ok());  // b's own quota is untouched
  }
}

TEST(Quota, ParsesTheOperatorsSettings) {
  auto ok = ParseQuotaSetting("max-instances=3", false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->first, "max-instances");
  EXPECT_EQ(ok->second, std::optional<int64_t>(3));
  EXPECT_EQ(ParseQuotaSetting("max-eips=0", false)->second, std::optional<int64_t>(0));
  EXPECT_EQ(ParseQuotaSetting("max-eips=default", true)->second, std::nullopt);
  for (const char* bad :
       {"max-eips=default", "max-eips", "max-eips=", "max-eips=-1", "max-eips=1x", "max-eips=1e3",
        "max-bananas=1", "=3", "max-eips=99999999999999999999", "max-eips=1000000000001"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseQuotaSetting(bad, false).error().code, ErrorCode::kInvalidParameter);
  }
  EXPECT_NE(ParseQuotaSetting("max-bananas=1", true).error().message.find("max-snapshots"),
            std::string::npos);
}

TEST(Quota, InstancesWithinQuotaTakesTheTightestQuotaAndHonoursAtLeast) {
  State s = Sample();  // a: 2 instances, 6 vCPUs, 3 disks
  s.accounts["a"].quotas = {{kMaxInstances, 10}, {kMaxVcpus, 14}, {kMaxDisks, 100}};
  EXPECT_EQ(*InstancesWithinQuota(s, "a", 5, 1, 2, 1), 4);  // vCPUs: (14 - 6) / 2
  EXPECT_EQ(*InstancesWithinQuota(s, "a", 3, 3, 2, 1), 3);
  EXPECT_EQ(InstancesWithinQuota(s, "a", 5, 5, 2, 1).error().code, ErrorCode::kQuotaExceedVcpus);
  s.accounts["a"].quotas[kMaxDisks] = 7;  // 4 more disks: two instances of two disks each
  EXPECT_EQ(*InstancesWithinQuota(s, "a", 5, 1, 2, 2), 2);
  EXPECT_EQ(InstancesWithinQuota(s, "a", 5, 3, 2, 2).error().code, ErrorCode::kQuotaExceedDisks);
  s.accounts["a"].quotas[kMaxInstances] = 2;
  EXPECT_EQ(InstancesWithinQuota(s, "a", 1, 1, 2, 1).error().code,
            ErrorCode::kQuotaExceedInstances);
}

// RunInstances against a real store, with the quotas given to the Cloud.
class QuotaRunTest : public CloudTest {
 protected:
  CloudConfig Config() override {
    CloudConfig config;
    config.quota_defaults = {{kMaxInstances, 3}};
    return config;
  }
  void SetUp() override {
    CloudTest::SetUp();
    agent_ = std::make_unique<AgentService>(*cloud_);
    ASSERT_TRUE(
        agent_->Register({"h1", "local-a", 64, 256 * 1024, 1000, 0, "", false, "fake"}).ok());
    Vpc vpc = *CreateVpc(*cloud_, {"acct", "local", "192.168.0.0/16", "", "", {}, false});
    vsw_ = CreateVSwitch(*cloud_,
                         {"acct", "local", vpc.id, "local-a", "192.168.1.0/24", "", "", {}, false})
               ->id;
    sg_ = CreateSecurityGroup(*cloud_, {"acct", "local", vpc.id, "", "", "", {}, false})->id;
  }
  void TearDown() override {
    agent_.reset();
    CloudTest::TearDown();
  }
  RunRequest Run(int amount, int min_amount = 0) {
    RunRequest r;
    r.account_id = "acct";
    r.region_id = "local";
    r.image_id = "debian_12_tiny_x64_openecs";
    r.instance_type = "ecs.g7.large";
    r.vswitch_id = vsw_;
    r.security_group_ids = {sg_};
    r.system_disk = {"cloud_essd", "", "", "", "", "", 20, true};
    r.amount = amount;
    r.min_amount = min_amount;
    return r;
  }
  int64_t Instances() {
    return cloud_->Read<int64_t>(
        [](const State& s) { return QuotaUsage(s, "acct", kMaxInstances); });
  }

  std::string vsw_, sg_;
  std::unique_ptr<AgentService> agent_;
};

TEST_F(QuotaRunTest, MinAmountTakesWhatTheQuotaLeaves) {
  EXPECT_EQ(RunInstances(*cloud_, Run(5, 5)).error().code, ErrorCode::kQuotaExceedInstances);
  auto dry = Run(3);
  dry.dry_run = true;
  EXPECT_EQ(RunInstances(*cloud_, dry).error().code, ErrorCode::kDryRunOperation);
  auto some = RunInstances(*cloud_, Run(5, 2));
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_EQ(some->size(), 3u);
  EXPECT_EQ(Instances(), 3);
  dry.amount = 1;
  EXPECT_EQ(RunInstances(*cloud_, dry).error().code, ErrorCode::kQuotaExceedInstances);
  // The disks went with them: 3 system disks.
  EXPECT_EQ(cloud_->Read<int64_t>([](const State& s) { return QuotaUsage(s, "acct", kMaxDisks); }),
            3);
}

TEST_F(QuotaRunTest, ConcurrentCallsCreateExactlyTheRoom) {
  std::atomic<int> made{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 10; ++k)
    threads.emplace_back([&] {
      auto r = RunInstances(*cloud_, Run(1));
      if (r.ok())
        made += static_cast<int>(r->size());
      else if (r.error().code == ErrorCode::kQuotaExceedInstances)
        ++refused;
      else
        ++other;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(made, 3);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(Instances(), 3);
}

}  // namespace
}  // namespace openecs
