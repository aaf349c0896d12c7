#include "model/instance_state.h"

namespace openecs {

bool ActionAllowed(InstanceAction action, InstanceStatus status) {
  using S = InstanceStatus;
  switch (action) {
    case InstanceAction::kStart:
      return status == S::kStopped;
    case InstanceAction::kStop:
    case InstanceAction::kReboot:
    case InstanceAction::kVncUrl:
      return status == S::kRunning;
    case InstanceAction::kChangeDevices:
      return status == S::kRunning || status == S::kStopped;
    case InstanceAction::kDelete:
      return status == S::kStopped;
    case InstanceAction::kForceDelete:
      return status != S::kPending;
    case InstanceAction::kModify:
      return true;
    case InstanceAction::kModifyPassword:
      return status != S::kStarting && status != S::kPending;
    case InstanceAction::kModifyHostName:
      return status != S::kStarting && status != S::kPending;
    case InstanceAction::kModifyUserData:
    case InstanceAction::kModifyVpc:
      return status == S::kStopped;
  }
  return false;
}

Status CheckAction(InstanceAction action, InstanceStatus status, InstanceTask task) {
  if (!ActionAllowed(action, status)) return MakeError(ErrorCode::kIncorrectInstanceStatus);
  // Attribute changes never conflict with a power operation; everything else waits for the
  // operation in flight, except a forced release, which supersedes it.
  bool conflicts = task != InstanceTask::kNone && action != InstanceAction::kModify &&
                   action != InstanceAction::kModifyPassword &&
                   action != InstanceAction::kModifyHostName &&
                   !(action == InstanceAction::kForceDelete && task != InstanceTask::kReleasing);
  if (conflicts) return MakeError(ErrorCode::kIncorrectInstanceStatus);
  return Ok();
}

std::string_view ToString(InstanceStatus s) {
  switch (s) {
    case InstanceStatus::kPending:
      return "Pending";
    case InstanceStatus::kStarting:
      return "Starting";
    case InstanceStatus::kRunning:
      return "Running";
    case InstanceStatus::kStopping:
      return "Stopping";
    case InstanceStatus::kStopped:
      return "Stopped";
  }
  return "Stopped";
}

bool ParseStatus(std::string_view s, InstanceStatus* out) {
  for (InstanceStatus st : kAllStatuses) {
    if (ToString(st) == s) {
      *out = st;
      return true;
    }
  }
  return false;
}

std::string_view ToString(InstanceTask t) {
  switch (t) {
    case InstanceTask::kNone:
      return "none";
    case InstanceTask::kCreating:
      return "creating";
    case InstanceTask::kStarting:
      return "starting";
    case InstanceTask::kStopping:
      return "stopping";
    case InstanceTask::kRebooting:
      return "rebooting";
    case InstanceTask::kReleasing:
      return "releasing";
  }
  return "none";
}

std::string_view ToString(PowerState p) {
  switch (p) {
    case PowerState::kUnknown:
      return "unknown";
    case PowerState::kAbsent:
      return "absent";
    case PowerState::kShutoff:
      return "shutoff";
    case PowerState::kRunning:
      return "running";
  }
  return "unknown";
}

std::string_view ToString(DesiredPower d) {
  switch (d) {
    case DesiredPower::kRunning:
      return "running";
    case DesiredPower::kStopped:
      return "stopped";
    case DesiredPower::kAbsent:
      return "absent";
  }
  return "absent";
}

}  // namespace openecs
