#include "model/instance_state.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "model/instance_health.h"

namespace openecs {
namespace {
using A = InstanceAction;
using S = InstanceStatus;

// The legal (action, status) pairs, written out from ecs-api.md section 8.2. Every pair not
// listed here must be refused with IncorrectInstanceStatus.
const std::set<std::pair<A, S>> kLegal = {
    {A::kStart, S::kStopped},           {A::kStop, S::kRunning},
    {A::kReboot, S::kRunning},          {A::kVncUrl, S::kRunning},
    {A::kDelete, S::kStopped},          {A::kForceDelete, S::kStarting},
    {A::kForceDelete, S::kRunning},     {A::kForceDelete, S::kStopping},
    {A::kForceDelete, S::kStopped},     {A::kModify, S::kPending},
    {A::kModify, S::kStarting},         {A::kModify, S::kRunning},
    {A::kModify, S::kStopping},         {A::kModify, S::kStopped},
    {A::kModifyPassword, S::kRunning},  {A::kModifyPassword, S::kStopping},
    {A::kModifyPassword, S::kStopped},  {A::kModifyHostName, S::kRunning},
    {A::kModifyHostName, S::kStopping}, {A::kModifyHostName, S::kStopped},
    {A::kModifyUserData, S::kStopped},  {A::kModifyVpc, S::kStopped},
    {A::kChangeDevices, S::kRunning},   {A::kChangeDevices, S::kStopped},
};
}  // namespace

TEST(InstanceState, EveryActionStatusPair) {
  for (A a : kAllActions) {
    for (S s : kAllStatuses) {
      bool legal = kLegal.count({a, s}) > 0;
      EXPECT_EQ(ActionAllowed(a, s), legal)
          << "action " << static_cast<int>(a) << " status " << ToString(s);
      Status st = CheckAction(a, s, InstanceTask::kNone);
      EXPECT_EQ(st.ok(), legal);
      if (!legal) {
        EXPECT_EQ(st.error().code, ErrorCode::kIncorrectInstanceStatus);
      }
    }
  }
}

TEST(InstanceState, OperationInFlightLocksOutPowerActions) {
  EXPECT_FALSE(CheckAction(A::kStop, S::kRunning, InstanceTask::kRebooting).ok());
  EXPECT_FALSE(CheckAction(A::kDelete, S::kStopped, InstanceTask::kStarting).ok());
  EXPECT_TRUE(CheckAction(A::kModify, S::kStarting, InstanceTask::kStarting).ok());
  // A forced release supersedes a start in flight, but not another release.
  EXPECT_TRUE(CheckAction(A::kForceDelete, S::kStarting, InstanceTask::kStarting).ok());
  EXPECT_FALSE(CheckAction(A::kForceDelete, S::kStopping, InstanceTask::kReleasing).ok());
}

TEST(InstanceState, StatusNamesRoundTrip) {
  for (S s : kAllStatuses) {
    S parsed;
    ASSERT_TRUE(ParseStatus(ToString(s), &parsed));
    EXPECT_EQ(parsed, s);
  }
  S parsed;
  EXPECT_FALSE(ParseStatus("running", &parsed));
}

}  // namespace openecs

namespace openecs {
TEST(InstanceHealth, OkOnlyOnceTheGuestSaidSoAndImpairedAfterSilence) {
  Instance i;
  i.status = InstanceStatus::kStarting;
  EXPECT_EQ(HealthStatusOf(i, 100), "Initializing");
  i.status = InstanceStatus::kRunning;
  i.boot_time = 100;
  EXPECT_EQ(HealthStatusOf(i, 100), "Initializing");
  EXPECT_EQ(HealthStatusOf(i, 100 + kGuestSilentSeconds - 1), "Initializing");
  EXPECT_EQ(HealthStatusOf(i, 100 + kGuestSilentSeconds), "Impaired");
  i.guest_ready = true;
  EXPECT_EQ(HealthStatusOf(i, 100 + kGuestSilentSeconds), "Ok");
  i.status = InstanceStatus::kStopped;
  EXPECT_EQ(HealthStatusOf(i, 100), "NotApplicable");
}
}  // namespace openecs
