#pragma once
// Storage: where a host's cloud disks, snapshots and images live, behind one interface, so a
// replicated backend (Ceph RBD, issue 21) is one more implementation beside the local one.
//
//   storage.h        this contract
//   local_storage.h  files on this host: the disk pool, the snapshot store, the image store
//   local_images.cc  its image store (custom images, imports, exports)
//   rbd_storage.h    cloud disks and snapshots in a Ceph RBD pool (three copies), the rest local
//   disk_files.h     qcow2/raw file helpers (size, checksum, erase)
//   fake_storage.h   the emulator's: no files, only delays and checksums
//
// Who calls what: the hypervisor driver asks storage for a disk's volume (Ensure) and attaches
// it; it copies a running guest's disk into a snapshot through the LiveCopy storage hands it.
// Everything else (a disk made anew from a snapshot, custom images, exports, collecting what
// is gone) the agent asks of storage directly; the driver never touches a storage file itself.
//
// Contract for every implementation:
// - Methods block until done and are safe to call from several threads for different disks,
//   snapshots and images (the agent serialises work on one of them).
// - A failed operation leaves nothing half-made: partial files or volumes are removed, and a
//   disk being made anew keeps its old content until the new one is whole.
// - A snapshot source is checked against its recorded sha256 before anything is made from it.
// - Erasing overwrites a disk's data before its space is freed, so it never reaches another
//   user.
#include <functional>
#include <set>
#include <string>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

// An image in a Ceph RBD pool, as QEMU's rbd block driver (qemu-block-extra) opens it.
struct RbdImage {
  std::string pool, image;
  std::string conf;  // a ceph.conf naming the monitors and the client's keyring
  std::string user;  // the client's id: "admin" for client.admin
};

// True for a custom image's id (m-...): made by a host, not built in.
inline bool IsCustomImage(const std::string& image_id) { return image_id.rfind("m-", 0) == 0; }

// How a hypervisor opens a disk.
struct DiskVolume {
  std::string path;    // a file on this host ("" for an RBD image)
  std::string format;  // "qcow2" or "raw"
  RbdImage rbd;        // rbd.image not empty: the disk is this RBD image (format raw)
};

// How an image boots: its own loader (kernel empty), or a kernel QEMU loads directly.
struct ImageBoot {
  std::string kernel;  // absolute path; "" when the disk boots with its own loader
  std::string initrd;  // absolute path or ""
  std::string cmdline;
  // The console line that says the image's OS is up ("" if it never says: Driver::GuestReady).
  std::string boot_complete_marker;
};

// The build that makes disk `d` from the snapshot it was made from (d.snapshot_id), checked
// first: what Ensure does for such a disk that has no volume yet.
inline DesiredDiskBuild SnapshotBuildOf(const DesiredDisk& d) {
  DesiredDiskBuild b;
  b.disk_id = d.disk_id;
  b.snapshot_id = d.snapshot_id;
  b.snapshot_checksum = d.snapshot_checksum;
  b.size_gib = d.size_gib;
  return b;
}

class Storage {
 public:
  virtual ~Storage() = default;
  virtual std::string Name() const = 0;
  // Who else can open this storage's disks: "" when only this host can (files), else an id
  // every host of the same pool reports alike (HostInfo::storage).
  virtual std::string SharedId() const { return ""; }

  // How image `image_id` boots; an error if the image is not on this host (nor in the storage
  // it shares).
  virtual Result<ImageBoot> Boot(const std::string& image_id) = 0;

  // The disk exists and holds at least d.size_gib: made if missing (a system disk from
  // d.image_id, copy-on-write; a disk from d.snapshot_id, a checked copy; others empty), grown
  // if smaller. Sets `made` when this call made it. Returns the volume to attach.
  virtual Result<DiskVolume> Ensure(const DesiredDisk& d, bool* made = nullptr) = 0;
  // Erases and removes a disk (one Ensure made for a plug that then failed).
  virtual Status Erase(const DesiredDisk& d) = 0;
  // Before a guest is launched here with disk `d`: cuts off every other host still holding the
  // disk open (shared storage: the QEMU of a host the server declared lost, service/
  // host_health.h, which may still run and write). A no-op where only this host opens its disks.
  virtual Status Fence(const DesiredDisk& d) {
    (void)d;
    return Ok();
  }
  // Takes in the disk files an older OpenECS kept in an instance's own directory
  // (<instance_dir>/d-*.qcow2). Only the local backend has any.
  virtual void AdoptLegacyDisks(const std::string& instance_dir) { (void)instance_dir; }

  // Makes the disk anew from the build's source (a snapshot, an image, or nothing), replacing
  // the old content only once the new one is whole; on failure the old content stays.
  virtual Status Build(const DesiredDiskBuild& b) = 0;

  // Copies a running guest's disk into `target` (a fresh volume of the disk's size), calling
  // `progress` with 0-99: the hypervisor's block job (crash-consistent).
  using LiveCopy =
      std::function<Status(const DiskVolume& target, const std::function<void(int)>& progress)>;
  // Snapshot s.snapshot_id of disk s.disk_id, as it is now: through `live` when a running guest
  // has the disk (null: the disk is not in use, storage copies it itself). Returns its sha256
  // and size (done=true). A snapshot that exists already is not made again (its report raced a
  // stale desired state): its checksum is returned.
  virtual Result<SnapshotReport> MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                              const std::function<void(int)>& progress) = 0;

  // Makes custom image b.image_id (from a checked snapshot, an http:// download, an
  // "exchange:<bucket>/<object>" file or "image:<id>"), calling `progress` with percents; a
  // failure leaves nothing behind; an image already made is not made again. The report's
  // `storage` is SharedId() when the image was made where every host sharing it can boot it
  // (Boot on any of them), "" when only this host has it.
  virtual Result<ImageReport> MakeImage(const DesiredImageBuild& b,
                                        const std::function<void(int)>& progress) = 0;
  // Writes custom image e.image_id into the exchange area as e.object in e.format.
  virtual Status ExportImage(const DesiredImageExport& e) = 0;

  // Removes the custom images not in `keep`.
  virtual Status CollectImages(const std::set<std::string>& keep) = 0;
  // Erases and removes every disk not in `keep` and snapshot not in `keep_snapshots`.
  virtual Status Collect(const std::set<std::string>& keep,
                         const std::set<std::string>& keep_snapshots) = 0;
};

}  // namespace openecs
