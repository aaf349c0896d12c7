#include "service/snapshot_service.h"

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "model/catalogue.h"
#include "service/capacity.h"
#include "service/names.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"
#include "service/task_service.h"

namespace openecs {
namespace {

Result<Snapshot*> FindSnapshot(State& s, const std::string& account_id, const std::string& id) {
  Snapshot* snap = FindOwned(s.snapshots, id, account_id);
  if (!snap)
    return MakeError(ErrorCode::kInvalidSnapshotIdNotFound,
                     "The specified snapshot " + id + " does not exist.");
  return snap;
}

Status CheckNameAndDescription(const std::optional<std::string>& name,
                               const std::optional<std::string>& description) {
  if (name && !name->empty() && !ValidResourceName(*name))
    return MakeError(ErrorCode::kInvalidSnapshotName);
  if (description && description->size() > 256)
    return MakeError(ErrorCode::kInvalidDiskDescription);
  return Ok();
}

}  // namespace

Result<Snapshot*> StartSnapshot(Txn& txn, const CreateSnapshotRequest& r) {
  State& s = txn.state();
  OPENECS_ASSIGN_OR_RETURN(std::string group,
                           ResolveResourceGroup(s, r.account_id, r.resource_group_id));
  const Disk* found = FindOwned(s.disks, r.disk_id, r.account_id);
  if (!found)
    return MakeError(ErrorCode::kInvalidDiskIdNotFound,
                     "The specified disk " + r.disk_id + " does not exist.");
  const Disk& disk = *found;
  if (IsLocalDiskCategory(disk.category))
    return MakeError(ErrorCode::kDiskCategoryNotSupported, "Local disks have no snapshots.");
  if (disk.status != "In_use" && disk.status != "Available")
    return MakeError(
        ErrorCode::kIncorrectDiskStatus,
        "The disk is " + disk.status + "; snapshots are of In_use or Available disks.");
  if (disk.host_id.empty()) return MakeError(ErrorCode::kDiskNeverAttached);
  if (!disk.instance_id.empty()) {
    auto i = s.instances.find(disk.instance_id);
    if (i != s.instances.end() &&
        !CheckAction(InstanceAction::kChangeDevices, i->second.status, i->second.task).ok())
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "Snapshots are made of disks of Running or Stopped instances.");
  }
  for (const auto& [id, other] : s.snapshots)
    if (other.disk_id == disk.id && other.status == "progressing")
      return MakeError(ErrorCode::kDiskCreatingSnapshot);
  OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxSnapshots, 1));
  Snapshot snap;
  snap.id = NewId("s");
  snap.account_id = r.account_id;
  snap.resource_group_id = group;
  snap.region_id = r.region_id;
  snap.name = r.name;
  snap.description = r.description;
  snap.disk_id = disk.id;
  snap.source_disk_type = disk.type;
  snap.source_disk_category = disk.category;
  snap.source_disk_size_gib = disk.size_gib;
  snap.source_image_id = disk.image_id;
  snap.host_id = disk.host_id;
  snap.retention_days = r.retention_days;
  snap.tags = r.tags;
  snap.creation_time = snap.last_modified_time = txn.now();
  snap.task_id = StartTask(txn, r.account_id, r.region_id, "CreateSnapshot", snap.id).id;
  return &txn.Put(snap);
}

Result<Snapshot> CreateSnapshot(Cloud& cloud, const CreateSnapshotRequest& r) {
  OPENECS_RETURN_IF_ERROR(CheckNameAndDescription(r.name, r.description));
  if (r.retention_days < 0 || r.retention_days > 65536)
    return MakeError(ErrorCode::kInvalidParameter, "RetentionDays must be 1 to 65536.");
  Snapshot out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(Snapshot * snap, StartSnapshot(txn, r));
    out = *snap;
    return Ok();
  }));
  return out;
}

Status DeleteSnapshot(Cloud& cloud, const std::string& account_id, const std::string& id,
                      bool force) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(Snapshot * snap, FindSnapshot(txn.state(), account_id, id));
    for (const auto& [disk_id, d] : txn.state().disks) {
      bool building =
          (d.status == "Creating" || d.status == "ReIniting") && d.build_snapshot_id == snap->id;
      if (building)
        return MakeError(ErrorCode::kSnapshotCreatedDisk,
                         "Disk " + disk_id + " is being made from the snapshot.");
      if (d.snapshot_id == snap->id && !force)
        return MakeError(ErrorCode::kSnapshotCreatedDisk,
                         "Disk " + disk_id +
                             " was made from the snapshot (Force=true deletes it anyway; the "
                             "disk can then not be re-initialized).");
    }
    for (const auto& [image_id, image] : txn.state().images)
      if (image.snapshot_id == snap->id)
        return MakeError(ErrorCode::kSnapshotCreatedImage,
                         "Image " + image_id + " was made from the snapshot; delete it first.");
    FailTask(txn, snap->task_id, ErrorCode::kInvalidSnapshotIdNotFound,
             "The snapshot was deleted while being made.");
    txn.Erase<Snapshot>(snap->id);  // a copy still being made is abandoned by its host
    return Ok();
  });
}

Status ModifySnapshotAttribute(Cloud& cloud, const std::string& account_id, const std::string& id,
                               const std::optional<std::string>& name,
                               const std::optional<std::string>& description,
                               std::optional<int> retention_days) {
  if (!name && !description && !retention_days) return MakeError(ErrorCode::kNoAttributeToModify);
  OPENECS_RETURN_IF_ERROR(CheckNameAndDescription(name, description));
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(Snapshot * snap, FindSnapshot(txn.state(), account_id, id));
    if (name) snap->name = *name;
    if (description) snap->description = *description;
    if (retention_days) snap->retention_days = *retention_days;
    snap->last_modified_time = txn.now();
    txn.Touch(*snap);
    return Ok();
  });
}

void FailImagesWaitingFor(Txn& txn, const std::string& snapshot_id, const std::string& why) {
  for (auto& [id, image] : txn.state().images) {
    if (image.snapshot_id != snapshot_id || image.status != "Creating") continue;
    image.status = "CreateFailed";
    image.error = "its snapshot failed: " + why;
    FailTask(txn, image.task_id, ErrorCode::kInternalError, image.error);
    txn.Touch(image);
  }
}

void FailSnapshotsOf(Txn& txn, const std::string& disk_id, const std::string& why) {
  for (auto& [id, snap] : txn.state().snapshots) {
    if (snap.disk_id != disk_id || snap.status != "progressing") continue;
    snap.status = "failed";
    snap.error = why;
    FailTask(txn, snap.task_id, ErrorCode::kInternalError, why);
    FailImagesWaitingFor(txn, id, why);
    txn.Touch(snap);
  }
}

Result<const Snapshot*> FindMadeSnapshot(const State& s, const std::string& account_id,
                                         const std::string& id) {
  const Snapshot* snap = FindOwned(s.snapshots, id, account_id);
  if (!snap)
    return MakeError(ErrorCode::kInvalidSnapshotIdNotFound,
                     "The specified snapshot " + id + " does not exist.");
  if (snap->status != "accomplished") return MakeError(ErrorCode::kSnapshotNotReady);
  return snap;
}

Result<int> SizeFromSnapshot(const Snapshot& snap, int size_gib) {
  if (size_gib == 0) return snap.source_disk_size_gib;
  if (size_gib < snap.source_disk_size_gib)
    return MakeError(ErrorCode::kDiskSizeTooSmall,
                     "Specified disk size is less than the size of snapshot " + snap.id + " (" +
                         std::to_string(snap.source_disk_size_gib) + " GiB).");
  return size_gib;
}

std::set<std::string> SnapshotsInUse(const State& s) {
  std::set<std::string> used;
  for (const auto& [id, d] : s.disks) {
    used.insert(d.snapshot_id);
    used.insert(d.build_snapshot_id);
  }
  for (const auto& [id, image] : s.images) used.insert(image.snapshot_id);
  used.erase("");
  return used;
}

void DropAutoSnapshotsOf(Txn& txn, const Disk& disk) {
  if (!disk.delete_auto_snapshot) return;
  State& s = txn.state();
  std::set<std::string> used = SnapshotsInUse(s);
  std::vector<std::string> drop;
  for (const auto& [id, snap] : s.snapshots)
    if (snap.disk_id == disk.id && snap.automatic && !used.count(id)) drop.push_back(id);
  for (const auto& id : drop) {
    FailTask(txn, s.snapshots.at(id).task_id, ErrorCode::kInvalidSnapshotIdNotFound,
             "Its disk was deleted.");
    txn.Erase<Snapshot>(id);
  }
}

void ApplySnapshotReport(Txn& txn, const std::string& host_id, const SnapshotReport& report) {
  auto it = txn.state().snapshots.find(report.snapshot_id);
  if (it == txn.state().snapshots.end()) return;
  Snapshot& snap = it->second;
  if (snap.host_id != host_id || snap.status != "progressing") return;
  if (report.failed) {
    snap.status = "failed";
    snap.error = report.error;
    FailTask(txn, snap.task_id, ErrorCode::kInternalError, report.error);
    FailImagesWaitingFor(txn, snap.id, report.error);
  } else if (report.done) {
    snap.status = "accomplished";
    snap.progress = 100;
    snap.checksum = report.checksum;
    snap.size_bytes = report.size_bytes;
    FinishTask(txn, snap.task_id);
  } else if (report.progress > snap.progress && report.progress < 100) {
    snap.progress = report.progress;
    TaskProgress(txn, snap.task_id, report.progress);
  } else {
    return;
  }
  snap.last_modified_time = txn.now();
  txn.Touch(snap);
}

std::vector<DesiredSnapshot> SnapshotsToMake(const State& s, const std::string& host_id) {
  std::vector<DesiredSnapshot> out;
  for (const std::string& id : s.index.SnapshotsOn(host_id)) {
    auto it = s.snapshots.find(id);
    if (it == s.snapshots.end() || it->second.status != "progressing") continue;
    auto d = s.disks.find(it->second.disk_id);
    if (d == s.disks.end()) continue;  // the disk went first: nothing to copy
    out.push_back({id, it->second.disk_id, d->second.instance_id});
  }
  return out;
}

std::vector<std::string> SnapshotsKept(const State& s, const std::string& host_id) {
  // Its own, and those of the hosts sharing its storage (it can open their files).
  std::vector<std::string> out;
  for (const std::string& owner : HostsSharingDisksWith(s, host_id)) {
    const std::set<std::string>& held = s.index.SnapshotsOn(owner);
    out.insert(out.end(), held.begin(), held.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace openecs
