// The instance service against a real SQLite store and the agent protocol's server side, with
// no agent: tests play the host by calling Report directly.
#include "service/instance_service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/clock.h"
#include "common/prom_metrics.h"
#include "service/agent_service.h"
#include "service/cloud_test_fixture.h"
#include "service/instance_events.h"
#include "service/network_service.h"
#include "service/quota_service.h"

namespace openecs {

class InstanceServiceTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    Register();
    Vpc vpc = *CreateVpc(*cloud_, {"acct", "local", "192.168.0.0/16", "", "", {}, false});
    vsw_ = CreateVSwitch(*cloud_,
                         {"acct", "local", vpc.id, "local-a", "192.168.1.0/29", "", "", {}, false})
               ->id;
    sg_ = CreateSecurityGroup(*cloud_, {"acct", "local", vpc.id, "", "", "", {}, false})->id;
  }
  void TearDown() override {
    agent_.reset();
    CloudTest::TearDown();
  }
  // Reloads everything from the store, as a restart does; the host registers again.
  void Open() {
    agent_.reset();
    ReopenStore();
    Register();
  }
  // The host h1 (8 vCPUs) and the agent protocol's server side on the current Cloud.
  void Register() {
    agent_ = std::make_unique<AgentService>(*cloud_);
    HostInfo h{"h1", "local-a", 8, 64 * 1024, 1000, 0, "", false, "fake"};
    host_ = *agent_->Register(h);
  }
  RunRequest Run(int amount) {
    RunRequest r;
    r.account_id = "acct";
    r.region_id = "local";
    r.image_id = "debian_12_tiny_x64_openecs";
    r.instance_type = "ecs.g7.large";  // 2 vCPUs
    r.vswitch_id = vsw_;
    r.security_group_ids = {sg_};
    r.system_disk = {"cloud_essd", "", "", "", "", "", 20, true};
    r.amount = amount;
    return r;
  }
  Instance Get(const std::string& id) {
    return cloud_->Read<Instance>([&](const State& s) { return s.instances.at(id); });
  }
  bool Exists(const std::string& id) {
    return cloud_->Read<bool>([&](const State& s) { return s.instances.count(id) > 0; });
  }
  void HostSays(const std::string& id, PowerState p, bool failed = false) {
    ASSERT_TRUE(agent_->Report(host_, {{id, p, 0, failed, "spawn", failed ? "boom" : ""}}).ok());
  }

  std::string host_, vsw_, sg_;
  std::unique_ptr<AgentService> agent_;
};

TEST_F(InstanceServiceTest, AHostIsNotWokenNorAnsweredToHearWhatItReportedButItsNextStateSaysIt) {
  auto ids = *RunInstances(*cloud_, Run(1));
  auto first = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->vms.size(), 1u);
  EXPECT_EQ(first->vms[0].observed, PowerState::kUnknown);
  // The host made the guest and booted it: an echo, so a long-poll waits on (200 ms here).
  HostSays(ids[0], PowerState::kShutoff);
  ASSERT_TRUE(agent_->Report(host_, {{ids[0], PowerState::kRunning, 0, false, "", ""}}).ok());
  EXPECT_EQ(Get(ids[0]).status, InstanceStatus::kRunning);
  int64_t began = SteadyMillis();
  auto waited = agent_->Pull(host_, first->revision, 200);
  ASSERT_TRUE(waited.ok());
  EXPECT_GE(SteadyMillis() - began, 150) << "the echo ended the long-poll";
  // It ends "unchanged" (the host has nothing to do); its next full sync carries what the
  // host said.
  EXPECT_FALSE(waited->changed);
  EXPECT_TRUE(waited->vms.empty());
  EXPECT_EQ(agent_->Pull(host_, waited->revision, 0)->changed, false);
  auto full = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->vms.size(), 1u);
  EXPECT_EQ(full->vms[0].observed, PowerState::kRunning);
  EXPECT_GT(full->revision, first->revision);
  // A report the server answers with news (the guest stopped on its own: it is Stopped and
  // to stay so) ends the long-poll at once, and its answer carries the echo too.
  int64_t since = waited->revision;
  std::thread host_side([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    HostSays(ids[0], PowerState::kShutoff);
  });
  began = SteadyMillis();
  auto woken = agent_->Pull(host_, since, 5000);
  host_side.join();
  ASSERT_TRUE(woken.ok());
  EXPECT_LT(SteadyMillis() - began, 4000);
  ASSERT_TRUE(woken->changed);
  ASSERT_EQ(woken->vms.size(), 1u);
  EXPECT_EQ(woken->vms[0].desired, DesiredPower::kStopped);
  EXPECT_EQ(woken->vms[0].observed, PowerState::kShutoff);
}

// The embedded agent's pulls answer whole states, building only the guests whose state moved:
// the others it was answered before are held (AgentService::Pull).
namespace {
// Guests' states built or held in pulls so far (openecs_agent_guest_states_total{how}).
double GuestStates(const char* how) {
  std::string all = DefaultMetrics().Render();
  std::string key = std::string("openecs_agent_guest_states_total{how=\"") + how + "\"} ";
  size_t at = all.find(key);
  return at == std::string::npos ? 0.0 : std::stod(all.substr(at + key.size()));
}
}  // namespace

TEST_F(InstanceServiceTest, AnEmbeddedPullIsWholeButBuildsOnlyTheGuestsThatMoved) {
  auto states = GuestStates;
  auto two = *RunInstances(*cloud_, Run(2));
  double built = states("built"), held = states("held");
  auto first = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->vms.size(), 2u);
  EXPECT_EQ(states("built") - built, 2);
  EXPECT_EQ(states("held") - held, 0);
  // A launch: the pull it wakes builds the new guest and holds the two.
  auto one = *RunInstances(*cloud_, Run(1));
  built = states("built"), held = states("held");
  auto next = agent_->Pull(host_, first->revision, 1000);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->changed);
  ASSERT_EQ(next->vms.size(), 3u);
  EXPECT_EQ(states("built") - built, 1);
  EXPECT_EQ(states("held") - held, 2);
  std::set<std::string> ids;
  for (const auto& vm : next->vms) ids.insert(vm.instance_id);
  EXPECT_EQ(ids, (std::set<std::string>{two[0], two[1], one[0]}));
  // The host says it made one (an echo: it wakes nothing); a full sync builds that one alone
  // and carries what the host said.
  HostSays(two[0], PowerState::kShutoff);
  built = states("built"), held = states("held");
  auto full = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->vms.size(), 3u);
  EXPECT_EQ(states("built") - built, 1);
  EXPECT_EQ(states("held") - held, 2);
  for (const auto& vm : full->vms)
    EXPECT_EQ(vm.observed, vm.instance_id == two[0] ? PowerState::kShutoff : PowerState::kUnknown)
        << vm.instance_id;
}

// A host with more guests than one hold of the lock builds (AgentService::PullState) gets them
// all, in order, built over several holds; held, they are all found again.
class BigHostTest : public InstanceServiceTest {
 protected:
  CloudConfig Config() override {
    CloudConfig c;
    c.quota_defaults = {{kMaxInstances, 10000}, {kMaxVcpus, 100000}, {kMaxDisks, 10000}};
    return c;
  }
};

TEST_F(BigHostTest, ItsGuestsAreBuiltInSlicesAndAllArrive) {
  agent_ = std::make_unique<AgentService>(*cloud_);
  host_ =
      *agent_->Register({"big", "local-a", 10000, int64_t{32} << 20, 100000, 0, "", false, "fake"});
  Vpc vpc = *CreateVpc(*cloud_, {"acct", "local", "10.0.0.0/8", "", "", {}, false});
  std::string vsw =
      CreateVSwitch(*cloud_, {"acct", "local", vpc.id, "local-a", "10.0.0.0/16", "", "", {}, false})
          ->id;
  std::set<std::string> made;
  for (int k = 0; k < 25; ++k) {  // 2,500 guests: three holds
    RunRequest r = Run(100);
    r.vswitch_id = vsw;
    r.security_group_ids = {
        CreateSecurityGroup(*cloud_, {"acct", "local", vpc.id, "", "", "", {}, false})->id};
    auto ids = RunInstances(*cloud_, r);
    ASSERT_TRUE(ids.ok()) << Describe(ids.error().code).code << " " << ids.error().message;
    made.insert(ids->begin(), ids->end());
  }
  ASSERT_EQ(made.size(), 2500u);
  std::erase_if(made, [&](const std::string& id) { return Get(id).host_id != host_; });  // on h1
  ASSERT_GT(made.size(), 2048u);
  auto full = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(full.ok());
  std::vector<std::string> got;
  for (const auto& vm : full->vms) got.push_back(vm.instance_id);
  EXPECT_EQ(got, std::vector<std::string>(made.begin(), made.end()));
  for (const auto& vm : full->vms) EXPECT_EQ(vm.disks.size(), 1u) << vm.instance_id;
  // One more: the next pull has every guest again, the others held.
  auto one = RunInstances(*cloud_, [&] {
    RunRequest r = Run(1);
    r.vswitch_id = vsw;
    r.security_group_ids = {
        CreateSecurityGroup(*cloud_, {"acct", "local", vpc.id, "", "", "", {}, false})->id};
    return r;
  }());
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(Get(one->at(0)).host_id, host_) << "h1 is full";
  double built = GuestStates("built"), held = GuestStates("held");
  auto next = agent_->Pull(host_, full->revision, 1000);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->vms.size(), made.size() + 1);
  EXPECT_EQ(GuestStates("built") - built, 1);
  EXPECT_EQ(GuestStates("held") - held, static_cast<double>(made.size()));
}

// A stop that failed escalates to a forced one: news, the host hears it at once. The forced stop
// done (the report clears force_stop with the status) is an echo: the host is not answered for it.
TEST_F(InstanceServiceTest, AForcedStopAskedForIsNewsAndOneDoneIsAnEcho) {
  auto ids = *RunInstances(*cloud_, Run(1));
  HostSays(ids[0], PowerState::kShutoff);
  HostSays(ids[0], PowerState::kRunning);
  PowerRequest stop;
  stop.account_id = "acct";
  stop.instance_ids = ids;
  ASSERT_TRUE(StopInstances(*cloud_, stop).ok());
  auto asked = agent_->Pull(host_, 0, 0);
  ASSERT_TRUE(asked.ok());
  ASSERT_EQ(asked->vms.size(), 1u);
  EXPECT_FALSE(asked->vms[0].force_stop);
  std::thread host_side([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    HostSays(ids[0], PowerState::kRunning, /*failed=*/true);
  });
  int64_t began = SteadyMillis();
  auto escalated = agent_->Pull(host_, asked->revision, 5000);
  host_side.join();
  ASSERT_TRUE(escalated.ok());
  EXPECT_LT(SteadyMillis() - began, 4000) << "the escalation did not wake the host";
  ASSERT_TRUE(escalated->changed);
  ASSERT_EQ(escalated->vms.size(), 1u);
  EXPECT_TRUE(escalated->vms[0].force_stop);
  HostSays(ids[0], PowerState::kShutoff);
  EXPECT_EQ(Get(ids[0]).status, InstanceStatus::kStopped);
  EXPECT_FALSE(Get(ids[0]).force_stop);
  began = SteadyMillis();
  auto done = agent_->Pull(host_, escalated->revision, 200);
  ASSERT_TRUE(done.ok());
  EXPECT_GE(SteadyMillis() - began, 150) << "the forced stop done woke the host";
  EXPECT_FALSE(done->changed);
}

TEST_F(InstanceServiceTest, AllocatesDistinctUsableAddresses) {
  // A /29 has 8 addresses; ECS reserves the first and the last three: 4 usable.
  auto ids = *RunInstances(*cloud_, Run(3));
  std::set<std::string> ips;
  for (auto& id : ids) ips.insert(Get(id).private_ip);
  EXPECT_EQ(ips, (std::set<std::string>{"192.168.1.1", "192.168.1.2", "192.168.1.3"}));
  auto r = Run(1);
  r.private_ip = "192.168.1.2";
  EXPECT_EQ(RunInstances(*cloud_, r).error().code, ErrorCode::kInvalidPrivateIpAddressDuplicated);
  r.private_ip = "192.168.1.6";  // reserved
  EXPECT_EQ(RunInstances(*cloud_, r).error().code, ErrorCode::kInvalidPrivateIpAddress);
  r.private_ip = "10.0.0.1";
  EXPECT_EQ(RunInstances(*cloud_, r).error().code, ErrorCode::kInvalidPrivateIpAddress);
}

TEST_F(InstanceServiceTest, CapacityIsClaimedAndMinAmountHonoured) {
  // 8 vCPUs: four 2-vCPU instances fit.
  auto first = *RunInstances(*cloud_, Run(3));
  auto r = Run(3);
  EXPECT_EQ(RunInstances(*cloud_, r).error().code, ErrorCode::kNoStock);
  r.min_amount = 1;
  auto some = RunInstances(*cloud_, r);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->size(), 1u);
}

TEST_F(InstanceServiceTest, FailedCreationFreesAddressCapacityAndDisks) {
  auto r = Run(1);
  r.private_ip = "192.168.1.3";
  auto ids = *RunInstances(*cloud_, r);
  HostSays(ids[0], PowerState::kAbsent, /*failed=*/true);
  EXPECT_FALSE(Exists(ids[0]));
  EXPECT_EQ(cloud_->Read<size_t>([](const State& s) { return s.disks.size(); }), 0u);
  EXPECT_TRUE(RunInstances(*cloud_, r).ok());  // the address is free again
}

TEST_F(InstanceServiceTest, NamePatternsNumberABatch) {
  auto r = Run(2);
  r.name = "web-[7,3]x-[2,2]";  // the first pattern counts
  auto ids = *RunInstances(*cloud_, r);
  EXPECT_EQ(Get(ids[0]).name, "web-007x-[2,2]");
  EXPECT_EQ(Get(ids[1]).name, "web-008x-[2,2]");
  r.amount = 1;
  r.name = "n[1234567,2]-[,1]-[12,x]-[3,4";  // not patterns: kept as given
  auto more = RunInstances(*cloud_, r);
  ASSERT_TRUE(more.ok()) << more.error().message;
  EXPECT_EQ(Get((*more)[0]).name, r.name);
}

TEST_F(InstanceServiceTest, AFailedCreationLeavesAnEventThatOutlivesTheInstanceFor30Days) {
  auto ids = *RunInstances(*cloud_, Run(1));
  HostSays(ids[0], PowerState::kAbsent, /*failed=*/true);
  InstanceEventQuery q{"acct", "local", {ids[0]}, {}, {}, {}};
  auto found = cloud_->Read<std::vector<InstanceEvent>>(
      [&](const State& s) { return FindInstanceEvents(s, q); });
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].event_type, "SystemFailure.Delete");
  EXPECT_EQ(found[0].cycle_status, "Executed");
  EXPECT_NE(found[0].reason.find("spawn: boom"), std::string::npos) << found[0].reason;
  q.account_id = "other";
  EXPECT_TRUE(cloud_
                  ->Read<std::vector<InstanceEvent>>(
                      [&](const State& s) { return FindInstanceEvents(s, q); })
                  .empty());
  int64_t t = found[0].finish_time;
  EXPECT_EQ(ExpireInstanceEvents(*cloud_, t + kEventRetentionSeconds - 1), 0);
  EXPECT_EQ(ExpireInstanceEvents(*cloud_, t + kEventRetentionSeconds), 1);
  EXPECT_TRUE(cloud_->Read<bool>([](const State& s) { return s.instance_events.empty(); }));
}

TEST_F(InstanceServiceTest, AllTogetherChangesNothingWhenOneFails) {
  auto ids = *RunInstances(*cloud_, Run(2));
  for (auto& id : ids) {
    HostSays(id, PowerState::kShutoff);
    HostSays(id, PowerState::kRunning);
  }
  PowerRequest stop{"acct", {ids[0], "i-missing"},  false, "KeepCharging",
                    false,  BatchMode::kAllTogether};
  EXPECT_EQ(StopInstances(*cloud_, stop).error().code, ErrorCode::kInvalidInstanceIdNotFound);
  EXPECT_EQ(Get(ids[0]).status, InstanceStatus::kRunning);
  stop.mode = BatchMode::kSuccessFirst;
  auto results = *StopInstances(*cloud_, stop);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].error.has_value());
  EXPECT_EQ(results[0].current, InstanceStatus::kStopping);
  EXPECT_TRUE(results[1].error.has_value());
}

TEST_F(InstanceServiceTest, EconomicalStopReleasesCapacityAndStartReclaimsIt) {
  auto big = Run(2);
  big.instance_type = "ecs.g7.xlarge";  // 4 vCPUs: two fill the 8-vCPU host
  auto ids = *RunInstances(*cloud_, big);
  for (auto& id : ids) {
    HostSays(id, PowerState::kShutoff);
    HostSays(id, PowerState::kRunning);
  }
  PowerRequest stop{"acct", {ids[0]}, false, "StopCharging", false, BatchMode::kAllTogether};
  ASSERT_TRUE(StopInstances(*cloud_, stop).ok());
  HostSays(ids[0], PowerState::kShutoff);
  EXPECT_EQ(Get(ids[0]).stopped_mode, "StopCharging");
  EXPECT_FALSE(Get(ids[0]).claimed);
  // Someone else takes the freed capacity; the stopped instance cannot start.
  big.amount = 1;
  auto other = RunInstances(*cloud_, big);
  ASSERT_TRUE(other.ok());
  PowerRequest start{"acct", {ids[0]}, false, "KeepCharging", false, BatchMode::kAllTogether};
  EXPECT_EQ(StartInstances(*cloud_, start).error().code, ErrorCode::kNoStock);
}

TEST_F(InstanceServiceTest, StateSurvivesReopen) {
  auto ids = *RunInstances(*cloud_, Run(2));
  HostSays(ids[0], PowerState::kShutoff);
  Open();
  EXPECT_EQ(Get(ids[0]).status, InstanceStatus::kStarting);
  EXPECT_EQ(Get(ids[1]).status, InstanceStatus::kPending);
  EXPECT_EQ(Get(ids[1]).task, InstanceTask::kCreating);
}

TEST_F(InstanceServiceTest, DeletionProtectionAndForce) {
  auto r = Run(1);
  r.deletion_protection = true;
  auto id = (*RunInstances(*cloud_, r))[0];
  HostSays(id, PowerState::kShutoff);
  HostSays(id, PowerState::kRunning);
  PowerRequest del{"acct", {id}, true, "KeepCharging", false, BatchMode::kAllTogether};
  EXPECT_EQ(DeleteInstances(*cloud_, del).error().code, ErrorCode::kDeletionProtection);
  ModifyInstanceRequest m;
  m.account_id = "acct";
  m.instance_id = id;
  m.deletion_protection = false;
  ASSERT_TRUE(ModifyInstanceAttribute(*cloud_, m).ok());
  del.force = false;
  EXPECT_EQ(DeleteInstances(*cloud_, del).error().code, ErrorCode::kIncorrectInstanceStatus);
  del.force = true;
  ASSERT_TRUE(DeleteInstances(*cloud_, del).ok());
  HostSays(id, PowerState::kAbsent);
  EXPECT_FALSE(Exists(id));
}

}  // namespace openecs

namespace openecs {

// ClientToken's crash safety rests on this: the token is committed in the same transaction as
// the records its call made, and a reload finds it pending with their ids.
TEST_F(InstanceServiceTest, ATokenScopeCommitsTheTokenWithWhatTheCallMade) {
  std::vector<std::string> ids;
  {
    TokenScope scope("acct/RunInstances/tok-1", "fingerprint-1");
    ids = *RunInstances(*cloud_, Run(2));
  }
  auto untouched = *RunInstances(*cloud_, Run(1));  // outside the scope: no token
  Open();                                           // reload from the store, as after a kill -9
  auto rec = cloud_->Read<std::optional<IdempotencyRecord>>(
      [&](const State& s) -> std::optional<IdempotencyRecord> {
        auto it = s.idempotency.find("acct/RunInstances/tok-1");
        if (it == s.idempotency.end()) return std::nullopt;
        return it->second;
      });
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->pending);
  EXPECT_EQ(rec->fingerprint, "fingerprint-1");
  for (const auto& id : ids)
    EXPECT_NE(std::find(rec->made.begin(), rec->made.end(), "instance:" + id), rec->made.end())
        << id;
  EXPECT_EQ(std::find(rec->made.begin(), rec->made.end(), "instance:" + untouched.at(0)),
            rec->made.end());
  EXPECT_EQ(cloud_->Read<size_t>([](const State& s) { return s.idempotency.size(); }), 1u);
}

TEST_F(InstanceServiceTest, AutoReleaseAtItsTimeEvenWithDeletionProtection) {
  auto ids = *RunInstances(*cloud_, Run(2));
  HostSays(ids[0], PowerState::kRunning);
  ModifyInstanceRequest protect;
  protect.account_id = "acct";
  protect.instance_id = ids[0];
  protect.deletion_protection = true;
  ASSERT_TRUE(ModifyInstanceAttribute(*cloud_, protect).ok());
  const int64_t now = 1'900'000'000;
  EXPECT_EQ(ModifyAutoReleaseTime(*cloud_, "acct", ids[0], now + 60, now).error().code,
            ErrorCode::kInvalidParameter);  // under 30 minutes away
  EXPECT_EQ(ModifyAutoReleaseTime(*cloud_, "other", ids[0], now + 3600, now).error().code,
            ErrorCode::kInvalidInstanceIdNotFound);
  ASSERT_TRUE(ModifyAutoReleaseTime(*cloud_, "acct", ids[0], now + 3600, now).ok());
  ASSERT_TRUE(ModifyAutoReleaseTime(*cloud_, "acct", ids[1], now + 7200, now).ok());
  ASSERT_TRUE(ModifyAutoReleaseTime(*cloud_, "acct", ids[1], 0, now).ok());  // cancelled
  EXPECT_EQ(ReleaseDueInstances(*cloud_, now + 3599), 0);
  EXPECT_EQ(ReleaseDueInstances(*cloud_, now + 3600), 1);
  EXPECT_EQ(Get(ids[0]).task, InstanceTask::kReleasing);  // protected, and released all the same
  EXPECT_NE(Get(ids[1]).task, InstanceTask::kReleasing);
  EXPECT_EQ(Get(ids[1]).auto_release_time, 0);
  EXPECT_EQ(ReleaseDueInstances(*cloud_, now + 100000), 0);  // once
}

}  // namespace openecs
