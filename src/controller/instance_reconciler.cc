#include "controller/instance_reconciler.h"

namespace openecs {
namespace {
using S = InstanceStatus;
using T = InstanceTask;

void Rest(Instance& i, S status) {
  i.status = status;
  i.task = T::kNone;
  i.force_stop = false;
}

// The guest was (re)started: its OS has not said it is up yet (HealthStatus Initializing).
void Booted(Instance& i, int64_t now) {
  i.boot_time = now;
  i.guest_ready = false;
}
}  // namespace

ReconcileOutcome ApplyObservation(Instance& inst, const Observation& obs, int64_t now) {
  ReconcileOutcome out;
  Instance before = inst;

  if (obs.failed) {
    inst.last_error = obs.operation + ": " + obs.error;
    switch (inst.task) {
      case T::kCreating:
        // The instance never came up: release it, freeing its IP, disks and capacity.
        out.release = true;
        out.event_type = "SystemFailure.Delete";
        out.event_reason = "The instance could not be created on its host and was released (" +
                           inst.last_error + ")";
        break;
      case T::kStarting:
        out.event_type = "SystemFailure.Stop";
        out.event_reason = "The instance could not be started on its host and is Stopped (" +
                           inst.last_error + ")";
        Rest(inst, S::kStopped);
        inst.desired = DesiredPower::kStopped;
        inst.stopped_mode = "StopCharging";
        out.release_claim = inst.claimed;
        inst.claimed = false;
        break;
      case T::kStopping:
        inst.force_stop = true;  // escalate: the agent retries with a hard power-off
        break;
      case T::kRebooting:
        Rest(inst, obs.power == PowerState::kRunning ? S::kRunning : S::kStopped);
        if (inst.status == S::kStopped) {
          inst.desired = DesiredPower::kStopped;
          out.event_type = "SystemFailure.Stop";
          out.event_reason = "The instance could not be restarted on its host and is Stopped (" +
                             inst.last_error + ")";
        }
        break;
      case T::kReleasing:
      case T::kNone:
        break;  // the agent retries a failed destroy on its next sync
    }
    out.changed = true;
    return out;
  }

  if (obs.power != PowerState::kUnknown) inst.power = obs.power;  // unknown: console news only
  switch (obs.power) {
    case PowerState::kAbsent:
      if (inst.task == T::kReleasing) {
        out.release = true;
      } else if (inst.task == T::kNone && inst.status == S::kRunning) {
        // The guest vanished from its host.
        Rest(inst, S::kStopped);
        inst.desired = DesiredPower::kStopped;
        inst.stopped_mode = "KeepCharging";
        out.event_type = "SystemFailure.Stop";
        out.event_reason =
            "The instance's virtual machine disappeared from its host; it is Stopped";
      }
      break;
    case PowerState::kShutoff:
      if (inst.task == T::kCreating) {
        if (inst.desired == DesiredPower::kRunning) {
          inst.status = S::kStarting;
          inst.task = T::kStarting;
        } else {
          Rest(inst, S::kStopped);
          inst.stopped_mode = "KeepCharging";
        }
      } else if (inst.task == T::kStopping) {
        Rest(inst, S::kStopped);
        if (inst.stopped_mode == "StopCharging") {
          out.release_claim = inst.claimed;
          inst.claimed = false;
        }
      } else if (inst.task == T::kNone && inst.status == S::kRunning && obs.crashed) {
        // Its virtual machine died without a shutdown (QEMU crashed or was killed, the host
        // went down): ECS starts it again and says so.
        inst.status = S::kStarting;
        inst.task = T::kStarting;
        out.event_type = "SystemFailure.Reboot";
        out.event_reason =
            "The instance's virtual machine stopped unexpectedly on its host (no shutdown was "
            "asked for); it is being started again";
      } else if (inst.task == T::kNone && inst.status == S::kRunning) {
        // Shut down from inside the guest.
        Rest(inst, S::kStopped);
        inst.desired = DesiredPower::kStopped;
        inst.stopped_mode = "KeepCharging";
      }
      break;
    case PowerState::kRunning:
      if (inst.task == T::kStarting ||
          (inst.task == T::kCreating && inst.desired == DesiredPower::kRunning)) {
        Rest(inst, S::kRunning);
        inst.start_time = now;
        Booted(inst, now);
        inst.booted_once = true;
        inst.stopped_mode = "Not-applicable";
        inst.last_error.clear();
      } else if (inst.task == T::kRebooting && obs.reboot_seq_done >= inst.reboot_seq) {
        Rest(inst, S::kRunning);
        Booted(inst, now);
        inst.last_error.clear();
      }
      break;
    case PowerState::kUnknown:
      break;
  }
  if (obs.guest_ready && inst.status == S::kRunning && inst.task == T::kNone)
    inst.guest_ready = true;
  out.changed = inst.power != before.power || inst.status != before.status ||
                inst.task != before.task || inst.guest_ready != before.guest_ready ||
                inst.boot_time != before.boot_time || out.release;
  return out;
}

}  // namespace openecs
