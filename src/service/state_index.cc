#include "service/state_index.h"

#include <algorithm>

#include "common/ipv4.h"
#include "model/catalogue.h"
#include "service/cloud.h"

namespace openecs {

namespace {

void AddIp(std::vector<uint32_t>& ips, const std::string& ip) {
  if (auto v = ParseIpv4(ip)) ips.push_back(*v);
}

}  // namespace

namespace {

void Mark(std::set<std::string>& open, const std::string& id, bool is_open) {
  if (is_open)
    open.insert(id);
  else
    open.erase(id);
}

}  // namespace

void StateIndex::Note(const std::string& id, const Instance* now) {
  Mark(auto_release_, id, now && now->auto_release_time > 0);
  if (auto was = instances_.find(id);
      was != instances_.end() && (!now || was->second.account_id != now->account_id)) {
    auto of = instances_of_.find(was->second.account_id);
    of->second.erase(id);
    if (of->second.empty()) instances_of_.erase(of);
  }
  if (!now) return Apply(instances_, id, nullptr);
  instances_of_[now->account_id].insert(id);  // no change if it is there
  Held h;
  h.vswitch_id = now->vswitch_id;
  AddIp(h.ips, now->private_ip);
  for (const auto& ip : now->secondary_ips) AddIp(h.ips, ip);
  if (now->claimed) {
    h.host_id = now->host_id;
    h.use = {now->cpu, now->memory_mb, now->gpu};
  }
  h.account_id = now->account_id;
  h.counts = {1, now->cpu, 0};
  h.placed = now->host_id;
  Apply(instances_, id, &h);
}

void StateIndex::Note(const std::string& id, const NetworkInterface* now) {
  if (!now) return Apply(enis_, id, nullptr);
  Held h;
  h.vswitch_id = now->vswitch_id;
  AddIp(h.ips, now->primary_ip);
  for (const auto& ip : now->secondary_ips) AddIp(h.ips, ip);
  Apply(enis_, id, &h);
}

void StateIndex::Note(const std::string& id, const Disk* now) {
  if (!now) return Apply(disks_, id, nullptr);
  Held h;
  h.account_id = now->account_id;
  h.counts = {0, 0, IsLocalDiskCategory(now->category) ? 0 : 1};
  h.placed = now->host_id;
  h.placed_kept = true;  // unplaced disks are listed too (key "")
  Apply(disks_, id, &h);
}

void StateIndex::Note(const std::string& id, const Snapshot* now) {
  if (!now) return Apply(snapshots_, id, nullptr);
  Held h;
  h.placed = now->host_id;
  Apply(snapshots_, id, &h);
}

void StateIndex::Note(const std::string& id, const Invocation* now) {
  bool open = false;
  if (now)
    for (const auto& t : now->targets) open = open || !TargetFinished(t);
  Mark(open_invocations_, id, open);
}

void StateIndex::Note(const std::string& id, const GuestRequest* now) {
  Mark(pending_requests_, id, now && now->state == "pending");
}

void StateIndex::Note(const std::string& id, const TerminalSession* now) {
  Mark(open_sessions_, id, now && SessionOpen(*now));
}

void StateIndex::Apply(std::map<std::string, Held>& by_id, const std::string& id, const Held* now) {
  auto it = by_id.find(id);
  auto& placed = &by_id == &disks_       ? disks_on_
                 : &by_id == &snapshots_ ? snapshots_on_
                                         : instances_on_;
  if (it != by_id.end()) {
    if (now && it->second == *now) return;
    Add(it->second, -1);
    if (!it->second.placed.empty() || it->second.placed_kept) {
      auto p = placed.find(it->second.placed);
      p->second.erase(id);
      if (p->second.empty()) placed.erase(p);
    }
    by_id.erase(it);
  }
  if (!now) return;
  Add(*now, +1);
  if (!now->placed.empty() || now->placed_kept) placed[now->placed].insert(id);
  by_id.emplace(id, *now);
}

const std::set<std::string>& StateIndex::InstancesOn(const std::string& host_id) const {
  static const std::set<std::string> kNone;
  auto it = instances_on_.find(host_id);
  return host_id.empty() || it == instances_on_.end() ? kNone : it->second;
}

const std::set<std::string>& StateIndex::SnapshotsOn(const std::string& host_id) const {
  static const std::set<std::string> kNone;
  auto it = snapshots_on_.find(host_id);
  return host_id.empty() || it == snapshots_on_.end() ? kNone : it->second;
}

const std::set<std::string>& StateIndex::DisksOn(const std::string& host_id) const {
  static const std::set<std::string> kNone;
  auto it = disks_on_.find(host_id);
  return it == disks_on_.end() ? kNone : it->second;
}

void StateIndex::Add(const Held& h, int sign) {
  if (!h.ips.empty()) {
    Addresses& a = addresses_[h.vswitch_id];
    for (uint32_t ip : h.ips) a.Add(ip, sign);
    // An emptied vSwitch keeps its (empty) entry: an IpPool of the running Write may point at it.
  }
  if (!h.host_id.empty()) {
    HostUse& u = hosts_[h.host_id];
    u.cpu += sign * h.use.cpu;
    u.memory_mb += sign * h.use.memory_mb;
    u.gpu += sign * h.use.gpu;
    if (u == HostUse{}) hosts_.erase(h.host_id);
  }
  if (h.counts != AccountUse{}) {
    AccountUse& a = accounts_[h.account_id];
    a.instances += sign * h.counts.instances;
    a.vcpus += sign * h.counts.vcpus;
    a.cloud_disks += sign * h.counts.cloud_disks;
    if (a == AccountUse{}) accounts_.erase(h.account_id);
  }
}

StateIndex::AccountUse StateIndex::account_use(const std::string& account_id) const {
  auto it = accounts_.find(account_id);
  return it == accounts_.end() ? AccountUse{} : it->second;
}

void StateIndex::Rebuild(const State& s) {
  *this = StateIndex();
  for (const auto& [id, i] : s.instances) Note(id, &i);
  for (const auto& [id, e] : s.enis) Note(id, &e);
  for (const auto& [id, d] : s.disks) Note(id, &d);
  for (const auto& [id, snap] : s.snapshots) Note(id, &snap);
  for (const auto& [id, inv] : s.invocations) Note(id, &inv);
  for (const auto& [id, r] : s.guest_requests) Note(id, &r);
  for (const auto& [id, t] : s.terminal_sessions) Note(id, &t);
}

const StateIndex::RankedIds& StateIndex::InstancesOf(const std::string& account_id) const {
  static const RankedIds kNone;
  auto it = instances_of_.find(account_id);
  return it == instances_of_.end() ? kNone : it->second;
}

const StateIndex::Addresses* StateIndex::AddressesOf(const std::string& vswitch_id) const {
  auto it = addresses_.find(vswitch_id);
  return it == addresses_.end() ? nullptr : &it->second;
}

bool StateIndex::operator==(const StateIndex& other) const {
  // Equal addresses: the same non-empty entries (an emptied vSwitch keeps an empty one).
  auto same = [](const std::map<std::string, Addresses>& a,
                 const std::map<std::string, Addresses>& b) {
    for (const auto& [vsw, held] : a)
      if (!held.empty() && (!b.count(vsw) || b.at(vsw) != held)) return false;
    return true;
  };
  auto same_ranked = [](const std::map<std::string, RankedIds>& a,
                        const std::map<std::string, RankedIds>& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
             return x.first == y.first && x.second.size() == y.second.size() &&
                    std::equal(x.second.begin(), x.second.end(), y.second.begin());
           });
  };
  return same_ranked(instances_of_, other.instances_of_) && instances_ == other.instances_ &&
         enis_ == other.enis_ && disks_ == other.disks_ && snapshots_ == other.snapshots_ &&
         hosts_ == other.hosts_ && accounts_ == other.accounts_ &&
         instances_on_ == other.instances_on_ && disks_on_ == other.disks_on_ &&
         snapshots_on_ == other.snapshots_on_ && open_invocations_ == other.open_invocations_ &&
         pending_requests_ == other.pending_requests_ && open_sessions_ == other.open_sessions_ &&
         auto_release_ == other.auto_release_ && same(addresses_, other.addresses_) &&
         same(other.addresses_, addresses_);
}

}  // namespace openecs
