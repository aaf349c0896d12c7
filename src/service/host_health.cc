#include "service/host_health.h"

#include "common/log.h"
#include "model/catalogue.h"
#include "scheduler/scheduler.h"
#include "service/agent_service.h"
#include "service/capacity.h"
#include "service/instance_events.h"

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
  i.status = S::kStopped;
  i.task = T::kNone;
  i.desired = DesiredPower::kStopped;
  i.force_stop = false;
  i.power = PowerState::kUnknown;
  i.guest_ready = false;
  i.claimed = false;
  // As an economical stop: a pay-as-you-go instance is not charged for a host it cannot use,
  // and its public IP goes back to the pool (a new one comes at its next start).
  i.stopped_mode = i.charge_type == "PostPaid" ? "StopCharging" : "KeepCharging";
  if (i.stopped_mode == "StopCharging" && !i.public_ip.empty()) {
    i.public_ip.clear();
    i.public_ip_on_start = true;
  }
  txn.Touch(i);
}

// Settles every instance placed on `lost` (already marked lost in `hosts`).
void SettleInstancesOf(Txn& txn, const Host& lost, std::vector<HostCapacity>& hosts,
                       HostLossPass& out) {
  State& s = txn.state();
  std::vector<std::string> ids;
  for (const auto& [id, i] : s.instances)
    if (i.host_id == lost.id) ids.push_back(id);
  const std::string gone = "Host " + lost.name + " stopped answering";
  for (const auto& id : ids) {
    Instance& i = s.instances.at(id);
    if (i.desired == DesiredPower::kAbsent) {  // its release would have ended there
      ReleaseInstance(txn, id);
      ++out.released;
      continue;
    }
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
              " and the instance cannot leave it (local disks, a custom image, a "
              "deployment set or a dedicated host, or disks only that host keeps)";
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

HostLossPass RunHostLossPass(Cloud& cloud, const std::map<std::string, int64_t>& contact_age_ms,
                             int64_t lost_after_ms) {
  auto silent = [&](const std::string& host_id) -> std::optional<bool> {
    auto a = contact_age_ms.find(host_id);
    if (a == contact_age_ms.end()) return std::nullopt;
    return a->second > lost_after_ms;
  };
  bool any = cloud.Read<bool>([&](const State& s) {
    for (const auto& [id, h] : s.hosts)
      if (auto quiet = silent(id); quiet && *quiet != (h.lost_since != 0)) return true;
    return false;
  });
  HostLossPass out;
  if (!any) return out;
  Status st = cloud.Write([&](Txn& txn) -> Status {
    out = HostLossPass{};
    State& s = txn.state();
    std::vector<std::string> lost;
    for (auto& [id, h] : s.hosts) {
      auto quiet = silent(id);
      if (!quiet || *quiet == (h.lost_since != 0)) continue;
      if (*quiet) {
        h.lost_since = txn.now();
        lost.push_back(id);
        LOG_WARN("host {} ({}) is lost: no contact for {} s", h.name, id,
                 contact_age_ms.at(id) / 1000);
      } else {
        h.lost_since = 0;
        out.back.push_back(id);
        LOG_INFO("host {} ({}) is back", h.name, id);
      }
      txn.Touch(h);
    }
    if (lost.empty()) return Ok();
    std::vector<HostCapacity> hosts = Capacities(s);
    for (const auto& id : lost) SettleInstancesOf(txn, s.hosts.at(id), hosts, out);
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
