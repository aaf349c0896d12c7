#include "service/capacity.h"

#include <map>

namespace openecs {

std::vector<HostCapacity> Capacities(const State& s) {
  std::vector<HostCapacity> out;
  std::map<std::string, size_t> index;
  for (const auto& [id, h] : s.hosts) {
    index[id] = out.size();
    out.push_back({id, h.zone_id, h.vcpus, 0, h.memory_mb, 0, h.gpus, 0});
  }
  for (const auto& [id, i] : s.instances) {
    if (!i.claimed) continue;
    auto it = index.find(i.host_id);
    if (it != index.end()) Claim(out[it->second], DemandOf(i));
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
