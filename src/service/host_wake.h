#pragma once
// Which hosts' desired state (model/agent_protocol.h DesiredState) one commit can have changed,
// so that a commit wakes the long-polls of those agents only (service/agent_service.h). Before
// this, every commit woke every agent and each rebuilt its whole state: with a thousand hosts,
// one host's report cost a thousand state builds.
//
// The rule, per kind of record the desired state is made of (Cloud::Write applies it):
//   - an instance concerns the host it is on, before and after the change (a move concerns
//     both). When what other hosts see of it changes (its host, VPC, vSwitch, addresses or
//     security groups: the remote addresses and merged rules of hosts that build VPCs), it
//     also concerns every host with a VPC data plane. Existing or not is such a change.
//   - a disk concerns the host holding its data and the host of its instance; on storage hosts
//     share (an RBD pool), every host of that storage, whose collection lists it.
//   - a host record concerns that host and every host with a VPC data plane (its underlay
//     address is their remote addresses' next hop); its storage is other hosts' disk lists.
//   - a disk no host has made yet concerns nobody: no host has data of it to keep or remove.
//   - work asked of the hosts of some guests (NoteHostWork): a Cloud Assistant invocation
//     concerns the hosts of its targets, a guest request and a terminal session the host of
//     their instance; a snapshot the host holding it, the hosts sharing that storage (they keep
//     its file) and the hosts of custom images being made from it. Each report of a running
//     command changes its invocation: with many hosts running commands this kept waking all.
//     One of these gone concerns every host (what it named is not known any more).
//   - a security group concerns every host with a VPC data plane: only the merged rules read
//     it, and a host without one gets none (security_rules.h InstanceNics). A cloud that adds a
//     group per few thousand instances rebuilt every guest of every host each time.
//   - every other kind that shapes the desired state (networks, images, key pairs) concerns
//     every host. They change far less often than instances and disks, and
//     each reaches hosts in more ways than is worth tracking.
// A record changed in place is seen by its footprint before and after: the footprint before is
// what this class recorded at the last commit (Rebuild after a load or a revert).
//
// Echoes: a host's own report moves its instances' status and power, which its desired state
// carries back to it (DesiredVm::observed) but which it has nothing to do about. Waking the
// host for that cost every launch two more pulls (the spawn's report, the boot's report), each
// a state build on the server and a parse on the host. So an instance change the writer marks
// as an echo (Txn::Echo) whose footprint did not move puts its host in `echoed`, not `hosts`:
// the host's state revision moves (Cloud::HostStateRevision) and its next "changed" answer,
// whatever makes it (news, or a full sync built whole: at least once a minute per host,
// api/agent_endpoint.h), carries the change; its long-poll is not
// ended for it, and one that times out with only echoes pending answers "unchanged"
// (AgentService::PullState). The agent never acts on a state older than its last answer, so
// nothing it does rests on an echo it has not heard.
//
// Not thread-safe: Cloud calls it under its exclusive lock.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/resources.h"

namespace openecs {

struct State;

// The hosts one commit concerns.
struct HostWake {
  bool all = false;          // every host
  bool data_planes = false;  // every host that builds a VPC data plane (Host::vpc_data_plane)
  std::set<std::string> hosts;
  // Hosts whose state changed only by echoing their own report: not woken (see above).
  std::set<std::string> echoed;
  // True if nobody is to be woken (`echoed` aside).
  bool empty() const { return !all && !data_planes && hosts.empty(); }
  // True if a host (`data_plane`: it builds VPCs) is among them.
  bool Concerns(const std::string& host_id, bool data_plane) const {
    return all || (data_plane && data_planes) || hosts.count(host_id) > 0;
  }
};

// Adds to `wake` the hosts a change of one invocation, guest request, terminal session or
// snapshot concerns (the rule above), the record being `kind`/`id` in `s` after the commit.
// False if `kind` is none of those or the record is gone: the caller wakes every host.
bool NoteHostWork(const State& s, std::string_view kind, const std::string& id, HostWake& wake);

class HostFootprints {
 public:
  // Forgets everything and records the footprint of every instance and disk of `s`.
  void Rebuild(const State& s);
  // Adds to `wake` the hosts a change of one record concerns, `now` being the record after the
  // commit (null: it is gone), and records its new footprint. `echo`: the change only echoes
  // its host's report (Txn::Echo); if its footprint is unchanged its hosts go to `echoed`.
  void Note(const State& s, const std::string& id, const Instance* now, HostWake& wake,
            bool echo = false);
  void Note(const State& s, const std::string& id, const Disk* now, HostWake& wake);

 private:
  struct Footprint {
    std::vector<std::string> hosts;
    std::string seen;  // what other hosts see of an instance ("" for a disk)
  };
  static void Apply(std::map<std::string, Footprint>& table, const std::string& id,
                    const Footprint* now, HostWake& wake);
  std::map<std::string, Footprint> instances_, disks_;
};

}  // namespace openecs
