#pragma once
// Placement: filters drop hosts that cannot take an instance, a weigher ranks the survivors.
// Pure functions over a capacity snapshot; the caller claims the chosen host's capacity in
// the same transaction that records the placement, so two requests cannot take one last slot.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace openecs {

struct HostCapacity {
  std::string host_id;
  std::string zone_id;
  int vcpus = 0, used_vcpus = 0;
  int64_t memory_mb = 0, used_memory_mb = 0;
  int gpus = 0, used_gpus = 0;
  std::string storage;  // the storage it shares with other hosts (Host::storage), "" for none
  // The account it is reserved for (a dedicated host), "" for a host every account shares.
  std::string dedicated_to;
  bool lost = false;  // its agent went silent (Host::lost_since): it takes nothing
};

// How a deployment set constrains where its next member goes (DeploymentSetFilter).
enum class SetSpread {
  kNone,            // not in a deployment set
  kDistinctHosts,   // Availability: never on a host that holds a member of the set
  kDistinctGroups,  // AvailabilityGroup: never on a host that holds a member of another group
  kPack,            // LowLatency: prefer hosts that hold members (no host is refused)
};

struct Demand {
  std::string zone_id;  // "" = any zone
  // Only this host (an instance placed before: its disks are in that host's pool)
  std::string require_host;
  int cpu = 0;
  int64_t memory_mb = 0;
  int gpu = 0;
  // The deployment set of the instance being placed: its rule, the group the instance joins
  // (AvailabilityGroup; 0 otherwise), and the hosts holding members already, each with the
  // groups of its members. The caller adds each placement of a batch to set_members.
  SetSpread spread = SetSpread::kNone;
  int spread_group = 0;
  std::map<std::string, std::set<int>> set_members;
  // Only hosts sharing this storage (an instance placed before whose disks all live there: any
  // of them can open the disks), and among them `prefer_host` (where it ran) if it has room.
  std::string storage;
  std::string prefer_host;
  // The account whose dedicated hosts it goes to ("" for the shared hosts): an instance on a
  // dedicated host also names it in require_host.
  std::string dedicated_to;
};

// Filters (each returns false to drop the host).
bool ZoneFilter(const HostCapacity& h, const Demand& d);
bool CapacityFilter(const HostCapacity& h, const Demand& d);
// The deployment set rule: Availability puts each member on its own host (ECS: "each instance
// on a different physical server"); AvailabilityGroup keeps the groups on disjoint hosts (members
// of one group may share a host); LowLatency refuses nothing (it only weighs, see PickHost).
bool DeploymentSetFilter(const HostCapacity& h, const Demand& d);
// Tenancy: a dedicated host takes its own account's instances placed on it, and a shared host
// only instances that are not.
bool TenancyFilter(const HostCapacity& h, const Demand& d);

// Spread weigher: the share of memory and vCPU left free after placement, in [0, 1].
double SpreadWeight(const HostCapacity& h, const Demand& d);

// Picks a host index, or nullopt when no host passes every filter (a lost host passes none).
// Does not modify `hosts`.
// Under LowLatency, a host that holds members of the set wins over one that does not;
// `prefer_host` wins over every other host.
std::optional<size_t> PickHost(const std::vector<HostCapacity>& hosts, const Demand& d);

// Claims the demand on hosts[i] (updates the used counters).
void Claim(HostCapacity& h, const Demand& d);

}  // namespace openecs
