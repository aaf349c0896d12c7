#include "service/disk_service.h"

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "model/catalogue.h"
#include "service/capacity.h"
#include "service/image_service.h"
#include "service/instance_service.h"
#include "service/names.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"
#include "service/snapshot_service.h"
#include "service/task_service.h"

namespace openecs {
namespace {

constexpr int kMaxDataDisks = 16;

Result<Disk*> FindDisk(State& s, const std::string& account_id, const std::string& disk_id) {
  Disk* d = FindOwned(s.disks, disk_id, account_id);
  if (!d)
    return MakeError(ErrorCode::kInvalidDiskIdNotFound,
                     "The specified disk " + disk_id + " does not exist.");
  return d;
}

Result<Instance*> FindInstance(State& s, const std::string& account_id,
                               const std::string& instance_id) {
  Instance* inst = FindOwned(s.instances, instance_id, account_id);
  if (!inst)
    return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                     "The specified instance " + instance_id + " does not exist.");
  return inst;
}

// Attaches `d` to `inst` in the records (the checks are the caller's).
void Attach(Txn& txn, Disk& d, Instance& inst, std::optional<bool> delete_with_instance) {
  d.device = NextDevice(txn.state(), inst);
  d.instance_id = inst.id;
  d.status = inst.status == InstanceStatus::kRunning ? "Attaching" : "In_use";
  d.attached_time = txn.now();
  // A disk on storage hosts share goes to the instance's host.
  if (d.host_id.empty() || !inst.host_id.empty()) d.host_id = inst.host_id;
  if (delete_with_instance) d.delete_with_instance = *delete_with_instance;
  inst.disk_ids.push_back(d.id);
  txn.Touch(d);
  txn.Touch(inst);
}

// Takes `d` off its instance in the records.
void Detached(Txn& txn, Disk& d) {
  if (auto it = txn.state().instances.find(d.instance_id); it != txn.state().instances.end()) {
    auto& ids = it->second.disk_ids;
    ids.erase(std::remove(ids.begin(), ids.end(), d.id), ids.end());
    txn.Touch(it->second);
  }
  d.instance_id.clear();
  d.device.clear();
  d.status = "Available";
  d.detached_time = txn.now();
  txn.Touch(d);
}

Status CheckAttachable(const State& s, const Disk& d, const Instance& inst) {
  if (d.status != "Available")
    return MakeError(ErrorCode::kIncorrectDiskStatus,
                     "The disk is " + d.status + "; only an Available disk can be attached.");
  if (d.zone_id != inst.zone_id) return MakeError(ErrorCode::kResourcesNotInSameZone);
  if (!CheckAction(InstanceAction::kChangeDevices, inst.status, inst.task).ok())
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "Disks are attached to Running or Stopped instances only.");
  if (!CanOpenDisksOf(s, d.host_id, inst.host_id))
    return MakeError(ErrorCode::kOperationDenied,
                     "The disk's data is in the disk pool of host " + d.host_id +
                         "; it can be attached to instances on that host only.");
  int data = 0;
  for (const auto& id : inst.disk_ids)
    if (auto it = s.disks.find(id); it != s.disks.end() && it->second.type == "data") ++data;
  if (data >= kMaxDataDisks) return MakeError(ErrorCode::kInstanceDiskLimitExceeded);
  return Ok();
}

// A disk that is attached must be on a Stopped instance for its file to be rebuilt.
Status CheckRebuildable(const State& s, const Disk& d) {
  if (IsLocalDiskCategory(d.category))
    return MakeError(ErrorCode::kDiskCategoryNotSupported,
                     "Local disks are not rolled back or re-initialized.");
  if (!d.instance_id.empty()) {
    auto i = s.instances.find(d.instance_id);
    if (i != s.instances.end() && i->second.status != InstanceStatus::kStopped)
      return MakeError(ErrorCode::kIncorrectInstanceStatus, "The disk's instance must be Stopped.");
  }
  for (const auto& [id, snap] : s.snapshots)
    if (snap.disk_id == d.id && snap.status == "progressing")
      return MakeError(ErrorCode::kDiskBusyWithSnapshot);
  return Ok();
}

// Asks the disk's host to make its file anew from `snapshot_id` (or, "", the image or
// nothing): ReIniting until the host reports, tracked by a task.
void BeginRebuild(Txn& txn, Disk& d, const std::string& snapshot_id, const std::string& action) {
  d.status = "ReIniting";
  d.build_generation += 1;
  d.build_snapshot_id = snapshot_id;
  d.build_task_id = StartTask(txn, d.account_id, d.region_id, action, d.id).id;
  txn.Touch(d);
}

}  // namespace

std::string NextDevice(const State& s, const Instance& inst) {
  std::set<std::string> used;
  for (const auto& id : inst.disk_ids)
    if (auto it = s.disks.find(id); it != s.disks.end()) used.insert(it->second.device);
  for (char c = 'b'; c <= 'z'; ++c) {
    std::string dev = std::string("/dev/xvd") + c;
    if (!used.count(dev)) return dev;
  }
  return "/dev/xvdz";
}

Result<Disk> CreateDisk(Cloud& cloud, const CreateDiskRequest& r) {
  if (!r.name.empty() && !ValidResourceName(r.name)) return MakeError(ErrorCode::kInvalidDiskName);
  if (r.description.size() > 256) return MakeError(ErrorCode::kInvalidDiskDescription);
  if (!r.performance_level.empty() && r.category == "cloud_essd") {
    static const std::set<std::string> kLevels = {"PL0", "PL1", "PL2", "PL3"};
    if (!kLevels.count(r.performance_level))
      return MakeError(ErrorCode::kInvalidPerformanceLevel,
                       "PerformanceLevel must be PL0, PL1, PL2 or PL3.");
  }
  if (r.size_gib <= 0 && r.snapshot_id.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter either \"SnapshotId\" or \"Size\" should be specified.");
  if (!r.snapshot_id.empty() && !r.instance_id.empty())
    return MakeError(ErrorCode::kInvalidParameterConflict,
                     "A disk made from a snapshot is Creating until its host has copied the "
                     "snapshot: create it without InstanceId, then AttachDisk once Available.");
  if (r.zone_id.empty() && r.instance_id.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"ZoneId\" that is mandatory for processing this "
                     "request is not supplied.");
  Disk out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const Snapshot* snap = nullptr;
    int size_gib = r.size_gib;
    if (!r.snapshot_id.empty()) {
      OPENECS_ASSIGN_OR_RETURN(snap, FindMadeSnapshot(s, r.account_id, r.snapshot_id));
      OPENECS_ASSIGN_OR_RETURN(size_gib, SizeFromSnapshot(*snap, size_gib));
      auto host = s.hosts.find(snap->host_id);
      if (host != s.hosts.end() && !r.zone_id.empty() && host->second.zone_id != r.zone_id)
        return MakeError(ErrorCode::kResourcesNotInSameZone,
                         "The snapshot is kept in zone " + host->second.zone_id +
                             "; a disk made from it lives there.");
    }
    DiskRequest spec;
    spec.category = r.category;
    spec.performance_level = r.performance_level;
    spec.size_gib = size_gib;
    OPENECS_RETURN_IF_ERROR(ValidateDisk(spec, false, 0));
    Disk d;
    OPENECS_ASSIGN_OR_RETURN(d.resource_group_id,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    d.id = NewId("d");
    d.account_id = r.account_id;
    d.region_id = r.region_id;
    d.zone_id = r.zone_id;
    d.name = r.name;
    d.description = r.description;
    d.type = "data";
    d.category = r.category;
    d.performance_level = r.category == "cloud_essd"
                              ? (r.performance_level.empty() ? "PL1" : r.performance_level)
                              : "";
    d.size_gib = size_gib;
    d.status = "Available";
    d.delete_with_instance = false;  // a disk made on its own outlives instances by default
    d.tags = r.tags;
    d.creation_time = txn.now();
    Instance* inst = nullptr;
    if (!r.instance_id.empty()) {
      OPENECS_ASSIGN_OR_RETURN(inst, FindInstance(s, r.account_id, r.instance_id));
      if (!r.zone_id.empty() && r.zone_id != inst->zone_id)
        return MakeError(ErrorCode::kResourcesNotInSameZone);
      d.zone_id = inst->zone_id;
      OPENECS_RETURN_IF_ERROR(CheckAttachable(s, d, *inst));
    }
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxDisks, 1));
    if (r.dry_run) return DryRunOk();
    if (snap) {
      // Made on the snapshot's host (pools are host-local), Creating until it has the copy.
      d.snapshot_id = snap->id;
      d.host_id = snap->host_id;
      d.status = "Creating";
      d.build_generation = 1;
      d.build_snapshot_id = snap->id;
      d.build_task_id = StartTask(txn, r.account_id, r.region_id, "CreateDisk", d.id).id;
    }
    Disk& made = txn.Put(d);
    if (inst) Attach(txn, made, *inst, std::nullopt);
    out = made;
    return Ok();
  }));
  return out;
}

Status AttachDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  const std::string& instance_id, std::optional<bool> delete_with_instance) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, account_id, disk_id));
    OPENECS_ASSIGN_OR_RETURN(Instance * inst, FindInstance(s, account_id, instance_id));
    OPENECS_RETURN_IF_ERROR(CheckAttachable(s, *d, *inst));
    Attach(txn, *d, *inst, delete_with_instance);
    return Ok();
  });
}

Status DetachDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  const std::string& instance_id, std::optional<bool> delete_with_instance) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, account_id, disk_id));
    OPENECS_ASSIGN_OR_RETURN(Instance * inst, FindInstance(s, account_id, instance_id));
    if (d->instance_id.empty()) return MakeError(ErrorCode::kDiskAlreadyDetached);
    if (d->instance_id != instance_id)
      return MakeError(ErrorCode::kDependencyViolation,
                       "The specified disk has not been attached on the specified instance.");
    if (d->type == "system") return MakeError(ErrorCode::kDiskTypeViolation);
    if (IsLocalDiskCategory(d->category))
      return MakeError(ErrorCode::kDiskCategoryNotSupported,
                       "A local disk stays with its instance until the instance is released.");
    if (d->status != "In_use")
      return MakeError(ErrorCode::kIncorrectDiskStatus,
                       "The disk is " + d->status + "; only an In_use disk can be detached.");
    if (!CheckAction(InstanceAction::kChangeDevices, inst->status, inst->task).ok())
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "Disks are detached from Running or Stopped instances only.");
    if (delete_with_instance) d->delete_with_instance = *delete_with_instance;
    if (inst->status == InstanceStatus::kRunning) {
      d->status = "Detaching";  // until the host says the guest let it go
      txn.Touch(*d);
    } else {
      Detached(txn, *d);
    }
    return Ok();
  });
}

Status DeleteDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(txn.state(), account_id, disk_id));
    if (d->status != "Available")
      return MakeError(ErrorCode::kIncorrectDiskStatus,
                       "The disk is " + d->status + "; only an Available disk can be deleted.");
    for (const auto& [id, snap] : txn.state().snapshots)
      if (snap.disk_id == disk_id && snap.status == "progressing")
        return MakeError(ErrorCode::kDiskBusyWithSnapshot);
    DropAutoSnapshotsOf(txn, *d);
    txn.Erase<Disk>(disk_id);
    return Ok();
  });
}

Status ModifyDiskAttribute(Cloud& cloud, const std::string& account_id,
                           const std::vector<std::string>& disk_ids, const ModifyDiskRequest& r) {
  if (!r.name && !r.description && !r.delete_with_instance && !r.delete_auto_snapshot &&
      !r.enable_auto_snapshot)
    return MakeError(ErrorCode::kNoAttributeToModify);
  if (r.name && !ValidResourceName(*r.name)) return MakeError(ErrorCode::kInvalidDiskName);
  if (r.description && r.description->size() > 256)
    return MakeError(ErrorCode::kInvalidDiskDescription);
  return cloud.Write([&](Txn& txn) -> Status {
    std::vector<Disk*> disks;
    for (const auto& id : disk_ids) {
      OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(txn.state(), account_id, id));
      disks.push_back(d);
    }
    for (Disk* d : disks)
      if (r.delete_with_instance && !*r.delete_with_instance && IsLocalDiskCategory(d->category))
        return MakeError(ErrorCode::kDiskCategoryNotSupported,
                         "A local disk is always released with its instance.");
    for (Disk* d : disks) {
      if (r.name) d->name = *r.name;
      if (r.description) d->description = *r.description;
      if (r.delete_with_instance) d->delete_with_instance = *r.delete_with_instance;
      if (r.delete_auto_snapshot) d->delete_auto_snapshot = *r.delete_auto_snapshot;
      if (r.enable_auto_snapshot) d->enable_auto_snapshot = *r.enable_auto_snapshot;
      txn.Touch(*d);
    }
    return Ok();
  });
}

Status ResizeDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  int new_size_gib, const std::string& type) {
  if (!type.empty() && type != "online" && type != "offline")
    return MakeError(ErrorCode::kInvalidParamType, "Type must be online or offline.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, account_id, disk_id));
    if (IsLocalDiskCategory(d->category))
      return MakeError(ErrorCode::kDiskCategoryNotSupported, "Local disks have a fixed size.");
    if (d->status != "In_use" && d->status != "Available")
      return MakeError(ErrorCode::kIncorrectDiskStatus,
                       "The disk is " + d->status + "; it can be resized In_use or Available.");
    if (new_size_gib <= d->size_gib)
      return MakeError(ErrorCode::kDiskSizeTooSmall, "NewSize must be larger than the disk's " +
                                                         std::to_string(d->size_gib) + " GiB.");
    const DiskCategory* cat = FindDiskCategory(d->category);
    int max = cat ? (d->type == "system" ? cat->max_system_gib : cat->max_data_gib) : 0;
    if (cat && new_size_gib > max)
      return MakeError(ErrorCode::kDiskSizeTooLarge, "A " + d->category + " " + d->type +
                                                         " disk holds at most " +
                                                         std::to_string(max) + " GiB.");
    if (!d->instance_id.empty()) {
      OPENECS_ASSIGN_OR_RETURN(Instance * inst, FindInstance(s, account_id, d->instance_id));
      if (type == "online" && inst->status != InstanceStatus::kRunning)
        return MakeError(ErrorCode::kInstanceNotRunning);
      if (!CheckAction(InstanceAction::kChangeDevices, inst->status, inst->task).ok())
        return MakeError(ErrorCode::kIncorrectInstanceStatus,
                         "Disks of Running or Stopped instances only can be resized.");
    } else if (type == "online") {
      return MakeError(ErrorCode::kInstanceNotRunning);
    }
    d->size_gib = new_size_gib;
    txn.Touch(*d);
    return Ok();
  });
}

namespace {
// The smallest ESSD of each performance level, in GiB (ECS: "ESSDs").
int MinGibOfLevel(const std::string& level) {
  if (level == "PL1") return 20;
  if (level == "PL2") return 461;
  if (level == "PL3") return 1261;
  return 1;  // PL0
}
}  // namespace

Result<std::string> ModifyDiskSpec(Cloud& cloud, const ModifyDiskSpecRequest& r) {
  static const std::set<std::string> kLevels = {"PL0", "PL1", "PL2", "PL3"};
  static const std::set<std::string> kCategories = {"cloud_essd", "cloud_ssd", "cloud_efficiency"};
  if (!r.category && !r.performance_level)
    return MakeError(ErrorCode::kMissingParameter,
                     "Give DiskCategory or PerformanceLevel: the specification to change to.");
  if (r.category && !kCategories.count(*r.category))
    return MakeError(ErrorCode::kInvalidDiskCategory,
                     "DiskCategory must be cloud_essd, cloud_ssd or cloud_efficiency.");
  if (r.performance_level && !kLevels.count(*r.performance_level))
    return MakeError(ErrorCode::kInvalidPerformanceLevel,
                     "PerformanceLevel must be PL0, PL1, PL2 or PL3.");
  std::string task_id;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, r.account_id, r.disk_id));
    std::string category = r.category.value_or(d->category);
    if (IsLocalDiskCategory(d->category) || d->category == "cloud")
      return MakeError(ErrorCode::kOperationDenied,
                       "A " + d->category + " disk keeps its category and performance.");
    if (category != "cloud_essd" && r.performance_level)
      return MakeError(ErrorCode::kInvalidPerformanceLevel,
                       "PerformanceLevel applies to cloud_essd disks only.");
    std::string level;
    if (category == "cloud_essd") {
      level =
          r.performance_level.value_or(d->category == "cloud_essd" ? d->performance_level : "PL1");
      if (level.empty()) level = "PL1";
      if (level == "PL0" && d->category == "cloud_essd" && d->performance_level != "PL0")
        return MakeError(ErrorCode::kOperationDenied,
                         "A pay-as-you-go ESSD cannot be downgraded to PL0.");
      if (d->size_gib < MinGibOfLevel(level))
        return MakeError(ErrorCode::kPerformanceLevelNotMatch,
                         "An ESSD at " + level + " holds at least " +
                             std::to_string(MinGibOfLevel(level)) + " GiB; this one has " +
                             std::to_string(d->size_gib) + " GiB (ResizeDisk first).");
    }
    const DiskCategory* cat = FindDiskCategory(category);
    int lo = d->type == "system" ? cat->min_system_gib : cat->min_data_gib;
    int hi = d->type == "system" ? cat->max_system_gib : cat->max_data_gib;
    if (d->size_gib < lo || d->size_gib > hi)
      return MakeError(ErrorCode::kInvalidDiskCategory,
                       "A " + category + " " + d->type + " disk holds " + std::to_string(lo) +
                           " to " + std::to_string(hi) + " GiB; this one has " +
                           std::to_string(d->size_gib) + " GiB.");
    if (d->status != "In_use" && d->status != "Available")
      return MakeError(ErrorCode::kIncorrectDiskStatus, "The disk is " + d->status +
                                                            "; its specification changes In_use or "
                                                            "Available.");
    if (!d->instance_id.empty()) {
      OPENECS_ASSIGN_OR_RETURN(Instance * inst, FindInstance(s, r.account_id, d->instance_id));
      if (!CheckAction(InstanceAction::kChangeDevices, inst->status, inst->task).ok())
        return MakeError(ErrorCode::kIncorrectInstanceStatus,
                         "The disk's instance must be Running or Stopped.");
    }
    for (const auto& [id, snap] : s.snapshots)
      if (snap.disk_id == d->id && snap.status == "progressing")
        return MakeError(ErrorCode::kDiskBusyWithSnapshot);
    if (r.dry_run) return DryRunOk();
    d->category = category;
    d->performance_level = level;
    txn.Touch(*d);
    task_id = StartTask(txn, d->account_id, d->region_id, "ModifyDiskSpec", d->id).id;
    FinishTask(txn, task_id);
    return Ok();
  }));
  return task_id;
}

void SettleDisks(Txn& txn, Instance& inst, const std::optional<std::vector<std::string>>& present,
                 const std::map<std::string, std::string>& refused) {
  bool stopped = inst.status == InstanceStatus::kStopped;
  if (!present && !stopped) return;
  State& s = txn.state();
  std::vector<std::string> ids = inst.disk_ids;  // Detached() edits the list
  for (const auto& id : ids) {
    auto it = s.disks.find(id);
    if (it == s.disks.end()) continue;
    Disk& d = it->second;
    bool has = present ? std::find(present->begin(), present->end(), id) != present->end()
                       : d.status == "Attaching";  // stopped: attached means in the next boot
    if (auto why = refused.find(id); why != refused.end() && d.status == "Attaching") {
      LOG_WARN("disk {}: attaching to {} failed, the disk is Available again: {}", id, inst.id,
               why->second);
      Detached(txn, d);
    } else if (d.status == "Attaching" && has) {
      d.status = "In_use";
      txn.Touch(d);
    } else if (d.status == "Detaching" && !has) {
      Detached(txn, d);
    }
  }
}

}  // namespace openecs

namespace openecs {

Status ResetDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                 const std::string& snapshot_id, bool dry_run) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, account_id, disk_id));
    const Snapshot* found = FindOwned(s.snapshots, snapshot_id, account_id);
    if (!found)
      return MakeError(ErrorCode::kInvalidSnapshotIdNotFound,
                       "The specified snapshot " + snapshot_id + " does not exist.");
    const Snapshot& snap = *found;
    if (snap.disk_id != d->id) return MakeError(ErrorCode::kSnapshotNotOfDisk);
    if (snap.status != "accomplished") return MakeError(ErrorCode::kSnapshotNotReady);
    if (d->status != "In_use" && d->status != "Available")
      return MakeError(ErrorCode::kIncorrectDiskStatus,
                       "The disk is " + d->status + "; it can be reset In_use or Available.");
    OPENECS_RETURN_IF_ERROR(CheckRebuildable(s, *d));
    if (dry_run) return DryRunOk();
    BeginRebuild(txn, *d, snap.id, "ResetDisk");
    return Ok();
  });
}

Status ReInitDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Disk * d, FindDisk(s, account_id, disk_id));
    if (d->status != "In_use")
      return MakeError(ErrorCode::kIncorrectDiskStatus,
                       "The disk is " + d->status + "; only an In_use disk can be re-initialized.");
    OPENECS_RETURN_IF_ERROR(CheckRebuildable(s, *d));
    if (!d->snapshot_id.empty()) {
      auto it = s.snapshots.find(d->snapshot_id);
      if (it == s.snapshots.end()) return MakeError(ErrorCode::kSourceSnapshotDeleted);
      if (it->second.status != "accomplished") return MakeError(ErrorCode::kSnapshotNotReady);
    }
    if (d->host_id.empty()) return Ok();  // no file yet: the first one is made from its source
    BeginRebuild(txn, *d, d->snapshot_id, "ReInitDisk");
    return Ok();
  });
}

Result<Disk> ReplaceSystemDisk(Cloud& cloud, const ReplaceSystemDiskRequest& r) {
  Disk out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(Instance * inst, FindInstance(s, r.account_id, r.instance_id));
    Reach image_reach;
    std::optional<Image> image = FindImage(s, r.account_id, r.image_id, &image_reach);
    if (!image)
      return MakeError(ErrorCode::kInvalidImageIdNotFound,
                       "The specified image " + r.image_id + " does not exist.");
    if (Reach here{inst->host_id, ""}; !inst->host_id.empty() && !Narrow(s, here, image_reach))
      return MakeError(
          ErrorCode::kOperationDenied,
          "The image is kept on host " + image_reach.host + "; the instance runs on another host.");
    if (inst->status != InstanceStatus::kStopped)
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "The system disk of a Stopped instance only can be replaced.");
    if (r.password) OPENECS_RETURN_IF_ERROR(ValidatePassword(*r.password));
    if (r.key_pair_name) {
      if (!FindOwned(s.key_pairs, KeyPairKey(r.account_id, *r.key_pair_name), r.account_id))
        return MakeError(ErrorCode::kInvalidKeyPairNameNotFound);
    }
    Disk* old = nullptr;
    for (const auto& id : inst->disk_ids)
      if (auto it = s.disks.find(id); it != s.disks.end() && it->second.type == "system")
        old = &it->second;
    if (!old) return MakeError(ErrorCode::kIncorrectDiskStatus, "The instance has no system disk.");
    if (old->status != "In_use")
      return MakeError(ErrorCode::kIncorrectDiskStatus, "The system disk is " + old->status + ".");
    OPENECS_RETURN_IF_ERROR(CheckRebuildable(s, *old));
    int size = r.size_gib ? r.size_gib : std::max(old->size_gib, image->size_gib);
    const DiskCategory* cat = FindDiskCategory(old->category);
    int min = std::max(image->size_gib, cat ? cat->min_system_gib : 1);
    int max = cat ? cat->max_system_gib : 2048;
    if (size < min || size > max)
      return MakeError(ErrorCode::kInvalidSystemDiskSize,
                       "SystemDisk.Size must be " + std::to_string(min) + " to " +
                           std::to_string(max) + " GiB for this image and category.");
    if (r.dry_run) return DryRunOk();
    Disk d = *old;
    d.id = NewId("d");
    d.version = 0;
    d.name = "";
    d.description = "";
    d.image_id = image->id;
    d.snapshot_id = "";
    d.size_gib = size;
    d.host_id = inst->host_id;  // the old one's pool; the new file is made at the next start
    d.creation_time = d.attached_time = txn.now();
    d.build_generation = 0;
    d.build_snapshot_id = d.build_task_id = "";
    std::replace(inst->disk_ids.begin(), inst->disk_ids.end(), old->id, d.id);
    inst->image_id = image->id;
    if (r.password) inst->password = *r.password;
    if (r.key_pair_name) inst->key_pair_name = *r.key_pair_name;
    txn.Touch(*inst);
    DropAutoSnapshotsOf(txn, *old);
    txn.Erase<Disk>(old->id);  // its host erases the old file
    out = txn.Put(d);
    return Ok();
  }));
  return out;
}

std::vector<DesiredDiskBuild> DiskBuildsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredDiskBuild> out;
  if (host_id.empty()) return out;
  for (const std::string& id : s.index.DisksOn(host_id)) {
    auto it = s.disks.find(id);
    if (it == s.disks.end()) continue;
    const Disk& d = it->second;
    if (d.status != "Creating" && d.status != "ReIniting") continue;
    DesiredDiskBuild b;
    b.disk_id = id;
    b.generation = d.build_generation;
    b.size_gib = d.size_gib;
    if (!d.build_snapshot_id.empty()) {
      auto snap = s.snapshots.find(d.build_snapshot_id);
      if (snap == s.snapshots.end()) continue;  // cannot happen: DeleteSnapshot refuses
      b.snapshot_id = snap->first;
      b.snapshot_checksum = snap->second.checksum;
    } else if (d.type == "system") {
      b.image_id = d.image_id;
    }
    out.push_back(std::move(b));
  }
  return out;
}

void ApplyDiskBuildReport(Txn& txn, const std::string& host_id, const DiskBuildReport& r) {
  auto it = txn.state().disks.find(r.disk_id);
  if (it == txn.state().disks.end()) return;
  Disk& d = it->second;
  if (d.host_id != host_id || (d.status != "Creating" && d.status != "ReIniting") ||
      d.build_generation != r.generation)
    return;
  if (r.failed) {
    FailTask(txn, d.build_task_id, ErrorCode::kInternalError, r.error);
    if (d.status == "Creating") {  // nothing was made: the disk goes
      txn.Erase<Disk>(d.id);
      return;
    }
  } else {
    FinishTask(txn, d.build_task_id);
  }
  d.status = d.instance_id.empty() ? "Available" : "In_use";
  txn.Touch(d);
}

}  // namespace openecs
