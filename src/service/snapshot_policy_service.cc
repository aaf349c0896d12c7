#include "service/snapshot_policy_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "service/names.h"
#include "service/resource_group_service.h"
#include "service/snapshot_service.h"

namespace openecs {
namespace {

Result<AutoSnapshotPolicy*> FindPolicy(State& s, const std::string& account_id,
                                       const std::string& id) {
  AutoSnapshotPolicy* p = FindOwned(s.snapshot_policies, id, account_id);
  if (!p)
    return MakeError(ErrorCode::kInvalidAutoSnapshotPolicyIdNotFound,
                     "The specified automatic snapshot policy " + id + " does not exist.");
  return p;
}

Result<std::vector<Disk*>> FindDisks(State& s, const std::string& account_id,
                                     const std::vector<std::string>& ids) {
  if (ids.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"diskIds\" that is mandatory for processing this "
                     "request is not supplied.");
  std::vector<Disk*> out;
  for (const auto& id : ids) {
    Disk* d = FindOwned(s.disks, id, account_id);
    if (!d)
      return MakeError(ErrorCode::kInvalidDiskIdNotFound,
                       "The specified disk " + id + " does not exist.");
    out.push_back(d);
  }
  return out;
}

Status CheckPolicy(const std::optional<std::string>& name, const std::vector<int>* time_points,
                   const std::vector<int>* weekdays, std::optional<int> retention) {
  if (name && !name->empty() && !ValidResourceName(*name))
    return MakeError(ErrorCode::kPolicyParameterInvalid,
                     "autoSnapshotPolicyName must be 2 to 128 characters, starting with a letter.");
  if (time_points && time_points->empty())
    return MakeError(ErrorCode::kPolicyParameterInvalid, "timePoints must name at least one hour.");
  if (weekdays && weekdays->empty())
    return MakeError(ErrorCode::kPolicyParameterInvalid,
                     "repeatWeekdays must name at least one day.");
  if (retention && *retention != -1 && (*retention < 1 || *retention > 65536))
    return MakeError(ErrorCode::kPolicyParameterInvalid, "retentionDays must be -1 or 1 to 65536.");
  return Ok();
}

// The start of the hour `now` is in, if it is one of the policy's time points.
std::optional<int64_t> DueSlot(const AutoSnapshotPolicy& p, int64_t now) {
  int64_t slot = now / 3600 * 3600;
  int hour = static_cast<int>(slot / 3600 % 24);
  int weekday = static_cast<int>((slot / 86400 + 3) % 7) + 1;  // 1970-01-01 was a Thursday
  auto has = [](const std::vector<int>& v, int x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (!has(p.time_points, hour) || !has(p.repeat_weekdays, weekday)) return std::nullopt;
  if (slot <= p.last_run || slot < p.creation_time / 3600 * 3600) return std::nullopt;
  return slot;
}

}  // namespace

Result<std::vector<int>> ParseNumberList(const std::string& json_text, int lo, int hi,
                                         const std::string& what) {
  auto bad = [&] {
    return MakeError(ErrorCode::kPolicyParameterInvalid,
                     what + " must be a JSON array of numbers from " + std::to_string(lo) + " to " +
                         std::to_string(hi) + ", such as [\"" + std::to_string(lo) + "\"].");
  };
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return bad();
  std::set<int> seen;
  std::vector<int> out;
  for (const auto& v : j) {
    int n = 0;
    if (v.is_number_integer()) {
      n = v.get<int>();
    } else if (v.is_string()) {
      const std::string& str = v.get_ref<const std::string&>();
      if (str.empty() || str.size() > 6 || str.find_first_not_of("0123456789") != std::string::npos)
        return bad();
      n = std::stoi(str);
    } else {
      return bad();
    }
    if (n < lo || n > hi || !seen.insert(n).second) return bad();
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<AutoSnapshotPolicy> CreateAutoSnapshotPolicy(Cloud& cloud, const SnapshotPolicyRequest& r) {
  OPENECS_RETURN_IF_ERROR(
      CheckPolicy(r.name, &r.time_points, &r.repeat_weekdays, r.retention_days));
  AutoSnapshotPolicy out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    AutoSnapshotPolicy p;
    OPENECS_ASSIGN_OR_RETURN(p.resource_group_id,
                             ResolveResourceGroup(txn.state(), r.account_id, r.resource_group_id));
    p.id = NewId("sp");
    p.account_id = r.account_id;
    p.region_id = r.region_id;
    p.name = r.name;
    p.time_points = r.time_points;
    p.repeat_weekdays = r.repeat_weekdays;
    p.retention_days = r.retention_days;
    p.tags = r.tags;
    p.creation_time = txn.now();
    out = txn.Put(p);
    return Ok();
  }));
  return out;
}

Status ModifyAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id, const std::string& id,
                                const ModifySnapshotPolicyRequest& r) {
  OPENECS_RETURN_IF_ERROR(CheckPolicy(r.name, r.time_points ? &*r.time_points : nullptr,
                                      r.repeat_weekdays ? &*r.repeat_weekdays : nullptr,
                                      r.retention_days));
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(AutoSnapshotPolicy * p, FindPolicy(txn.state(), account_id, id));
    if (r.name) p->name = *r.name;
    if (r.time_points) p->time_points = *r.time_points;
    if (r.repeat_weekdays) p->repeat_weekdays = *r.repeat_weekdays;
    if (r.retention_days) p->retention_days = *r.retention_days;
    txn.Touch(*p);
    return Ok();
  });
}

Status DeleteAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id,
                                const std::string& id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(AutoSnapshotPolicy * p, FindPolicy(txn.state(), account_id, id));
    for (auto& [disk_id, d] : txn.state().disks)
      if (d.auto_snapshot_policy_id == p->id) {
        d.auto_snapshot_policy_id.clear();
        d.enable_auto_snapshot = false;
        txn.Touch(d);
      }
    txn.Erase<AutoSnapshotPolicy>(id);
    return Ok();
  });
}

Status ApplyAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id, const std::string& id,
                               const std::vector<std::string>& disk_ids) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(AutoSnapshotPolicy * p, FindPolicy(txn.state(), account_id, id));
    OPENECS_ASSIGN_OR_RETURN(auto disks, FindDisks(txn.state(), account_id, disk_ids));
    for (Disk* d : disks) {
      d->auto_snapshot_policy_id = p->id;
      d->enable_auto_snapshot = true;
      txn.Touch(*d);
    }
    return Ok();
  });
}

Status CancelAutoSnapshotPolicy(Cloud& cloud, const std::string& account_id,
                                const std::string& policy_id,
                                const std::vector<std::string>& disk_ids) {
  return cloud.Write([&](Txn& txn) -> Status {
    if (!policy_id.empty()) OPENECS_RETURN_IF_ERROR(FindPolicy(txn.state(), account_id, policy_id));
    OPENECS_ASSIGN_OR_RETURN(auto disks, FindDisks(txn.state(), account_id, disk_ids));
    for (Disk* d : disks) {
      if (!policy_id.empty() && d->auto_snapshot_policy_id != policy_id) continue;
      d->auto_snapshot_policy_id.clear();
      d->enable_auto_snapshot = false;
      txn.Touch(*d);
    }
    return Ok();
  });
}

PolicyRound RunSnapshotPolicies(Cloud& cloud, int64_t now) {
  PolicyRound round;
  // The rounds due now: which disks, under which policy and name.
  struct Due {
    std::string policy_id, disk_id, account_id, region_id;
    int retention_days;
  };
  std::vector<Due> due;
  std::vector<std::pair<std::string, int64_t>> slots;
  cloud.Read<void>([&](const State& s) {
    for (const auto& [id, p] : s.snapshot_policies) {
      auto slot = DueSlot(p, now);
      if (!slot) continue;
      slots.push_back({id, *slot});
      for (const auto& [disk_id, d] : s.disks)
        if (d.auto_snapshot_policy_id == id && d.enable_auto_snapshot)
          due.push_back({id, disk_id, d.account_id, d.region_id, p.retention_days});
    }
  });
  if (!slots.empty()) {
    (void)cloud.Write([&](Txn& txn) -> Status {
      for (const auto& [id, slot] : slots) {
        auto it = txn.state().snapshot_policies.find(id);
        if (it == txn.state().snapshot_policies.end()) continue;
        it->second.last_run = slot;
        txn.Touch(it->second);
      }
      return Ok();
    });
  }
  std::string stamp = FormatIso(now / 3600 * 3600);  // 2026-11-27T13:00:00Z
  std::string name = "auto_" + stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "_" +
                     stamp.substr(11, 2);
  for (const auto& d : due) {
    // One transaction per disk: a disk that cannot be snapshotted now (busy, never attached)
    // is skipped without holding up the others.
    Status st = cloud.Write([&](Txn& txn) -> Status {
      CreateSnapshotRequest r;
      r.account_id = d.account_id;
      r.region_id = d.region_id;
      r.disk_id = d.disk_id;
      r.name = name;
      r.description = "Made by automatic snapshot policy " + d.policy_id + ".";
      r.retention_days = d.retention_days > 0 ? d.retention_days : 0;
      OPENECS_ASSIGN_OR_RETURN(Snapshot * snap, StartSnapshot(txn, r));
      snap->automatic = true;  // the record is already in this commit
      return Ok();
    });
    if (st.ok())
      ++round.started;
    else if (st.error().code == ErrorCode::kQuotaExceedSnapshots)  // not taken: the account is full
      LOG_WARN("snapshot policy {}: no snapshot of disk {} this round (account {}): {}",
               d.policy_id, d.disk_id, d.account_id, st.error().message);
    else
      LOG_INFO("snapshot policy {}: disk {} skipped this round: {}", d.policy_id, d.disk_id,
               st.error().message);
  }
  // Retention, and settled tasks kept 30 days (automatic rounds make many). Found under the
  // shared lock; the exclusive one (and a store commit) only when something is due.
  using Expired =
      std::pair<std::vector<std::string>, std::vector<std::string>>;  // snapshots, tasks
  auto expired = [now](const State& s) {
    Expired out;
    std::set<std::string> used = SnapshotsInUse(s);
    for (const auto& [id, snap] : s.snapshots)
      if (snap.retention_days > 0 && snap.status != "progressing" && !used.count(id) &&
          snap.creation_time + int64_t{snap.retention_days} * 86400 <= now)
        out.first.push_back(id);
    for (const auto& [id, t] : s.tasks)
      if (t.status != "Processing" && t.finished_time && t.finished_time + 30 * 86400 <= now)
        out.second.push_back(id);
    return out;
  };
  Expired due_now = cloud.Read<Expired>(expired);
  if (!due_now.first.empty() || !due_now.second.empty()) {
    (void)cloud.Write([&](Txn& txn) -> Status {
      auto [snapshots, tasks] = expired(txn.state());  // again: it may have changed since
      for (const auto& id : snapshots) txn.Erase<Snapshot>(id);
      for (const auto& id : tasks) txn.Erase<Task>(id);
      round.expired = static_cast<int>(snapshots.size());
      return Ok();
    });
  }
  if (round.started || round.expired)
    LOG_INFO("snapshot policies: {} snapshots started, {} past their retention deleted",
             round.started, round.expired);
  return round;
}

}  // namespace openecs
