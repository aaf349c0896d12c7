#pragma once
// Indexes over State that a launch needs, kept current as records change, so a launch no
// longer scans every instance. (PoolOf and Capacities each read every instance and ENI on every
// call: O(N) per launch, O(N²) for N launches; at 57,000 instances a launch took 10 ms.)
//
//   - the private addresses each vSwitch has given out: instances' primary and secondary
//     addresses and secondary ENIs' (with how many records hold each: two records holding one
//     address would be a bug elsewhere, but releasing one of them must not free it);
//   - what the instances holding a claim (Instance::claimed) use on each host;
//   - each account's instances, their vCPUs and its cloud disks (the quotas' usage,
//     service/quota_service.h), and the ids of its instances in order with their positions,
//     so that a page of them (DescribeInstances) is found without walking those before it;
//   - the instances, the disks and the snapshots on each host (Instance::host_id,
//     Disk::host_id, Snapshot::host_id), so that a host's desired state
//     (service/agent_service.h) is built from its own records, not by reading every instance,
//     disk and snapshot of the cloud.
//
//   - the Cloud Assistant invocations, guest requests and terminal sessions hosts still have
//     to act on (each pull lists them; the finished ones stay as history);
//   - the instances with an AutoReleaseTime (the leader looks for due ones every second: it
//     read every instance under the shared lock: 4 % of a quiet ecsd's samples at 100,000,
//     about 20 ms each second).
//
// Who keeps it current: Txn (service/cloud.h) notes every Put, Touch and Erase of a record of
// these kinds; Cloud rebuilds it whenever it replaces records behind Txn (load,
// revert after a failed commit). A record changed in place is seen at its Touch, which every
// mutator makes after the change anyway (the commit stores only what was touched). With
// OPENECS_CHECK_INDEX=1 in its environment (scripts/test sets it for every ring), Cloud
// compares the index with one rebuilt from the records after every Write and aborts on a
// difference, so a mutator that forgets its Touch fails the tests rather than drifting.
#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/assistant.h"
#include "model/resources.h"
#include "service/address_set.h"

namespace openecs {

struct State;  // service/cloud.h

class StateIndex {
 public:
  // Address -> how many records hold it, and the runs of held ones (service/address_set.h).
  using Addresses = AddressSet;
  struct HostUse {
    int64_t cpu = 0, memory_mb = 0, gpu = 0;
    bool operator==(const HostUse&) const = default;
  };
  struct AccountUse {
    int64_t instances = 0, vcpus = 0, cloud_disks = 0;
    bool operator==(const AccountUse&) const = default;
  };

  // Ids in order that also find the id at a position in O(log n) (find_by_order): libstdc++'s
  // order-statistics tree.
  using RankedIds =
      __gnu_pbds::tree<std::string, __gnu_pbds::null_type, std::less<std::string>,
                       __gnu_pbds::rb_tree_tag, __gnu_pbds::tree_order_statistics_node_update>;

  // One record as it is now (null: gone).
  void Note(const std::string& id, const Instance* now);
  void Note(const std::string& id, const NetworkInterface* now);
  void Note(const std::string& id, const Disk* now);
  void Note(const std::string& id, const Snapshot* now);
  void Note(const std::string& id, const Invocation* now);
  void Note(const std::string& id, const GuestRequest* now);
  void Note(const std::string& id, const TerminalSession* now);
  // From every record of the kinds above (at load, and after a revert).
  void Rebuild(const State& s);

  // The addresses a vSwitch has given out, or null when it never had any. The pointer stays
  // valid while the index lives (a vSwitch whose last address goes keeps an empty entry), so an
  // IpPool may hold it across the Puts and Touches of its Write.
  const Addresses* AddressesOf(const std::string& vswitch_id) const;
  // What the claims on a host use (hosts without one absent).
  const std::map<std::string, HostUse>& host_use() const { return hosts_; }
  // What an account's records use (all zero for one without any).
  AccountUse account_use(const std::string& account_id) const;
  // The ids of an account's instances, in id order (none for an account without any).
  const RankedIds& InstancesOf(const std::string& account_id) const;
  // The ids of the instances on a host (none for ""), and of the disks whose data a host holds
  // ("": the disks no host has made yet).
  const std::set<std::string>& InstancesOn(const std::string& host_id) const;
  const std::set<std::string>& DisksOn(const std::string& host_id) const;
  // The ids of the snapshots a host holds (Snapshot::host_id; none for ""): what its pull lists
  // to make and to keep, without reading every snapshot of the cloud.
  const std::set<std::string>& SnapshotsOn(const std::string& host_id) const;
  // The work hosts are still to do for guests, without the finished records kept for history:
  // invocations with a target not finished (TargetFinished), pending guest requests, open
  // terminal sessions.
  const std::set<std::string>& open_invocations() const { return open_invocations_; }
  const std::set<std::string>& pending_guest_requests() const { return pending_requests_; }
  const std::set<std::string>& open_sessions() const { return open_sessions_; }
  // The instances with an AutoReleaseTime (Instance::auto_release_time > 0), due or not.
  const std::set<std::string>& auto_release() const { return auto_release_; }

  bool operator==(const StateIndex& other) const;

 private:
  struct Held {  // what one record contributes
    std::string vswitch_id;
    std::vector<uint32_t> ips;
    std::string host_id;  // "" when it claims nothing
    HostUse use;
    std::string account_id;
    AccountUse counts;         // what it adds to its account's usage
    std::string placed;        // the host it is on (instances_on_, disks_on_)
    bool placed_kept = false;  // listed even when `placed` is "" (disks)
    bool operator==(const Held&) const = default;
  };
  void Apply(std::map<std::string, Held>& by_id, const std::string& id, const Held* now);
  void Add(const Held& h, int sign);

  std::map<std::string, Held> instances_, enis_, disks_, snapshots_;
  std::map<std::string, Addresses> addresses_;
  std::map<std::string, HostUse> hosts_;
  std::map<std::string, AccountUse> accounts_;
  std::map<std::string, RankedIds> instances_of_;  // by account
  std::map<std::string, std::set<std::string>> instances_on_, disks_on_, snapshots_on_;
  std::set<std::string> open_invocations_, pending_requests_, open_sessions_, auto_release_;
};

}  // namespace openecs
