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

namespace openecs {
TEST(InstanceReconciler, TheGuestSayingItIsUpCountsOncePerBoot) {
  Instance i = Fresh(DesiredPower::kRunning);
  ApplyObservation(i, Saw(PowerState::kShutoff), 100);
  Observation up = Saw(PowerState::kUnknown);
  up.guest_ready = true;
  EXPECT_FALSE(ApplyObservation(i, up, 100).changed) << "Starting: not Running yet";
  EXPECT_FALSE(i.guest_ready);
  ApplyObservation(i, Saw(PowerState::kRunning), 101);
  EXPECT_EQ(i.boot_time, 101);
  EXPECT_TRUE(ApplyObservation(i, up, 103).changed);
  EXPECT_TRUE(i.guest_ready);
  EXPECT_FALSE(ApplyObservation(i, up, 104).changed);
  // A reboot: the next boot must say it again.
  i.status = InstanceStatus::kStarting;  // what RebootInstance leaves, with its task
  i.task = InstanceTask::kRebooting;
  i.reboot_seq = 1;
  Observation rebooted = Saw(PowerState::kRunning);
  rebooted.reboot_seq_done = 1;
  ApplyObservation(i, rebooted, 200);
  EXPECT_EQ(i.status, InstanceStatus::kRunning);
  EXPECT_EQ(i.boot_time, 200);
  EXPECT_FALSE(i.guest_ready);
}

TEST(InstanceReconciler, WhatThePlatformDidOnItsOwnIsAnEvent) {
  Instance i = Fresh(DesiredPower::kRunning);
  Observation fail{"i-1", PowerState::kAbsent, 0, true, "spawn", "no image"};
  ReconcileOutcome out = ApplyObservation(i, fail, 100);
  EXPECT_TRUE(out.release);
  EXPECT_EQ(out.event_type, "SystemFailure.Delete");
  EXPECT_NE(out.event_reason.find("spawn: no image"), std::string::npos) << out.event_reason;

  Instance j = Fresh(DesiredPower::kRunning);
  ApplyObservation(j, Saw(PowerState::kShutoff), 100);  // Starting
  out = ApplyObservation(j, {"i-1", PowerState::kShutoff, 0, true, "power_on", "qemu died"}, 101);
  EXPECT_EQ(out.event_type, "SystemFailure.Stop");
  EXPECT_NE(out.event_reason.find("power_on: qemu died"), std::string::npos);

  Instance k = Fresh(DesiredPower::kRunning);
  ApplyObservation(k, Saw(PowerState::kShutoff), 100);
  ApplyObservation(k, Saw(PowerState::kRunning), 101);
  EXPECT_EQ(ApplyObservation(k, Saw(PowerState::kAbsent), 102).event_type, "SystemFailure.Stop");
  // A guest shut down from inside is the user's doing: no event.
  Instance l = Fresh(DesiredPower::kRunning);
  ApplyObservation(l, Saw(PowerState::kShutoff), 100);
  ApplyObservation(l, Saw(PowerState::kRunning), 101);
  EXPECT_EQ(ApplyObservation(l, Saw(PowerState::kShutoff), 102).event_type, "");
}
}  // namespace openecs
