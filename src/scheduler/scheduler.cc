#include "scheduler/scheduler.h"

namespace openecs {

bool ZoneFilter(const HostCapacity& h, const Demand& d) {
  return d.zone_id.empty() || h.zone_id == d.zone_id;
}

bool CapacityFilter(const HostCapacity& h, const Demand& d) {
  return h.vcpus - h.used_vcpus >= d.cpu && h.memory_mb - h.used_memory_mb >= d.memory_mb &&
         h.gpus - h.used_gpus >= d.gpu;
}

bool DeploymentSetFilter(const HostCapacity& h, const Demand& d) {
  auto it = d.set_members.find(h.host_id);
  if (it == d.set_members.end() || it->second.empty()) return true;
  switch (d.spread) {
    case SetSpread::kDistinctHosts:
      return false;
    case SetSpread::kDistinctGroups:
      return it->second.size() == 1 && *it->second.begin() == d.spread_group;
    case SetSpread::kNone:
    case SetSpread::kPack:
      return true;
  }
  return true;
}

bool TenancyFilter(const HostCapacity& h, const Demand& d) {
  return h.dedicated_to == d.dedicated_to;
}

double SpreadWeight(const HostCapacity& h, const Demand& d) {
  double cpu_free = h.vcpus > 0 ? double(h.vcpus - h.used_vcpus - d.cpu) / h.vcpus : 0;
  double mem_free =
      h.memory_mb > 0 ? double(h.memory_mb - h.used_memory_mb - d.memory_mb) / h.memory_mb : 0;
  return (cpu_free + mem_free) / 2;
}

std::optional<size_t> PickHost(const std::vector<HostCapacity>& hosts, const Demand& d) {
  std::optional<size_t> best;
  double best_weight = -1;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const auto& h = hosts[i];
    if (h.lost || (!d.require_host.empty() && h.host_id != d.require_host)) continue;
    if (!d.storage.empty() && h.storage != d.storage) continue;
    if (!ZoneFilter(h, d) || !CapacityFilter(h, d) || !DeploymentSetFilter(h, d) ||
        !TenancyFilter(h, d))
      continue;
    double w = SpreadWeight(h, d);  // in [0, 1]
    if (d.spread == SetSpread::kPack && d.set_members.count(h.host_id)) w += 1;
    if (!d.prefer_host.empty() && h.host_id == d.prefer_host) w += 2;
    if (w > best_weight) {
      best_weight = w;
      best = i;
    }
  }
  return best;
}

void Claim(HostCapacity& h, const Demand& d) {
  h.used_vcpus += d.cpu;
  h.used_memory_mb += d.memory_mb;
  h.used_gpus += d.gpu;
}

}  // namespace openecs
