#pragma once
// Cloud disks and their snapshots in a Ceph RBD pool (storage.h), so a disk is kept in as many
// copies as the pool says (size=3 in scripts/ceph) and outlives the host it was used on. QEMU
// opens the disks itself (its rbd block driver, Debian's qemu-block-extra); this class runs the
// `rbd` and `qemu-img` programs (sys/exec.h) for everything else.
//
// What lives where, in pool P:
// - a cloud disk: RBD image P/<disk-id>, raw. A system disk is a clone (copy-on-write, made in
//   O(1) whatever its size) of P/base.<image-id>[.<build-id>]@base, the image's disk written
//   into the pool once, the first time a disk of that image is made; a data disk is a fresh
//   (thin) image. Grown with `rbd resize` (online: QEMU's block_resize does it through librbd).
// - a snapshot: RBD image P/<snapshot-id>, a whole copy of the disk as it was (an RBD snapshot
//   of the disk, copied out, then dropped), so it outlives its disk as an ECS snapshot does. Its
//   checksum is the sha256 of `rbd export-diff` of that image (its allocated extents, in
//   order), checked before anything is made from it.
// - images made while the disk is being written are "<name>.part" until whole, and renamed.
// - a custom image: its disk P/base.<image-id>, raw, with the protected snapshot @base its
//   system disks are clones of (as a built-in image's base), and its boot files (image.json,
//   the kernel and initrd it boots with) as one tar, P/boot.<image-id>. Every host of the pool
//   boots it: the first Boot of it on a host puts the boot files in that host's image store.
//   Made from a snapshot of the pool, another image of the pool, a download or an exchange file
//   (qemu-img writes rbd: names); exported by reading its base. Images a host made in its files
//   before it used the pool stay there, bound to it.
// - local disks (ephemeral_*), built-in images, imports being downloaded and exports stay on
//   the host's file system: every call about them goes to the LocalStorage this one is given.
//
// Deleting: `rbd rm` removes the image's objects; no later image, of any user, can read them
// (RBD reads unwritten extents as zeros), which is what erase-on-delete guarantees for files.
//
// Several hosts share one pool. The server lists for each of them every disk and snapshot kept
// by any host of the pool (HostInfo::storage), so a disk whose instance moved to another host
// is never taken for a deleted one. Every disk and snapshot image carries the name of the host
// that last opened it (image-meta openecs.host), and Collect removes only images of this host
// that the server no longer lists: a host with a stale list never removes another's new image.
// (A deleted disk last used by a host that never comes back stays in the pool.) Custom images
// are marked with their maker, which removes them once no record or disk names them and no
// disk is a clone of their base.
//
// Fencing: a guest launched here first cuts off every client of another host that still
// watches its disks (`rbd status`), with `ceph osd blocklist add <address>`: its QEMU's I/O to
// the pool fails from then on (RBD's exclusive lock alone would let the two write in turns),
// for a week, the entry's expiry.
// A client of this host (its address one of this host's) is left alone.
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/local_storage.h"
#include "storage/storage.h"

namespace openecs {

// Where the pool is: "rbd:pool=P,conf=/etc/ceph/ceph.conf,keyring=/etc/ceph/x.keyring,user=admin"
// (what scripts/ceph prints). pool is required; conf defaults to /etc/ceph/ceph.conf, user to
// admin; keyring is for the rbd tool (QEMU finds it through the conf's `keyring` setting).
struct RbdSpec {
  std::string pool, conf = "/etc/ceph/ceph.conf", keyring, user = "admin";
};
// Parses a spec; an error names what is wrong. Values may not hold ',', ':', '=', '@', spaces
// or quotes (they go into QEMU options, rbd: names and a shell pipeline).
Result<RbdSpec> ParseRbdSpec(const std::string& text);
// The watcher addresses in `rbd status --format json` output (`{"watchers":[{"address":
// "10.0.0.2:0/3312",...}]}`, a "v1:"/"v2:" prefix allowed) whose IP is none of `local_ips`:
// the clients Fence cuts off. Malformed output gives none.
std::vector<std::string> ForeignWatchers(const std::string& status_json,
                                         const std::set<std::string>& local_ips);
// The pool's identity, the same on every host that uses it: "rbd:<fsid>/<pool>", the fsid read
// from the conf; "" (not shared: disks stay with their host) if the conf names no fsid.
std::string RbdSharedId(const RbdSpec& spec);

class RbdStorage final : public Storage {
 public:
  // `host` is this host's name (the owner mark on what it makes); `local` keeps local disks and
  // images.
  RbdStorage(RbdSpec spec, std::string host, std::unique_ptr<LocalStorage> local);

  std::string Name() const override { return "rbd"; }
  std::string SharedId() const override { return RbdSharedId(spec_); }
  // A custom image made into the pool boots with the files its maker put there (fetched into
  // this host's image store the first time); any other as LocalStorage says.
  Result<ImageBoot> Boot(const std::string& image_id) override;
  Result<DiskVolume> Ensure(const DesiredDisk& d, bool* made = nullptr) override;
  Status Erase(const DesiredDisk& d) override;
  Status Fence(const DesiredDisk& d) override;
  void AdoptLegacyDisks(const std::string& instance_dir) override {
    local_->AdoptLegacyDisks(instance_dir);
  }
  // Into "<id>.part" (a checked copy of the snapshot, a clone of the image, or empty), then the
  // old image is renamed "<id>.old", the new one into place, and the old one removed.
  Status Build(const DesiredDiskBuild& b) override;
  // An RBD snapshot of the disk (the running guest's librbd takes it: crash-consistent), copied
  // out whole into "<snapshot-id>.part", then dropped. `live` is not needed.
  Result<SnapshotReport> MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                      const std::function<void(int)>& progress) override;
  // Into the pool (rbd_images.cc): the disk as base.<id>@base, its boot files as boot.<id>.
  // An image this host made in its files before stays there.
  Result<ImageReport> MakeImage(const DesiredImageBuild& b,
                                const std::function<void(int)>& progress) override;
  Status ExportImage(const DesiredImageExport& e) override;
  // Boot files fetched here, and the images in files, as LocalStorage does; in the pool, the
  // images of this host not in `keep` whose base no disk is a clone of.
  Status CollectImages(const std::set<std::string>& keep) override;
  Status Collect(const std::set<std::string>& keep,
                 const std::set<std::string>& keep_snapshots) override;

  // The volume QEMU opens for RBD image `name` of the pool.
  DiskVolume VolumeOf(const std::string& name) const;
  // The sha256 of `rbd export-diff` of image `name`, and the bytes it holds.
  Result<std::pair<std::string, int64_t>> Checksum(const std::string& name);
  // The bytes image `name` and its snapshots hold (`rbd du`).
  Result<int64_t> UsedBytes(const std::string& name);

 private:
  // `program` (rbd, ceph) with the cluster options, then `args`.
  std::vector<std::string> Ceph(const char* program, const std::vector<std::string>& args) const;
  // `rbd` with the cluster options, then `args` (and --no-progress where it takes one).
  std::vector<std::string> Rbd(std::vector<std::string> args) const;
  std::string Spec(const std::string& name) const { return spec_.pool + "/" + name; }
  // qemu-img's name for image `name`: rbd:P/name:conf=...:id=...
  std::string QemuName(const std::string& name) const;
  // The image's size in bytes; nullopt if there is no such image.
  Result<std::optional<int64_t>> SizeOf(const std::string& name);
  // Removes image `name` and its snapshots; one that does not exist is removed already.
  Status Remove(const std::string& name);
  Status Rename(const std::string& from, const std::string& to);
  Status Grow(const std::string& name, int64_t have, int64_t want);
  Status MarkOwner(const std::string& name);
  // True if image `name` carries this host's owner mark.
  bool OwnedHere(const std::string& name);
  // A new image `name` of `bytes`: a clone of the image's base if image_id is given, else
  // empty. Nothing is left if it fails.
  Status Create(const std::string& name, const std::string& image_id, int64_t bytes);
  // The pool's copy of the image's disk, written once (under a name of this host's, renamed
  // into place; a host that loses the race drops its copy): "base.<image-id>[.<build-id>]".
  Result<std::string> EnsureBase(const std::string& image_id);
  // Image `snapshot_id` after checking that its checksum is `checksum`.
  Status VerifySnapshot(const std::string& snapshot_id, const std::string& checksum);
  // True if custom image `image_id` was made into the pool (its boot files are there).
  Result<bool> InPool(const std::string& image_id);
  // Puts the pool's boot files of image `image_id` into this host's image store.
  Status FetchBoot(const std::string& image_id);
  // The report of an image made into the pool.
  Result<ImageReport> PoolImageReport(const std::string& image_id);

  RbdSpec spec_;
  std::string host_;
  std::mutex base_mu_;  // one EnsureBase at a time: two disks of one image share its base
  std::mutex boot_mu_;  // one FetchBoot at a time: two guests of one image share its files
  std::unique_ptr<LocalStorage> local_;
};

}  // namespace openecs
