#include "service/host_health.h"

#include "common/log.h"
#include "scheduler/scheduler.h"
#include "service/agent_service.h"
#include "service/capacity.h"
#include "service/disk_service.h"
#include "service/image_service.h"
#include "service/instance_events.h"
#include "service/instance_service.h"
#include "service/snapshot_service.h"

namespace openecs {
namespace {

using S = InstanceStatus;
using T = InstanceTask;

// Starts `i` again on hosts[pick], its disks with it (they are on storage both hosts share).
void MoveTo(Txn& txn, Instance& i, HostCapacity& to, const Demand& d, const std::string& why) {
  State& s = txn.state();
  RecordInstanceEvent(txn, i, "SystemFailure.Reboot",
                      why + "; it is being started again on another host, its disks with it",
                      txn.now());
  Claim(to, d);
  for (const auto& id : i.disk_ids)
    if (auto disk = s.disks.find(id); disk != s.disks.end()) {
      disk->second.host_id = to.host_id;
      txn.Touch(disk->second);
    }
  LOG_WARN("instance {} moves from lost host {} to {}", i.id, i.host_id, to.host_id);
  i.host_id = to.host_id;
  i.claimed = true;
  i.power = PowerState::kUnknown;
  i.guest_ready = false;
  if (i.status != S::kPending) {  // a creation goes on where it is now
    i.status = S::kStarting;
    i.task = T::kStarting;
  }
  txn.Touch(i);
}

// Stops `i` where it is: its host is gone, and with it the guest and its claim.
void StopOnLostHost(Txn& txn, Instance& i, const std::string& why) {
  if (i.desired == DesiredPower::kRunning || i.status != S::kStopped)
    RecordInstanceEvent(txn, i, "SystemFailure.Stop", why + "; it is Stopped", txn.now());
  // A stop in progress keeps the mode it asked for; otherwise an economical stop where
  // StopInstances would allow one: the instance is not charged for a host it cannot use, and
  // its public IP goes back to the pool (a new one comes at its next start).
  if (i.status != S::kStopping) i.stopped_mode = StoppedModeOf(i, /*economical=*/true);
  i.status = S::kStopped;
  i.task = T::kNone;
  i.desired = DesiredPower::kStopped;
  i.force_stop = false;
  i.power = PowerState::kUnknown;
  i.guest_ready = false;
  i.claimed = false;
  if (i.stopped_mode == "StopCharging" && !i.public_ip.empty()) {
    i.public_ip.clear();
    i.public_ip_on_start = true;
  }
  txn.Touch(i);
  // Disks being plugged in or out settle as on any stopped instance: no host will report them.
  SettleDisks(txn, i, std::nullopt, {});
}

// The instances being released on `host` (their host would have finished it).
std::vector<std::string> ReleasingOn(const State& s, const std::string& host) {
  std::vector<std::string> out;
  for (const auto& [id, i] : s.instances)
    if (i.host_id == host && i.desired == DesiredPower::kAbsent) out.push_back(id);
  return out;
}

// True if lost host `host` was asked for anything FinishWorkOf ends.
bool HasWork(const State& s, const std::string& host) {
  return !ReleasingOn(s, host).empty() || !SnapshotsToMake(s, host).empty() ||
         !DiskBuildsFor(s, host).empty() || !ImageBuildsFor(s, host).empty() ||
         !ImageExportsFor(s, host).empty();
}

// What lost host `lost` was to make fails as if it had said so itself (the same paths as a
// host's failure report): progressing snapshots (and the images waiting for them), disk builds
// (a Creating disk goes, a ReIniting one is as it was), custom image builds and exports; their
// tasks are Failed with the reason. Its instances being released are released.
void FinishWorkOf(Txn& txn, const Host& lost, HostLossPass& out) {
  const std::string why = "host " + lost.name + " stopped answering before it finished";
  for (const auto& s : SnapshotsToMake(txn.state(), lost.id))
    ApplySnapshotReport(txn, lost.id,
                        SnapshotReport{.snapshot_id = s.snapshot_id, .failed = true, .error = why});
  for (const auto& b : DiskBuildsFor(txn.state(), lost.id))
    ApplyDiskBuildReport(txn, lost.id, DiskBuildReport{b.disk_id, b.generation, true, why});
  for (const auto& b : ImageBuildsFor(txn.state(), lost.id))
    ApplyImageReport(txn, lost.id,
                     ImageReport{.image_id = b.image_id, .failed = true, .error = why});
  for (const auto& e : ImageExportsFor(txn.state(), lost.id))
    ApplyImageExportReport(txn, lost.id, ImageExportReport{e.image_id, e.task_id, true, why});
  for (const auto& id : ReleasingOn(txn.state(), lost.id)) {
    ReleaseInstance(txn, id);
    ++out.released;
  }
}

// Settles every instance placed on `lost` (already marked lost in `hosts`).
void SettleInstancesOf(Txn& txn, const Host& lost, std::vector<HostCapacity>& hosts,
                       HostLossPass& out) {
  State& s = txn.state();
  std::vector<std::string> ids;  // (none is being released: FinishWorkOf ran first)
  for (const auto& [id, i] : s.instances)
    if (i.host_id == lost.id) ids.push_back(id);
  const std::string gone = "Host " + lost.name + " stopped answering";
  for (const auto& id : ids) {
    Instance& i = s.instances.at(id);
    if (i.desired != DesiredPower::kRunning && i.status == S::kStopped) {
      if (i.claimed) {  // KeepCharging: a start must place it again
        i.claimed = false;
        txn.Touch(i);
      }
      continue;
    }
    std::string why;
    if (i.desired != DesiredPower::kRunning) {
      why = gone + " while the instance was stopping";
    } else if (i.maintenance_action == "Stop") {
      why = gone + " and the instance's maintenance action is Stop";
    } else {
      Demand d = RestartDemandOf(s, i);
      if (d.storage.empty()) {
        why = gone +
              " and the instance cannot leave it (local disks, a custom image kept in its "
              "files, a deployment set or a dedicated host, or disks only that host keeps)";
      } else if (auto pick = PickHost(hosts, d)) {
        MoveTo(txn, i, hosts[*pick], d, gone);
        ++out.moved;
        continue;
      } else {
        why = gone + " and no other host of its storage in " + i.zone_id + " has room for " +
              i.instance_type;
      }
    }
    LOG_WARN("instance {} on lost host {}: stopped ({})", i.id, lost.id, why);
    StopOnLostHost(txn, i, why);
    ++out.stopped;
  }
}

}  // namespace

HostLossPass RunHostLossPass(Cloud& cloud, const std::map<std::string, HostContact>& contacts,
                             int64_t lost_after_ms) {
  // What changes, read under the shared lock: most passes write nothing.
  std::vector<std::string> to_lose, to_restore, with_work;
  size_t hosts = 0;
  cloud.Read<int>([&](const State& s) {
    hosts = s.hosts.size();
    for (const auto& [id, h] : s.hosts) {
      auto c = contacts.find(id);
      if (c == contacts.end()) continue;
      bool silent = c->second.age_ms > lost_after_ms;
      if (silent && h.lost_since == 0) to_lose.push_back(id);
      if (!silent && c->second.heard && h.lost_since != 0) to_restore.push_back(id);
      if (silent && h.lost_since != 0 && HasWork(s, id)) with_work.push_back(id);
    }
    return 0;
  });
  HostLossPass out;
  if (hosts >= 3 && to_lose.size() * 2 > hosts) {
    LOG_ERROR(
        "host loss: {} of {} hosts are silent at once; declaring none lost (more likely this "
        "server cannot reach them than that they all failed)",
        to_lose.size(), hosts);
    to_lose.clear();
    out.held_back = true;
  }
  if (to_lose.empty() && to_restore.empty() && with_work.empty()) return out;
  Status st = cloud.Write([&](Txn& txn) -> Status {
    bool held_back = out.held_back;
    out = HostLossPass{.held_back = held_back};
    State& s = txn.state();
    for (const auto& id : to_restore) {
      auto h = s.hosts.find(id);
      if (h == s.hosts.end() || h->second.lost_since == 0) continue;
      h->second.lost_since = 0;
      txn.Touch(h->second);
      out.back.push_back(id);
      LOG_INFO("host {} ({}) is back", h->second.name, id);
    }
    std::vector<std::string> lost;
    for (const auto& id : to_lose) {
      auto h = s.hosts.find(id);
      if (h == s.hosts.end() || h->second.lost_since != 0) continue;
      h->second.lost_since = txn.now();
      txn.Touch(h->second);
      lost.push_back(id);
      LOG_WARN("host {} ({}) is lost: no contact for {} s", h->second.name, id,
               contacts.at(id).age_ms / 1000);
    }
    for (const auto& id : with_work)
      if (auto h = s.hosts.find(id); h != s.hosts.end()) FinishWorkOf(txn, h->second, out);
    if (lost.empty()) return Ok();
    std::vector<HostCapacity> capacities = Capacities(s);
    for (const auto& id : lost) {
      FinishWorkOf(txn, s.hosts.at(id), out);  // a ReIniting disk would block a start
      SettleInstancesOf(txn, s.hosts.at(id), capacities, out);
    }
    out.lost = std::move(lost);
    return Ok();
  });
  if (!st.ok()) {
    LOG_WARN("host loss pass: {}", st.error().message);
    return HostLossPass{};
  }
  return out;
}

}  // namespace openecs
