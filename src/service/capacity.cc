#include "service/capacity.h"

#include "model/catalogue.h"

namespace openecs {

std::vector<HostCapacity> Capacities(const State& s) {
  std::vector<HostCapacity> out;
  const auto& use = s.index.host_use();
  std::map<std::string, std::string> dedicated;  // host -> account
  for (const auto& [id, dh] : s.dedicated_hosts) dedicated[dh.host_id] = dh.account_id;
  for (const auto& [id, h] : s.hosts) {
    HostCapacity c{id, h.zone_id, h.vcpus, 0, h.memory_mb, 0, h.gpus, 0, h.storage};
    if (auto d = dedicated.find(id); d != dedicated.end()) c.dedicated_to = d->second;
    c.lost = h.lost_since != 0;
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
  if (!i.dedicated_host_id.empty()) d.dedicated_to = i.account_id;
  return d;
}

const std::string& SharedStorageOf(const State& s, const std::string& host_id) {
  static const std::string kNone;
  auto h = s.hosts.find(host_id);
  return h == s.hosts.end() ? kNone : h->second.storage;
}

std::vector<std::string> HostsSharingDisksWith(const State& s, const std::string& host_id) {
  std::vector<std::string> out{host_id};
  const std::string& storage = SharedStorageOf(s, host_id);
  if (!storage.empty())
    for (const auto& [id, h] : s.hosts)
      if (id != host_id && h.storage == storage) out.push_back(id);
  return out;
}

bool CanOpenDisksOf(const State& s, const std::string& a, const std::string& b) {
  if (a.empty() || b.empty() || a == b) return true;
  const std::string& storage = SharedStorageOf(s, a);
  return !storage.empty() && storage == SharedStorageOf(s, b);
}

Reach ReachOf(const State& s, const Snapshot& snap) {
  return Reach{snap.host_id, SharedStorageOf(s, snap.host_id)};
}

bool Narrow(const State& s, Reach& where, const Reach& other) {
  if (other.anywhere()) return true;
  if (where.anywhere()) {
    where = other;
    return true;
  }
  // A reach with a storage is every host of it; one without is its host alone.
  auto one_host = [](const Reach& r) { return r.storage.empty(); };
  if (one_host(where) && one_host(other)) return where.host == other.host;
  if (one_host(where)) return SharedStorageOf(s, where.host) == other.storage;
  if (one_host(other)) {
    if (SharedStorageOf(s, other.host) != where.storage) return false;
    where = other;
    return true;
  }
  return where.storage == other.storage;
}

void Require(const Reach& where, Demand& d) {
  if (where.storage.empty())
    d.require_host = where.host;
  else
    d.storage = where.storage;
}

Demand RestartDemandOf(const State& s, const Instance& i) {
  Demand d = DemandOf(i);
  const std::string& storage = SharedStorageOf(s, i.host_id);
  if (storage.empty()) return d;
  const InstanceType* type = FindInstanceType(i.instance_type);
  if (type && type->local_storage_amount > 0) return d;
  for (const auto& id : i.disk_ids)
    if (auto disk = s.disks.find(id);
        disk != s.disks.end() && (IsLocalDiskCategory(disk->second.category) ||
                                  !CanOpenDisksOf(s, disk->second.host_id, i.host_id)))
      return d;
  // A custom image is kept in the store of the host that made it (the kernel it boots with),
  // unless it was made into the shared storage. Once its record is gone (DeleteImage
  // Force=true) nothing says where it is, and the instance stays.
  if (!FindBuiltinImage(i.image_id)) {
    auto image = s.images.find(i.image_id);
    if (image == s.images.end() || image->second.storage != storage) return d;
  }
  // A deployment set's rule was checked where it runs; it is not weighed again for a move.
  // An instance on a dedicated host stays on it.
  if (!i.deployment_set_id.empty() || !i.dedicated_host_id.empty()) return d;
  d.require_host.clear();
  d.storage = storage;
  d.prefer_host = i.host_id;
  return d;
}

}  // namespace openecs
