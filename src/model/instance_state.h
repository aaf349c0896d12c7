#pragma once
// Instance state, after Nova: the API Status (what users see), the task in flight (which also
// locks out conflicting calls), and the power state the host last observed. One transition
// table (CheckAction) says which API action is legal in which status; the API guards and the
// reconcilers both use it, and instance_state_test walks every (action, status) pair.
#include <string_view>

#include "common/result.h"

namespace openecs {

enum class InstanceStatus { kPending, kStarting, kRunning, kStopping, kStopped };
inline constexpr InstanceStatus kAllStatuses[] = {
    InstanceStatus::kPending, InstanceStatus::kStarting, InstanceStatus::kRunning,
    InstanceStatus::kStopping, InstanceStatus::kStopped};

// The operation in flight. kNone means the instance rests in a stable status.
enum class InstanceTask { kNone, kCreating, kStarting, kStopping, kRebooting, kReleasing };

// What the host last observed.
enum class PowerState { kUnknown, kAbsent, kShutoff, kRunning };

// What the agent should make true on the host.
enum class DesiredPower { kRunning, kStopped, kAbsent };

// User-facing actions that depend on the instance status.
enum class InstanceAction {
  kStart,
  kStop,
  kReboot,
  kDelete,       // release without Force
  kForceDelete,  // release with Force=true
  kModify,       // name, description, deletion protection, security groups
  kModifyPassword,
  kModifyHostName,
  kModifyUserData,
  kModifyVpc,  // private IP / vSwitch change
  kVncUrl,
  kChangeDevices,  // join/leave security groups, attach/detach ENIs and disks: Running or Stopped
};
inline constexpr InstanceAction kAllActions[] = {
    InstanceAction::kStart,          InstanceAction::kStop,
    InstanceAction::kReboot,         InstanceAction::kDelete,
    InstanceAction::kForceDelete,    InstanceAction::kModify,
    InstanceAction::kModifyPassword, InstanceAction::kModifyHostName,
    InstanceAction::kModifyUserData, InstanceAction::kModifyVpc,
    InstanceAction::kVncUrl,         InstanceAction::kChangeDevices};

// True if `action` is legal for an instance resting in `status`.
bool ActionAllowed(InstanceAction action, InstanceStatus status);

// Ok, or IncorrectInstanceStatus when the status forbids the action or another operation is
// in flight (`task` != kNone) and the action would conflict with it.
Status CheckAction(InstanceAction action, InstanceStatus status, InstanceTask task);

std::string_view ToString(InstanceStatus s);
bool ParseStatus(std::string_view s, InstanceStatus* out);
std::string_view ToString(InstanceTask t);
std::string_view ToString(PowerState p);
std::string_view ToString(DesiredPower d);

}  // namespace openecs
