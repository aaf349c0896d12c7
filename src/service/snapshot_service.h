#pragma once
// Snapshots as ECS has them: CreateSnapshot of a disk that has data (In_use, or Available after
// having been attached), made by the disk's host in its snapshot store while the record shows
// `progressing` with a Progress %, then `accomplished` with the file's sha256 kept in the record
// (or `failed` with why); DescribeSnapshots, ModifySnapshotAttribute, DeleteSnapshot (the host
// removes the file once the record is gone).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/agent_protocol.h"
#include "service/cloud.h"

namespace openecs {

struct CreateSnapshotRequest {
  std::string account_id, region_id, disk_id, name, description;
  int retention_days = 0;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
  Tags tags;
};
Result<Snapshot> CreateSnapshot(Cloud& cloud, const CreateSnapshotRequest& r);
// The checks and the record of CreateSnapshot, inside a caller's transaction (CreateImage from an
// instance snapshots its system disk this way, and automatic snapshot policies). Among the
// checks: QuotaExceed.Snapshot when the account holds its max-snapshots (quota_service.h).
Result<Snapshot*> StartSnapshot(Txn& txn, const CreateSnapshotRequest& r);
// Refused while a disk is being made from the snapshot, and (unless `force`) when a disk was
// made from it (that disk's ReInitDisk needs it).
Status DeleteSnapshot(Cloud& cloud, const std::string& account_id, const std::string& id,
                      bool force);
Status ModifySnapshotAttribute(Cloud& cloud, const std::string& account_id, const std::string& id,
                               const std::optional<std::string>& name,
                               const std::optional<std::string>& description,
                               std::optional<int> retention_days);

// Marks the images made from `snapshot_id` that wait for it CreateFailed (the snapshot failed).
void FailImagesWaitingFor(Txn& txn, const std::string& snapshot_id, const std::string& why);
// Fails the progressing snapshots of a disk that is going away (and the images waiting on them).
void FailSnapshotsOf(Txn& txn, const std::string& disk_id, const std::string& why);

// The account's snapshot `id`, made (accomplished): InvalidSnapshotId.NotFound or
// InvalidSnapshotId.NotReady otherwise.
Result<const Snapshot*> FindMadeSnapshot(const State& s, const std::string& account_id,
                                         const std::string& id);
// The size of a disk made from `snap`: `size_gib`, or the snapshot's when 0; smaller than the
// snapshot's is InvalidDiskSize.TooSmall.
Result<int> SizeFromSnapshot(const Snapshot& snap, int size_gib);

// The snapshots a disk or an image was made from (or is being made from): kept by retention
// and by DeleteAutoSnapshot.
std::set<std::string> SnapshotsInUse(const State& s);

// Deletes the automatic snapshots of a disk that is being deleted with DeleteAutoSnapshot set
// (those a disk or an image was made from stay).
void DropAutoSnapshotsOf(Txn& txn, const Disk& disk);

// Folds a host's report into the snapshot's record (reports of other hosts, or for snapshots
// that are gone or already settled, change nothing).
void ApplySnapshotReport(Txn& txn, const std::string& host_id, const SnapshotReport& report);

// What `host_id` is to make, and which snapshot files it keeps.
std::vector<DesiredSnapshot> SnapshotsToMake(const State& s, const std::string& host_id);
std::vector<std::string> SnapshotsKept(const State& s, const std::string& host_id);

}  // namespace openecs
