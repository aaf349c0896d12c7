#include "service/capacity.h"

namespace openecs {

std::vector<HostCapacity> Capacities(const State& s) {
  std::vector<HostCapacity> out;
  const auto& use = s.index.host_use();
  for (const auto& [id, h] : s.hosts) {
    HostCapacity c{id, h.zone_id, h.vcpus, 0, h.memory_mb, 0, h.gpus, 0};
    if (auto u = use.find(id); u != use.end()) {
      c.used_vcpus = static_cast<int>(u->second.cpu);
      c.used_memory_mb = u->second.memory_mb;
      c.used_gpus = static_cast<int>(u->second.gpu);
    }
    out.push_back(std::move(c));
  }
  return out;
}

Demand DemandOf(const Instance& i) {
  Demand d;
  d.zone_id = i.zone_id;
  d.require_host = i.host_id;
  d.cpu = i.cpu;
  d.memory_mb = i.memory_mb;
  d.gpu = i.gpu;
  return d;
}

}  // namespace openecs
