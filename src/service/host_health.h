#pragma once
// Host loss: what the server does when a host's agent goes silent.
//
// Every agent pulls its desired state at least twice a second (agent/agent.h) and reports what
// it does; AgentService counts a pull in flight as contact. A host with no contact for
// `lost_after_ms` is declared lost (Host::lost_since, one transaction), and from then on:
//  - the scheduler places nothing on it (HostCapacity::lost; RunInstances, StartInstance and
//    moves pass it over);
//  - each instance on it is settled in that same transaction, by what the user would expect of
//    a cloud whose physical server failed (ECS's ActionOnMaintenance / maintenance attributes):
//    * to be running (Running, Starting, Pending), maintenance action not Stop, and every disk
//      on storage other hosts share (capacity.h RestartDemandOf: no local disks, a built-in
//      image, no deployment set, not on a dedicated host): started again on another host of
//      that storage in its zone, its disks with it; event SystemFailure.Reboot;
//    * otherwise to be running, or Stopping: Stopped (StopCharging for pay-as-you-go, as an
//      economical stop), its claim on the lost host given up; event SystemFailure.Stop with the
//      reason (no room elsewhere, local disks, ...). StartInstance places it again: elsewhere if
//      it can move, else on its own host once that host is back;
//    * being released: released (its record, IP and DeleteWithInstance disk records go);
//    * Stopped: its claim (KeepCharging) is given up, so that a start places it again.
//  - a lost host that makes contact again is back (lost_since 0). Its agent finds guests the
//    server moved away orphaned, and destroys them (agent.h); guests that stayed there are
//    Stopped and are stopped. A host partitioned from the server but not from the storage
//    keeps running a moved guest until it is back, so two guests may write one disk meanwhile:
//    nothing here fences the old host (RBD's exclusive lock does not forbid alternating
//    writers); `lost_after_ms` should exceed any partition the operator tolerates.
//
// The contact clock is this server's own (AgentService), so after a restart every host gets
// `lost_after_ms` from the server's start before it can be declared lost.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

inline constexpr int64_t kDefaultHostLostAfterMs = 60'000;

struct HostLossPass {
  std::vector<std::string> lost;  // hosts declared lost by this pass
  std::vector<std::string> back;  // lost hosts that made contact again
  int moved = 0;                  // instances started again elsewhere
  int stopped = 0;                // instances stopped (could not move, or not to move)
  int released = 0;               // instances whose release the lost host would have finished
};

// One pass over the registered hosts. `contact_age_ms`: by host id, milliseconds since its
// agent's last contact (AgentService::ContactAges: 0 while a pull is in flight); a host missing
// from it is left as it is. Writes only when a host changes.
HostLossPass RunHostLossPass(Cloud& cloud, const std::map<std::string, int64_t>& contact_age_ms,
                             int64_t lost_after_ms);

}  // namespace openecs
