#include "service/host_wake.h"

#include "service/capacity.h"
#include "service/cloud.h"

namespace openecs {

namespace {

void AddHost(std::vector<std::string>& hosts, const std::string& id) {
  if (!id.empty() && std::find(hosts.begin(), hosts.end(), id) == hosts.end()) hosts.push_back(id);
}

std::string Seen(const Instance& i) {
  std::string out = i.host_id + '|' + i.vpc_id + '|' + i.vswitch_id + '|' + i.private_ip + '|';
  for (const auto& ip : i.secondary_ips) out += ip + ',';
  out += '|';
  for (const auto& g : i.security_group_ids) out += g + ',';
  return out;
}

}  // namespace

bool NoteHostWork(const State& s, std::string_view kind, const std::string& id, HostWake& wake) {
  auto host_of = [&](const std::string& instance_id) {
    auto it = s.instances.find(instance_id);
    if (it != s.instances.end() && !it->second.host_id.empty())
      wake.hosts.insert(it->second.host_id);
  };
  if (kind == Kind<Invocation>::kName) {
    auto it = s.invocations.find(id);
    if (it == s.invocations.end()) return false;
    for (const auto& t : it->second.targets) host_of(t.instance_id);
    return true;
  }
  if (kind == Kind<GuestRequest>::kName) {
    auto it = s.guest_requests.find(id);
    if (it == s.guest_requests.end()) return false;
    host_of(it->second.instance_id);
    return true;
  }
  if (kind == Kind<TerminalSession>::kName) {
    auto it = s.terminal_sessions.find(id);
    if (it == s.terminal_sessions.end()) return false;
    host_of(it->second.instance_id);
    return true;
  }
  if (kind == Kind<Snapshot>::kName) {
    auto it = s.snapshots.find(id);
    if (it == s.snapshots.end() || it->second.host_id.empty()) return false;
    for (const std::string& host : HostsSharingDisksWith(s, it->second.host_id))
      wake.hosts.insert(host);
    for (const auto& [image_id, image] : s.images)
      if (image.snapshot_id == id && image.status == "Creating" && !image.host_id.empty())
        wake.hosts.insert(image.host_id);
    return true;
  }
  return false;
}

void HostFootprints::Apply(std::map<std::string, Footprint>& table, const std::string& id,
                           const Footprint* now, HostWake& wake) {
  auto it = table.find(id);
  const Footprint* before = it == table.end() ? nullptr : &it->second;
  if (before) wake.hosts.insert(before->hosts.begin(), before->hosts.end());
  if (now) wake.hosts.insert(now->hosts.begin(), now->hosts.end());
  // Appearing, going or changing what others see of it concerns the data planes (an instance's
  // `seen` is never empty, a disk's always is).
  if ((before ? before->seen : "") != (now ? now->seen : "")) wake.data_planes = true;
  if (now)
    table[id] = *now;
  else if (it != table.end())
    table.erase(it);
}

void HostFootprints::Note(const State&, const std::string& id, const Instance* now, HostWake& wake,
                          bool echo) {
  Footprint f;
  if (now) {
    AddHost(f.hosts, now->host_id);
    f.seen = Seen(*now);
  }
  if (echo && now) {
    auto it = instances_.find(id);
    if (it != instances_.end() && it->second.hosts == f.hosts && it->second.seen == f.seen) {
      wake.echoed.insert(f.hosts.begin(), f.hosts.end());
      return;
    }
  }
  Apply(instances_, id, now ? &f : nullptr, wake);
}

void HostFootprints::Note(const State& s, const std::string& id, const Disk* now, HostWake& wake) {
  Footprint f;
  if (now) {
    AddHost(f.hosts, now->host_id);
    if (auto i = s.instances.find(now->instance_id); i != s.instances.end())
      AddHost(f.hosts, i->second.host_id);
    // Every host of a shared storage lists the disk for its collection (pool_disks).
    if (const std::string& storage = SharedStorageOf(s, now->host_id); !storage.empty())
      for (const auto& [host_id, host] : s.hosts)
        if (host.storage == storage) AddHost(f.hosts, host_id);
  }
  Apply(disks_, id, now ? &f : nullptr, wake);
}

void HostFootprints::Rebuild(const State& s) {
  instances_.clear();
  disks_.clear();
  HostWake ignored;
  for (const auto& [id, i] : s.instances) Note(s, id, &i, ignored);
  for (const auto& [id, d] : s.disks) Note(s, id, &d, ignored);
}

}  // namespace openecs
