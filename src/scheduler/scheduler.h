#pragma once
// Placement: filters drop hosts that cannot take an instance, a weigher ranks the survivors.
// Pure functions over a capacity snapshot; the caller claims the chosen host's capacity in
// the same transaction that records the placement, so two requests cannot take one last slot.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace openecs {

struct HostCapacity {
  std::string host_id;
  std::string zone_id;
  int vcpus = 0, used_vcpus = 0;
  int64_t memory_mb = 0, used_memory_mb = 0;
  int gpus = 0, used_gpus = 0;
};

struct Demand {
  std::string zone_id;  // "" = any zone
  // Only this host (an instance placed before: its disks are in that host's pool)
  std::string require_host;
  int cpu = 0;
  int64_t memory_mb = 0;
  int gpu = 0;
};

// Filters (each returns false to drop the host).
bool ZoneFilter(const HostCapacity& h, const Demand& d);
bool CapacityFilter(const HostCapacity& h, const Demand& d);

// Spread weigher: the share of memory and vCPU left free after placement, in [0, 1].
double SpreadWeight(const HostCapacity& h, const Demand& d);

// Picks a host index, or nullopt when no host passes every filter. Does not modify `hosts`.
std::optional<size_t> PickHost(const std::vector<HostCapacity>& hosts, const Demand& d);

// Claims the demand on hosts[i] (updates the used counters).
void Claim(HostCapacity& h, const Demand& d);

}  // namespace openecs
