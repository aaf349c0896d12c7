#pragma once
// Host loss: what the server does when a host's agent goes silent.
//
// Every agent always has a pull of its desired state in flight, a long-poll that ends at news
// or at the agent's next full sync (every 10 s: agent/agent.h), and reports what it does;
// AgentService counts a pull in flight as contact, on the steady clock. A host with no contact
// for `lost_after_ms` is declared lost (Host::lost_since, one transaction): a host that stops
// answering is so declared lost between `lost_after_ms` and that plus its last pull's wait
// (the server cannot tell a silent agent's open long-poll from a live one's). From then on:
//  - the scheduler places nothing on it (HostCapacity::lost; RunInstances, StartInstance and
//    moves pass it over);
//  - what it was to make fails, as if it had reported the failure: progressing snapshots, disk
//    builds (CreateDisk from a snapshot, ReInitDisk, ResetDisk), custom image builds and
//    exports, their tasks Failed with the reason; and instances being released there are
//    released (record, IP, DeleteWithInstance disk records). Every pass does this again for
//    every lost host, so work asked of it later (a DeleteInstance of an instance stopped there)
//    does not wait for it either;
//  - each instance on it is settled in the transaction that declares it lost, by what the user
//    would expect of a cloud whose physical server failed (ECS's maintenance attributes):
//    * to be running (Running, Starting, Pending), maintenance action not Stop, and every disk
//      on storage other hosts share (capacity.h RestartDemandOf: no local disks, a built-in
//      image or one made into that storage, no deployment set, not on a dedicated host):
//      started again on another host of
//      that storage in its zone, its disks with it; event SystemFailure.Reboot. The new host
//      fences the old one off the disks before it launches the guest (storage.h Fence);
//    * otherwise to be running, or Stopping: Stopped, its claim on the lost host given up, a
//      disk it was attaching In_use (attached at its next start), one it was detaching
//      Available;
//      event SystemFailure.Stop with the reason (no room elsewhere, local disks, ...). Its stop
//      mode is StopInstances' rule (StopCharging for a pay-as-you-go instance without local
//      disks), or the one a stop in progress asked for. StartInstance places it again:
//      elsewhere if it can move, else on its own host once that host is back;
//    * Stopped: its claim (KeepCharging) is given up, so that a start places it again.
//  - a lost host that makes contact again, after this server started, is back (lost_since 0).
//    Its agent finds guests the server moved away orphaned and destroys them (agent.h); guests
//    that stayed there are Stopped and are stopped.
//
// Restraint: when most hosts go silent together it is likelier this server lost its network
// (or stalled) than that they all died, and moving or stopping everything would make it worse:
// a pass that would declare more than half of the registered hosts lost at once (three hosts or
// more) declares none, and says so in the log. The caller leaves out the host it runs itself
// (`ecsd dev`'s embedded agent): it is never lost while the server runs.
//
// The contact clock is this server's own: after a restart every host gets `lost_after_ms` from
// the server's start before it can be declared lost, and a host saved as lost stays lost until
// it makes contact.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

inline constexpr int64_t kDefaultHostLostAfterMs = 60'000;

// A host's contact with this server (AgentService::Contacts).
struct HostContact {
  int64_t age_ms = 0;  // since its last contact, or since this server started if none
  bool heard = false;  // it made contact since this server started
};

struct HostLossPass {
  std::vector<std::string> lost;  // hosts declared lost by this pass
  std::vector<std::string> back;  // lost hosts that made contact again
  int moved = 0;                  // instances started again elsewhere
  int stopped = 0;                // instances stopped (could not move, or not to move)
  int released = 0;               // instances whose release the lost host would have finished
  bool held_back = false;         // too many hosts silent at once: none declared lost
};

// One pass over the registered hosts. `contacts`: by host id (AgentService::Contacts); a host
// missing from it is left as it is. Writes only when a host changes or a lost host has work.
HostLossPass RunHostLossPass(Cloud& cloud, const std::map<std::string, HostContact>& contacts,
                             int64_t lost_after_ms);

}  // namespace openecs
