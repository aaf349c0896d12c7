#pragma once
// Cloud disks as ECS has them: created on their own (CreateDisk), attached to and detached
// from instances (hot-plug on a running one), grown, renamed, deleted. The records and their
// status machine live here; the host makes the files (in its disk pool) and plugs them.
//
// Status: Available -> Attaching -> In_use -> Detaching -> Available. On a running instance
// Attaching and Detaching last until its host reports that the guest has (or no longer has)
// the disk; on a stopped one the change is immediate (the next boot has it). Calls in the
// wrong status get IncorrectDiskStatus.
//
// Pools are host-local: a disk's file is made in the pool of the host of the instance it is
// first attached to (Disk::host_id) and the disk can then only be attached on that host.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/agent_protocol.h"
#include "service/cloud.h"

namespace openecs {

struct CreateDiskRequest {
  std::string account_id, region_id, zone_id, name, description;
  std::string category = "cloud";
  std::string performance_level;  // ESSD only: PL0..PL3 (default PL1)
  int size_gib = 0;
  std::string snapshot_id;
  std::string instance_id;  // create and attach to it (then the zone is the instance's)
  std::optional<std::string> resource_group_id;  // resource_group_service.h
  Tags tags;
  bool dry_run = false;
};
Result<Disk> CreateDisk(Cloud& cloud, const CreateDiskRequest& r);

Status AttachDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  const std::string& instance_id, std::optional<bool> delete_with_instance);
Status DetachDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  const std::string& instance_id, std::optional<bool> delete_with_instance);
// Only Available disks; the host erases the file once the record is gone.
Status DeleteDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id);

struct ModifyDiskRequest {
  std::optional<std::string> name, description;
  std::optional<bool> delete_with_instance, delete_auto_snapshot, enable_auto_snapshot;
};
Status ModifyDiskAttribute(Cloud& cloud, const std::string& account_id,
                           const std::vector<std::string>& disk_ids, const ModifyDiskRequest& r);

// type: "online" (the instance must be Running) or "offline"/"" (Running or Stopped, or an
// Available disk). Either way a running guest sees the new size at once (block_resize).
Status ResizeDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                  int new_size_gib, const std::string& type);

// ModifyDiskSpec (pay-as-you-go disks): a new category among cloud_essd, cloud_ssd and
// cloud_efficiency (basic `cloud` and local disks keep theirs: OperationDenied) and/or a new ESSD
// performance level (PL0..PL3; never down to PL0; PL2 from 461 GiB, PL3 from 1261 GiB, PL1 from
// 20 GiB: OperationDenied.PerformanceLevelNotMatch). An ESSD that does not name a level keeps
// its own, or becomes PL1 when it turns ESSD. The disk must be In_use or Available (its instance
// Running or Stopped) with no snapshot in progress. The change takes effect at once, as on ECS:
// the record changes and the disk's IOPS and throughput with it (DiskPerformanceOf), so a
// running guest's disk is re-throttled by its host at its next sync, and a stopped one boots
// with the new limits. Returns the id of the task that records the change (Finished).
struct ModifyDiskSpecRequest {
  std::string account_id, disk_id;
  std::optional<std::string> category, performance_level;
  bool dry_run = false;
};
Result<std::string> ModifyDiskSpec(Cloud& cloud, const ModifyDiskSpecRequest& r);

// Rolls the disk back to a snapshot of it (accomplished): the disk must be Available, or In_use
// on a Stopped instance. The disk is ReIniting until its host has copied the snapshot (after
// checking its sha256): then back to its status, or left as it was if the copy failed (the
// task says why).
Status ResetDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id,
                 const std::string& snapshot_id, bool dry_run);
// Makes an In_use disk of a Stopped instance what it was when created: the snapshot it was made
// from, else its image (system disk), else empty. ReIniting meanwhile, as ResetDisk.
Status ReInitDisk(Cloud& cloud, const std::string& account_id, const std::string& disk_id);

struct ReplaceSystemDiskRequest {
  std::string account_id, instance_id, image_id;
  int size_gib = 0;  // 0: the old disk's size (at least the image's)
  std::optional<std::string> password, key_pair_name;
  bool dry_run = false;
};
// A Stopped instance gets a new system disk (a new id) from `image_id`; the old one is deleted
// (its file erased), the data disks stay. The next start boots the new image.
Result<Disk> ReplaceSystemDisk(Cloud& cloud, const ReplaceSystemDiskRequest& r);

// The disk files `host_id` is to make anew (disks Creating or ReIniting there), and the
// folding of its report: success returns the disk to its status; failure leaves it as it was
// (a Creating disk is deleted) and fails the task with the host's reason.
std::vector<DesiredDiskBuild> DiskBuildsFor(const State& s, const std::string& host_id);
void ApplyDiskBuildReport(Txn& txn, const std::string& host_id, const DiskBuildReport& report);

// Folds what a host says about an instance's disks into the records: `present` (the disks its
// running guest has) settles Attaching and Detaching disks; nullopt with the instance Stopped
// settles them too (a stopped guest has whatever the next boot gives it). An Attaching disk the
// host `refused` to plug goes back to Available, detached (the attach failed; nothing is kept).
void SettleDisks(Txn& txn, Instance& inst, const std::optional<std::vector<std::string>>& present,
                 const std::map<std::string, std::string>& refused = {});

// The next free device name on an instance (/dev/xvdb, /dev/xvdc, ...).
std::string NextDevice(const State& s, const Instance& inst);

}  // namespace openecs
