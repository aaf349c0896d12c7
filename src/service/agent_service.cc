#include "service/agent_service.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <set>
#include <span>
#include <tuple>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/prom_metrics.h"
#include "controller/instance_reconciler.h"
#include "model/catalogue.h"
#include "service/assistant_service.h"
#include "service/capacity.h"
#include "service/disk_service.h"
#include "service/eni_service.h"
#include "service/identity_service.h"
#include "service/image_service.h"
#include "service/instance_events.h"
#include "service/monitor_service.h"
#include "service/ram_service.h"
#include "service/security_rules.h"
#include "service/snapshot_service.h"
#include "service/task_service.h"

namespace openecs {

void ReleaseInstance(Txn& txn, const std::string& instance_id) {
  State& s = txn.state();
  auto it = s.instances.find(instance_id);
  if (it == s.instances.end()) return;
  for (const auto& disk_id : it->second.disk_ids) {
    auto d = s.disks.find(disk_id);
    if (d == s.disks.end()) continue;
    if (d->second.status == "ReIniting")
      FailTask(txn, d->second.build_task_id, ErrorCode::kIncorrectInstanceStatus,
               "The instance was released while its disk was being re-initialized.");
    if (d->second.delete_with_instance) {
      FailSnapshotsOf(txn, disk_id, "The disk was released with its instance before the copy.");
      DropAutoSnapshotsOf(txn, d->second);
      txn.Erase<Disk>(disk_id);
    } else {
      d->second.instance_id.clear();
      d->second.device.clear();
      d->second.status = "Available";
      txn.Touch(d->second);
    }
  }
  DetachEnisOf(txn, instance_id);  // secondary ENIs stay, Available
  // Its EIP stays, detached.
  for (auto& [id, e] : s.eips)
    if (e.instance_id == instance_id) {
      e.instance_id.clear();
      txn.Touch(e);
    }
  txn.Erase<Instance>(instance_id);
}

namespace {

// The private addresses, in the VPCs `host` has instances in, of the interfaces placed on other
// hosts that can take VXLAN traffic (see DesiredState::remote).
std::vector<RemoteAddress> RemoteAddresses(const State& s, const Host& host,
                                           const NetworkIndex& index) {
  std::set<std::string> vpcs;
  for (const std::string& id : s.index.InstancesOn(host.id))
    if (auto i = s.instances.find(id); i != s.instances.end() && !i->second.vpc_id.empty())
      vpcs.insert(i->second.vpc_id);
  std::vector<RemoteAddress> out;
  for (const auto& [id, instance] : s.instances) {
    const Instance& i = instance;  // captured below: clang before 16 cannot capture a binding
    if (i.host_id.empty() || i.host_id == host.id || !vpcs.count(i.vpc_id)) continue;
    auto h = s.hosts.find(i.host_id);
    if (h == s.hosts.end() || !h->second.vpc_data_plane || h->second.underlay_ip.empty() ||
        h->second.underlay_ip == host.underlay_ip)
      continue;
    auto v = s.vpcs.find(i.vpc_id);
    if (v == s.vpcs.end()) continue;
    auto add = [&](const std::string& ip, const std::string& eni_id) {
      if (ip.empty()) return;
      out.push_back({i.vpc_id, v->second.vni, ip, h->second.underlay_ip});
      if (auto r = index.routed_to.find(eni_id); r != index.routed_to.end())
        out.back().routed_cidrs = r->second;
    };
    add(i.private_ip, PrimaryEniId(id));
    for (const auto& ip : i.secondary_ips) add(ip, "");
    if (auto e = index.enis_of.find(id); e != index.enis_of.end())
      for (const NetworkInterface* eni : e->second) {
        add(eni->primary_ip, eni->id);
        for (const auto& ip : eni->secondary_ips) add(ip, "");
      }
  }
  std::sort(out.begin(), out.end(), [](const RemoteAddress& a, const RemoteAddress& b) {
    return std::tie(a.vpc_id, a.ip) < std::tie(b.vpc_id, b.ip);
  });
  return out;
}

// True if `before` and `after` differ only in what a host's report moves and its desired state
// does not ask anything of it for: the status and task, the power it saw (DesiredVm::observed),
// the stopped mode and capacity claim that follow from it, the boot's time, the OS being up, the
// last error, the console's address, and a forced stop or reboot that is done. Such a change is
// an echo (Txn::Echo): the host is not woken to hear back what it said. Everything else (desired
// power, a forced stop asked for, a public address given back) is news to it.
bool OnlyObservationsDiffer(Instance before, const Instance& after) {
  before.status = after.status;
  before.task = after.task;
  before.power = after.power;
  before.stopped_mode = after.stopped_mode;
  before.claimed = after.claimed;
  before.start_time = after.start_time;
  before.booted_once = after.booted_once;
  before.boot_time = after.boot_time;
  before.guest_ready = after.guest_ready;
  before.last_error = after.last_error;
  before.vnc_url = after.vnc_url;
  // A forced stop (or reboot) that has been done: the host holds nothing that depends on it.
  // One being set (a stop that failed escalates to a hard power-off) is news.
  if (!after.force_stop) before.force_stop = false;
  return before == after;
}

}  // namespace

Result<std::pair<std::string, std::string>> AgentService::Enrol(const HostInfo& info,
                                                                const std::string& key) {
  std::string issued;
  OPENECS_RETURN_IF_ERROR(cloud_.Read<Status>([&](const State& s) -> Status {
    for (const auto& [id, h] : s.hosts) {
      if (h.name != info.name) continue;
      if (!h.key_hash.empty() && !ConstantTimeEquals(Sha256Hex(key), h.key_hash))
        return MakeError(ErrorCode::kForbidden,
                         "host " + info.name + " is enrolled with another credential");
      if (!h.key_hash.empty()) issued = key;
    }
    return Ok();
  }));
  if (issued.empty()) issued = RandomHex(32);
  OPENECS_ASSIGN_OR_RETURN(std::string host_id, Register(info));
  OPENECS_RETURN_IF_ERROR(cloud_.Write([&](Txn& txn) -> Status {
    auto it = txn.state().hosts.find(host_id);
    if (it == txn.state().hosts.end())
      return MakeError(ErrorCode::kUnknownHost, "host " + host_id + " vanished");
    if (!it->second.key_hash.empty() && it->second.key_hash != Sha256Hex(issued))
      return MakeError(ErrorCode::kForbidden,
                       "host " + info.name + " is enrolled with another credential");
    it->second.key_hash = Sha256Hex(issued);
    txn.Touch(it->second);
    return Ok();
  }));
  return std::make_pair(host_id, issued);
}

bool AgentService::KnowsZone(const std::string& zone_id) const {
  const auto& zones = cloud_.config().zones;
  return std::find(zones.begin(), zones.end(), zone_id) != zones.end();
}

Status AgentService::Authenticate(const std::string& host_id, const std::string& key) const {
  // On an I/O thread, before every host request: the pass, not the state's lock.
  auto pass = cloud_.HostPassOf(host_id);
  if (!pass) return MakeError(ErrorCode::kUnknownHost, "unknown host " + host_id);
  if (pass->key_hash.empty() || !ConstantTimeEquals(Sha256Hex(key), pass->key_hash))
    return MakeError(ErrorCode::kForbidden, "wrong credential for host " + host_id);
  return Ok();
}

Result<std::string> AgentService::Register(const HostInfo& info) {
  std::string host_id;
  OPENECS_RETURN_IF_ERROR(cloud_.Write([&](Txn& txn) -> Status {
    Host h;
    for (const auto& [id, existing] : txn.state().hosts)
      if (existing.name == info.name) h = existing;
    if (h.id.empty()) h.id = NewId("host");
    h.name = info.name;
    h.zone_id = info.zone_id;
    h.vcpus = info.vcpus;
    h.memory_mb = info.memory_mb;
    h.disk_gib = info.disk_gib;
    h.gpus = info.gpus;
    h.gpu_spec = info.gpu_spec;
    h.kvm = info.kvm;
    h.driver = info.driver;
    h.vpc_data_plane = info.vpc_data_plane;
    h.underlay_ip = info.underlay_ip;
    if (!h.id.empty() && h.storage != info.storage) {
      // The hosts sharing its old storage would take its disks for deleted ones, or it would
      // look for them where they are not: refused while it keeps any.
      const State& s = txn.state();
      bool keeps = std::any_of(s.disks.begin(), s.disks.end(),
                               [&](const auto& d) { return d.second.host_id == h.id; }) ||
                   std::any_of(s.snapshots.begin(), s.snapshots.end(),
                               [&](const auto& n) { return n.second.host_id == h.id; }) ||
                   std::any_of(s.images.begin(), s.images.end(), [&](const auto& m) {
                     return m.second.host_id == h.id && !m.second.storage.empty();
                   });
      if (keeps)
        return MakeError(ErrorCode::kInvalidParameter,
                         "host " + info.name + " keeps disks on storage '" +
                             (h.storage.empty() ? "local" : h.storage) +
                             "'; it cannot come back with storage '" +
                             (info.storage.empty() ? "local" : info.storage) +
                             "' while they exist");
    }
    h.storage = info.storage;
    h.last_seen = txn.now();
    h.lost_since = 0;  // back (its guests: host_health.h)
    host_id = txn.Put(h).id;
    return Ok();
  }));
  LOG_INFO("host {} registered as {} in {} ({} vCPUs, {} MiB, driver {})", info.name, host_id,
           info.zone_id, info.vcpus, info.memory_mb, info.driver);
  return host_id;
}

AgentService::AgentService(Cloud& cloud)
    : cloud_(cloud),
      started_ms_(SteadyMillis()),
      waiters_(std::make_shared<PullWaiters>([this](PullWaiters::Waiter w, bool timed_out) {
        boost::asio::post(builders_, [w = std::move(w), timed_out] { w.done(timed_out); });
      })) {
  cloud_.SetWakeListener([waiters = waiters_](const HostWake& wake) { waiters->Wake(wake); });
  reports_ = std::make_unique<ReportApplier>(
      [this](const std::vector<HostReport>& batch) { return ApplyReports(batch); });
  contact_gauge_ = DefaultMetrics().AddCallbackGauge(
      "openecs_host_contact_age_seconds",
      "Seconds since each registered host's agent last pulled or reported (since this server "
      "started, if it has not since).",
      {"host"}, [this] {
        std::map<std::string, std::string> names =
            cloud_.Read<std::map<std::string, std::string>>([](const State& s) {
              std::map<std::string, std::string> out;
              for (const auto& [id, h] : s.hosts) out[id] = h.name;
              return out;
            });
        std::map<std::string, HostContact> contacts = Contacts();
        GaugeSamples out;
        for (const auto& [id, name] : names)
          if (auto it = contacts.find(id); it != contacts.end())
            out.push_back({{name}, it->second.age_ms / 1000.0});
        return out;
      });
}

AgentService::~AgentService() {
  reports_.reset();  // applies what is queued
  cloud_.SetWakeListener(nullptr);
  waiters_->Stop();  // the pulls still waiting are answered (unchanged)
  builders_.join();
}

std::map<std::string, HostContact> AgentService::Contacts() const {
  std::vector<std::string> ids = cloud_.Read<std::vector<std::string>>([](const State& s) {
    std::vector<std::string> out;
    for (const auto& [id, h] : s.hosts) out.push_back(id);
    return out;
  });
  int64_t now = SteadyMillis();
  std::map<std::string, HostContact> out;
  std::lock_guard<std::mutex> lock(contact_mu_);
  for (const auto& id : ids) {
    auto it = last_contact_ms_.find(id);
    bool heard = it != last_contact_ms_.end();
    if (auto p = pulling_.find(id); p != pulling_.end() && p->second > 0) {
      out[id] = {0, true};
      continue;
    }
    out[id] = {std::max<int64_t>(0, now - (heard ? it->second : started_ms_)), heard};
  }
  return out;
}

void AgentService::NoteContact(const std::string& host_id) {
  int64_t now = SteadyMillis();
  std::lock_guard<std::mutex> lock(contact_mu_);
  last_contact_ms_[host_id] = now;
}

DesiredState AgentService::HeldState::Whole(int64_t revision) const {
  DesiredState out = rest;
  out.revision = revision;
  out.changed = true;
  out.vms.reserve(vms.size());
  for (const auto& vm : vms) out.vms.push_back(*vm);
  return out;
}

void AgentService::Interrupt(const std::string& host_id) { waiters_->Release(host_id); }

bool AgentService::RebuildDue(const std::string& host_id, int64_t built_ms, int64_t now) {
  uint64_t mix =
      std::hash<std::string>{}(host_id) ^ (static_cast<uint64_t>(built_ms) * 0x9e3779b97f4a7c15ull);
  mix ^= mix >> 29;  // the low bits of both inputs reach the remainder
  int64_t half = kRebuildAfterMs / 2;
  return now - built_ms >= half + static_cast<int64_t>(mix % static_cast<uint64_t>(half + 1));
}

Result<DesiredState> AgentService::Pull(const std::string& host_id, int64_t since, int wait_ms) {
  std::shared_ptr<const HeldState> held;
  {
    std::lock_guard<std::mutex> lock(held_mu_);
    if (auto it = held_.find(host_id); it != held_.end()) held = it->second;
  }
  const int64_t now = SteadyMillis();
  if (held && RebuildDue(host_id, held->built_ms, now)) held = nullptr;  // all built again
  HeldGuests holds;
  if (held)
    holds = [held](const std::string& id, const std::string& print) {
      auto it = held->prints.find(id);
      return it != held->prints.end() && it->second.first == print;
    };
  auto answer = std::make_shared<std::promise<Result<HostPull>>>();
  auto future = answer->get_future();
  PullAsync(
      host_id, since, wait_ms,
      [answer](Result<HostPull> out) { answer->set_value(std::move(out)); }, std::move(holds));
  Result<HostPull> out = future.get();
  if (!out.ok()) {
    if (out.error().code == ErrorCode::kUnknownHost) {  // it registers again, as another host
      std::lock_guard<std::mutex> lock(held_mu_);
      held_.erase(host_id);
    }
    return out.error();
  }
  HostPull& pull = *out;
  if (!pull.state.changed) return std::move(pull.state);
  // The guests built, and the others as held.
  auto next = std::make_shared<HeldState>();
  next->built_ms = held ? held->built_ms : now;
  std::vector<DesiredVm> built = std::move(pull.state.vms);
  next->rest = std::move(pull.state);
  next->rest.vms.clear();
  next->vms.reserve(pull.guests.size());
  next->prints.reserve(pull.guests.size());
  size_t k = 0;
  for (HostPull::Guest& g : pull.guests) {
    std::shared_ptr<const DesiredVm> vm;
    if (g.built) {
      if (k < built.size()) vm = std::make_shared<const DesiredVm>(std::move(built[k++]));
    } else if (held) {  // only under the fingerprint it was held by
      if (auto it = held->prints.find(g.instance_id);
          it != held->prints.end() && it->second.first == g.print)
        vm = held->vms[it->second.second];
    }
    if (!vm) {  // a bug (PullState leaves out only what `holds` holds): left out, loudly
      LOG_ERROR("agent pull for host {}: guest {} neither built nor held", host_id, g.instance_id);
      continue;
    }
    next->prints.emplace(g.instance_id, std::make_pair(std::move(g.print), next->vms.size()));
    next->vms.push_back(std::move(vm));
  }
  DesiredState reply = next->Whole(next->rest.revision);
  std::lock_guard<std::mutex> lock(held_mu_);
  held_[host_id] = std::move(next);
  return reply;
}

void AgentService::PullAsync(const std::string& host_id, int64_t since, int wait_ms, PullDone done,
                             HeldGuests held) {
  NoteContact(host_id);
  {
    std::lock_guard<std::mutex> lock(contact_mu_);
    ++pulling_[host_id];  // a long-poll: it is there all along
  }
  std::optional<bool> data_plane;  // unknown host: answered at once (PullState refuses it)
  if (auto pass = cloud_.HostPassOf(host_id)) data_plane = pass->vpc_data_plane;
  auto answer = [this, host_id, since, done = std::move(done), held = std::move(held)](bool) {
    Answer(host_id, since, held, done);
  };
  // An unknown host, or nothing to wait for: answered at once (PullState says which).
  bool waiting = data_plane && wait_ms > 0 &&
                 waiters_->Add({host_id, *data_plane, SteadyMillis() + wait_ms, answer},
                               [&] { return cloud_.HostRevision(host_id, *data_plane) <= since; });
  if (!waiting) boost::asio::post(builders_, [answer] { answer(false); });
}

void AgentService::Answer(const std::string& host_id, int64_t since, const HeldGuests& held,
                          const PullDone& done) {
  static CounterFamily& pulls = DefaultMetrics().Counter(
      "openecs_agent_pull_requests_total",
      "Pulls of desired state served to host agents: changed (a commit concerned the host "
      "since its last pull), full (a full sync: the agent asked for everything), unchanged (the "
      "long-poll ended without a change), error.",
      {"result"});
  auto out = PullState(host_id, since, held);
  {
    std::lock_guard<std::mutex> lock(contact_mu_);
    if (--pulling_[host_id] == 0) pulling_.erase(host_id);
  }
  NoteContact(host_id);
  pulls.Inc({!out.ok()            ? "error"
             : since == 0         ? "full"
             : out->state.changed ? "changed"
                                  : "unchanged"});
  done(std::move(out));
}

namespace {

// A guest's fingerprint (agent_service.h, HostPull): whether its host builds VPCs (its
// interfaces carry merged rules then), `shared` (Cloud::SharedRevision), then the versions of
// the instance, of each of its disks and of the snapshot each was made from.
std::string GuestPrint(const State& s, const Instance& i, bool data_plane, int64_t shared) {
  std::string out =
      (data_plane ? "d" : "n") + std::to_string(shared) + ":" + std::to_string(i.version);
  for (const auto& disk_id : i.disk_ids) {
    auto d = s.disks.find(disk_id);
    if (d == s.disks.end()) continue;
    out += ":" + std::to_string(d->second.version);
    if (auto snap = s.snapshots.find(d->second.snapshot_id); snap != s.snapshots.end())
      out += "/" + std::to_string(snap->second.version);
  }
  return out;
}

}  // namespace

namespace {
// How many guests one shared hold of the lock builds (or finds held). A host with more (and no
// VPC data plane: PullState) is read in slices, the lock let go between them: a Write (a launch, a
// report) waits for one slice, not for every guest of a host of 100,000 (measured: about a second,
// with each call queued behind the waiting Write, writers going first).
constexpr size_t kGuestsPerHold = 1024;
}  // namespace

const NetworkIndex& AgentService::GuestBuild::Index(const State& s) {
  // Hosts without a VPC data plane need no security group members (the merged rules).
  if (!indexed) indexed = IndexNetworks(s, host.vpc_data_plane);
  return *indexed;
}

void AgentService::BuildGuests(const State& s, GuestBuild& b, std::span<const std::string> ids,
                               HostPull& pull) {
  const Host& host = b.host;
  for (const std::string& id : ids) {
    auto found = s.instances.find(id);
    // Gone, or moved to another host, since the host's guests were listed (a slice after the
    // first): the next pull, woken by that commit, has it right.
    if (found == s.instances.end() || found->second.host_id != host.id) continue;
    const Instance& i = found->second;
    HostPull::Guest& guest = pull.guests.emplace_back();
    guest.instance_id = id;
    guest.print = GuestPrint(s, i, host.vpc_data_plane, b.shared);
    if (b.held && b.held(id, guest.print)) {
      guest.built = false;
      ++b.kept;
      continue;
    }
    ++b.built;
    DesiredVm vm;
    vm.instance_id = id;
    vm.instance_name = i.name;
    vm.instance_type = i.instance_type;
    vm.region_id = i.region_id;
    vm.zone_id = i.zone_id;
    vm.key_pair_name = i.key_pair_name;
    vm.metadata_enabled = i.metadata_http_endpoint == "enabled";
    vm.metadata_tokens_required = i.metadata_http_tokens == "required";
    vm.metadata_hop_limit = i.metadata_hop_limit;
    vm.ram_role_name = i.ram_role_name;
    if (i.spot_termination_time) vm.spot_termination_time = FormatIso(i.spot_termination_time);
    vm.desired = i.desired;
    vm.force_stop = i.force_stop;
    vm.reboot_seq = i.reboot_seq;
    vm.observed = i.power;
    vm.cpu = i.cpu;
    vm.memory_mb = i.memory_mb;
    vm.image_id = i.image_id;
    vm.host_name = i.host_name;
    vm.user_data = i.user_data;
    vm.password = i.password;
    vm.vnc_password = i.vnc_password;
    vm.private_ip = i.private_ip;
    if (!i.key_pair_name.empty()) {
      const KeyPair* k =
          FindOwned(s.key_pairs, KeyPairKey(i.account_id, i.key_pair_name), i.account_id);
      if (k) vm.public_key = k->public_key;
    }
    for (const auto& disk_id : i.disk_ids) {
      auto d = s.disks.find(disk_id);
      if (d == s.disks.end() || d->second.status == "Detaching") continue;
      const Disk& disk = d->second;
      DiskPerformance perf =
          DiskPerformanceOf(disk.category, disk.performance_level, disk.size_gib);
      DesiredDisk want{disk_id,       disk.type,           disk.category,
                       disk.size_gib, disk.image_id,       disk.delete_with_instance,
                       perf.iops,     perf.throughput_mbps};
      if (auto snap = s.snapshots.find(disk.snapshot_id); snap != s.snapshots.end()) {
        want.snapshot_id = snap->first;
        want.snapshot_checksum = snap->second.checksum;
      }
      vm.disks.push_back(std::move(want));
    }
    // Interfaces with their merged rules (the costly part) only for hosts that build VPCs;
    // the others get their ids and addresses (monitoring counts traffic per interface).
    vm.nics = InstanceNics(s, i, b.Index(s), cloud_.config().public_cidr, host.vpc_data_plane);
    pull.state.vms.push_back(std::move(vm));
  }
}

Result<HostPull> AgentService::PullState(const std::string& host_id, int64_t since,
                                         const HeldGuests& held) {
  static CounterFamily& guests = DefaultMetrics().Counter(
      "openecs_agent_guest_states_total",
      "Guests' desired states in host agents' changed pulls: built, or held (the agent holds "
      "it as it is, by its records' versions, and it is not built again).",
      {"how"});
  HostPull pull;
  DesiredState& out = pull.state;
  std::vector<std::string> ids;     // the host's guests, when more than one slice of them
  std::optional<GuestBuild> build;  // set when the state is to be built (changed)
  Status st = cloud_.Read<Status>([&](const State& s) -> Status {
    auto hit = s.hosts.find(host_id);
    if (hit == s.hosts.end()) return MakeError(ErrorCode::kUnknownHost, "unknown host " + host_id);
    // Read under the shared lock: a commit that concerns the host after this is seen again
    // by the next pull (its revision is higher), never lost. Only news makes an answer
    // "changed": a long-poll that ends on its timeout with nothing but echoes of the host's own
    // reports pending answers "unchanged" (the agent does not reconcile on it), so a host that
    // long-polls briefly (a real agent waits 500 ms) does not fetch and parse its whole state
    // twice a second to hear what it said. The echoes ride in the next answer news or a full
    // sync (since 0) brings; that answer carries the state revision, past them.
    const bool data_plane = hit->second.vpc_data_plane;
    int64_t woken = cloud_.HostRevision(host_id, data_plane);
    if (since > 0 && woken <= since) {
      out = DesiredState{woken, false, {}};
      return Ok();
    }
    // The guests are built after what is read here when the host has more than one slice of
    // them: they are never older than `rev` (a commit after it wakes the next pull, which
    // builds the guests whose fingerprint it moved), nor than `shared`, which their
    // fingerprints name (Cloud::SharedRevision: never older than the commits it includes).
    out.revision = cloud_.HostStateRevision(host_id, data_plane);
    build.emplace(GuestBuild{hit->second, cloud_.SharedRevision(data_plane), held});
    const std::set<std::string>& on = s.index.InstancesOn(host_id);
    ids.assign(on.begin(), on.end());
    // A host that builds VPCs has them in this hold, however many: its guests' interfaces read
    // an index of every instance in the cloud (their groups' members), too costly to make again
    // for each slice.
    if (ids.size() <= kGuestsPerHold || data_plane) {
      BuildGuests(s, *build, ids, pull);
      ids.clear();
    }
    const Host& host = hit->second;
    if (host.vpc_data_plane) out.remote = RemoteAddresses(s, host, build->Index(s));
    // On storage hosts share, every disk of any host of it: one whose instance just moved to
    // another host is not this host's to remove (storage/rbd_storage.h).
    for (const std::string& id : s.index.DisksOn("")) out.pool_disks.push_back(id);
    for (const std::string& owner : HostsSharingDisksWith(s, host_id))
      for (const std::string& id : s.index.DisksOn(owner)) out.pool_disks.push_back(id);
    std::sort(out.pool_disks.begin(), out.pool_disks.end());
    out.snapshots = SnapshotsToMake(s, host_id);
    out.kept_snapshots = SnapshotsKept(s, host_id);
    out.disk_builds = DiskBuildsFor(s, host_id);
    out.image_builds = ImageBuildsFor(s, host_id);
    out.image_exports = ImageExportsFor(s, host_id);
    out.kept_images = ImagesKeptBy(s, host_id);
    out.invocations = InvocationsFor(s, host_id);
    out.guest_requests = GuestRequestsFor(s, host_id);
    out.sessions = SessionsFor(s, host_id);
    out.storage_listed = true;
    return Ok();
  });
  if (!st.ok()) return st.error();
  for (size_t from = 0; from < ids.size(); from += kGuestsPerHold) {
    std::span<const std::string> slice(ids.data() + from,
                                       std::min(kGuestsPerHold, ids.size() - from));
    cloud_.Read<bool>([&](const State& s) {
      build->indexed.reset();  // of another hold
      BuildGuests(s, *build, slice, pull);
      return true;
    });
  }
  if (!build) return pull;
  if (build->built) guests.Add({"built"}, static_cast<double>(build->built));
  if (build->kept) guests.Add({"held"}, static_cast<double>(build->kept));
  return pull;
}

Status AgentService::AttachSession(const std::string& host_id, const std::string& session_id,
                                   int fd) {
  if (!hub_) return AgentChannel::AttachSession(host_id, session_id, fd);
  return hub_->AttachGuest(host_id, session_id, fd);
}

Result<RoleCredentials> AgentService::RoleCredentialsOf(const std::string& host_id,
                                                        const std::string& instance_id) {
  auto sts = StsBox(cloud_);
  if (!sts) return MakeError(ErrorCode::kServiceUnavailable, "STS needs the secrets key.");
  return cloud_.Read<Result<RoleCredentials>>([&](const State& s) -> Result<RoleCredentials> {
    auto it = s.instances.find(instance_id);
    // Only the host running the guest learns its credentials.
    if (it == s.instances.end() || it->second.host_id != host_id ||
        it->second.ram_role_name.empty())
      return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                       "No instance with a RAM role " + instance_id + " on this host.");
    const Instance& inst = it->second;
    const RamRole* role = FindRole(s, inst.account_id, inst.ram_role_name);
    if (!role) return MakeError(ErrorCode::kInvalidRamRoleNotFound);
    if (!TrustAllows(role->assume_role_policy_document, {kEcsServicePrincipal}, "Service"))
      return MakeError(ErrorCode::kInvalidRamRoleNotEcsRole);
    Principal session;
    session.type = Principal::Type::kAssumedRole;
    session.account_id = role->account_id;
    session.role_name = role->name;
    session.role_id = role->role_id;
    session.session_name = instance_id;
    int64_t now = cloud_.Now();
    StsCredentials c = IssueStsCredentials(*sts, session, now + kInstanceRoleCredentialSeconds);
    return RoleCredentials{role->name,       c.access_key_id, c.access_key_secret,
                           c.security_token, c.expiration,    now};
  });
}

Status AgentService::Report(const std::string& host_id, const std::vector<Observation>& obs) {
  auto answer = std::make_shared<std::promise<Status>>();
  auto future = answer->get_future();
  ReportAsync(host_id, obs, [answer](const Status& st) { answer->set_value(st); });
  return future.get();
}

void AgentService::ReportAsync(const std::string& host_id, std::vector<Observation> obs,
                               std::function<void(const Status&)> done) {
  NoteContact(host_id);
  reports_->Post({host_id, std::move(obs)}, std::move(done));
}

std::vector<Status> AgentService::ApplyReports(const std::vector<HostReport>& reports) {
  // Which reports are refused, and the consoles of the others' guests, under the shared lock.
  std::vector<Status> out(reports.size(), Ok());
  std::vector<const Observation*> consoles;  // of the reporting hosts' own guests
  cloud_.Read<bool>([&](const State& s) {
    for (size_t k = 0; k < reports.size(); ++k) {
      const std::string& host_id = reports[k].host_id;
      if (!s.hosts.count(host_id)) {
        out[k] = MakeError(ErrorCode::kUnknownHost, "unknown host " + host_id);
        continue;
      }
      size_t kept = consoles.size();
      for (const auto& o : reports[k].obs) {
        if (o.instance_id.empty()) continue;
        auto it = s.instances.find(o.instance_id);
        if (it == s.instances.end()) continue;
        if (it->second.host_id != host_id) {
          out[k] = MakeError(ErrorCode::kForbidden,
                             "instance " + o.instance_id + " is not on host " + host_id);
          consoles.resize(kept);
          break;
        }
        if (o.console) consoles.push_back(&o);
      }
    }
    return true;
  });
  for (const Observation* o : consoles) cloud_.SetConsole(o->instance_id, *o->console);
  bool any = std::any_of(out.begin(), out.end(), [](const Status& st) { return st.ok(); });
  if (!any) return out;
  // Their consoles are forgotten after the Write: SetConsole may write a note to the store (a
  // round trip to PostgreSQL), which must not lengthen the exclusive hold.
  std::vector<std::string> released;
  Status written = cloud_.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    int64_t now = txn.now();
    std::map<std::string, bool> echoes;  // instance -> every change of it was an echo
    for (size_t k = 0; k < reports.size(); ++k) {
      if (!out[k].ok()) continue;
      const std::string& host_id = reports[k].host_id;
      for (const auto& o : reports[k].obs) {
        if (o.snapshot) ApplySnapshotReport(txn, host_id, *o.snapshot);
        if (o.image) ApplyImageReport(txn, host_id, *o.image);
        if (o.image_export) ApplyImageExportReport(txn, host_id, *o.image_export);
        if (o.disk_build) ApplyDiskBuildReport(txn, host_id, *o.disk_build);
        if (o.invocation) ApplyInvocationReport(txn, host_id, *o.invocation);
        if (o.guest_request) ApplyGuestRequestReport(txn, host_id, *o.guest_request);
        auto it = s.instances.find(o.instance_id);
        // Gone, or moved to another host since the check above: not this host's to speak for.
        if (it == s.instances.end() || it->second.host_id != host_id) continue;
        Instance& inst = it->second;
        const Instance was = inst;
        ReconcileOutcome result = ApplyObservation(inst, o, now);
        if (o.failed)
          LOG_WARN("instance {}: {} failed on {}: {}", inst.id, o.operation, host_id, o.error);
        if (!result.event_type.empty())
          RecordInstanceEvent(txn, inst, result.event_type, result.event_reason, now);
        if (result.release) {
          LOG_INFO("instance {} released", inst.id);
          released.push_back(o.instance_id);
          echoes.erase(o.instance_id);
          ReleaseInstance(txn, o.instance_id);
          continue;
        }
        if (result.release_claim && !inst.public_ip.empty()) {
          inst.public_ip.clear();  // an economical stop gives the public IP back, as on ECS
          inst.public_ip_on_start = true;
          result.changed = true;
        }
        SettleDisks(txn, inst, o.disks, o.disks_refused);
        SettleEnis(txn, inst, o.nics_refused);
        if (o.vnc_url && *o.vnc_url != inst.vnc_url) {
          inst.vnc_url = *o.vnc_url;
          result.changed = true;
        }
        if (result.changed) {
          if (was.status != inst.status)
            LOG_DEBUG("instance {}: {} -> {}", inst.id, ToString(was.status),
                      ToString(inst.status));
          txn.Touch(inst);
          bool& echo = echoes.try_emplace(inst.id, true).first->second;
          echo = echo && OnlyObservationsDiffer(was, inst);
        }
      }
    }
    for (const auto& [id, echo] : echoes)
      if (echo) txn.Echo(id);
    return Ok();
  });
  if (written.ok())
    for (const auto& id : released) cloud_.SetConsole(id, "");
  for (auto& st : out)
    if (st.ok()) st = written;
  return out;
}

Status AgentService::ReportMetrics(const std::string& host_id, std::vector<GuestSample> samples) {
  Monitor* monitor = cloud_.monitor();
  std::map<std::string, std::string> eip_of;
  bool known = cloud_.Read<bool>([&](const State& s) {
    if (!s.hosts.count(host_id)) return false;
    const std::set<std::string>& mine = s.index.InstancesOn(host_id);  // small, unlike instances
    std::erase_if(samples,
                  [&](const GuestSample& sample) { return !mine.count(sample.instance_id); });
    std::set<std::string> publics;
    for (const auto& sample : samples)
      for (const auto& [eni, io] : sample.nics)
        if (!io.public_ip.empty()) publics.insert(io.public_ip);
    if (publics.empty()) return true;
    for (const auto& [id, eip] : s.eips)
      if (publics.count(eip.ip_address) && !eip.instance_id.empty()) eip_of[eip.ip_address] = id;
    return true;
  });
  if (!known) return MakeError(ErrorCode::kUnknownHost, "unknown host " + host_id);
  std::vector<std::pair<std::string, bool>> heard;
  for (const auto& sample : samples)
    if (sample.guest_agent >= 0) heard.emplace_back(sample.instance_id, sample.guest_agent == 1);
  if (!heard.empty()) cloud_.SetGuestAgents(heard);
  if (monitor) monitor->Ingest(std::move(samples), eip_of);
  return Ok();
}

}  // namespace openecs
