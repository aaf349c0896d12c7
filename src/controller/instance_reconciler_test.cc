#include "controller/instance_reconciler.h"

#include <gtest/gtest.h>

namespace openecs {
namespace {
Instance Fresh(DesiredPower desired) {
  Instance i;
  i.id = "i-1";
  i.status = InstanceStatus::kPending;
  i.task = InstanceTask::kCreating;
  i.desired = desired;
  i.claimed = true;
  return i;
}
Observation Saw(PowerState p) { return Observation{"i-1", p, 0, false, "", ""}; }
}  // namespace

TEST(InstanceReconciler, RunInstancesGoesPendingStartingRunning) {
  Instance i = Fresh(DesiredPower::kRunning);
  EXPECT_TRUE(ApplyObservation(i, Saw(PowerState::kShutoff), 100).changed);
  EXPECT_EQ(i.status, InstanceStatus::kStarting);
  EXPECT_TRUE(ApplyObservation(i, Saw(PowerState::kRunning), 101).changed);
  EXPECT_EQ(i.status, InstanceStatus::kRunning);
  EXPECT_EQ(i.task, InstanceTask::kNone);
  EXPECT_EQ(i.start_time, 101);
  // Idempotent.
  EXPECT_FALSE(ApplyObservation(i, Saw(PowerState::kRunning), 102).changed);
}

TEST(InstanceReconciler, CreateInstanceEndsStopped) {
  Instance i = Fresh(DesiredPower::kStopped);
  ApplyObservation(i, Saw(PowerState::kShutoff), 100);
  EXPECT_EQ(i.status, InstanceStatus::kStopped);
  EXPECT_EQ(i.task, InstanceTask::kNone);
}

TEST(InstanceReconciler, FailedCreationReleasesFailedStartStops) {
  Instance i = Fresh(DesiredPower::kRunning);
  Observation fail{"i-1", PowerState::kAbsent, 0, true, "spawn", "boom"};
  EXPECT_TRUE(ApplyObservation(i, fail, 1).release);

  Instance s = Fresh(DesiredPower::kRunning);
  s.status = InstanceStatus::kStarting;
  s.task = InstanceTask::kStarting;
  Observation fail_on{"i-1", PowerState::kShutoff, 0, true, "power_on", "boom"};
  auto out = ApplyObservation(s, fail_on, 1);
  EXPECT_FALSE(out.release);
  EXPECT_TRUE(out.release_claim);
  EXPECT_EQ(s.status, InstanceStatus::kStopped);
  EXPECT_FALSE(s.claimed);
  EXPECT_NE(s.last_error.find("boom"), std::string::npos);
}

TEST(InstanceReconciler, StopChargingReleasesTheClaim) {
  Instance i = Fresh(DesiredPower::kStopped);
  i.status = InstanceStatus::kStopping;
  i.task = InstanceTask::kStopping;
  i.stopped_mode = "StopCharging";
  auto out = ApplyObservation(i, Saw(PowerState::kShutoff), 1);
  EXPECT_EQ(i.status, InstanceStatus::kStopped);
  EXPECT_TRUE(out.release_claim);
}

TEST(InstanceReconciler, RebootCompletesOnlyWhenTheHostDidIt) {
  Instance i = Fresh(DesiredPower::kRunning);
  i.status = InstanceStatus::kStarting;
  i.task = InstanceTask::kRebooting;
  i.reboot_seq = 2;
  Observation old{"i-1", PowerState::kRunning, 1, false, "", ""};
  ApplyObservation(i, old, 1);
  EXPECT_EQ(i.task, InstanceTask::kRebooting);
  Observation done{"i-1", PowerState::kRunning, 2, false, "", ""};
  ApplyObservation(i, done, 1);
  EXPECT_EQ(i.status, InstanceStatus::kRunning);
}

TEST(InstanceReconciler, GuestThatDiesOnItsOwnIsStopped) {
  Instance i = Fresh(DesiredPower::kRunning);
  i.status = InstanceStatus::kRunning;
  i.task = InstanceTask::kNone;
  ApplyObservation(i, Saw(PowerState::kShutoff), 1);
  EXPECT_EQ(i.status, InstanceStatus::kStopped);
  EXPECT_EQ(i.desired, DesiredPower::kStopped);
}

TEST(InstanceReconciler, ReleaseFinishesWhenAbsent) {
  Instance i = Fresh(DesiredPower::kAbsent);
  i.status = InstanceStatus::kStopped;
  i.task = InstanceTask::kReleasing;
  EXPECT_FALSE(ApplyObservation(i, Saw(PowerState::kShutoff), 1).release);
  EXPECT_TRUE(ApplyObservation(i, Saw(PowerState::kAbsent), 1).release);
}

}  // namespace openecs
