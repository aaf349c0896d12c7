#pragma once
// A host's disk pool: one qcow2 file per cloud disk, <dir>/<disk-id>.qcow2, whichever instance
// (if any) it is attached to. A system disk is an overlay on its image's base file (made in
// O(1)); a data disk starts empty. Files are made when a disk is first needed on this host,
// grown when the disk grew, and erased (overwritten with zeros, then removed) when the disk
// is gone, so a deleted disk's data never lingers in free blocks of the pool.
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "common/address_filter.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

// How ImportImage's http:// sources are fetched. The agent runs as root on the host's network:
// only addresses common/address_filter.h admits (plus `allow`) are connected to.
struct ImportPolicy {
  std::vector<AddressPrefix> allow;       // --import-allow
  int64_t deadline_ms = 6 * 3600 * 1000;  // a whole download
  int idle_timeout_ms = 60000;            // no bytes for this long: the download fails
};

class DiskPool {
 public:
  // Snapshots go to `snapshot_dir` (<id>.qcow2; <id>.qcow2.part while being made). Built-in
  // images are read from `image_dir`; custom images (m-...) are made in `custom_image_dir`
  // ("": image_dir), so a shared built-in image directory never holds one host's own images.
  // ImportImage reads and ExportImage writes files under `exchange_dir` (<bucket>/<object>).
  DiskPool(std::string dir, std::string image_dir, std::string snapshot_dir,
           std::string custom_image_dir = "", std::string exchange_dir = "",
           ImportPolicy import = {});

  // Where image `image_id` is (built-in or custom): <dir>/<image-id>.
  std::string ImageDirOf(const std::string& image_id) const;

  std::string PathOf(const std::string& disk_id) const;  // a cloud disk's qcow2
  // The disk's file: <id>.qcow2, or <id>.raw for a local disk (a sparse raw file).
  std::string FileOf(const DesiredDisk& d) const;
  std::string SnapshotPathOf(const std::string& snapshot_id) const;

  // The disk's file exists and is at least d.size_gib: made if missing (an overlay on the
  // image's base for a system disk; a checked copy of d.snapshot_id for a disk made from a
  // snapshot), grown with `qemu-img resize` if smaller. Sets `made`
  // when this call made the file. `legacy_dir`: where older versions kept an instance's disks
  // (<instances>/<id>/); a file found there moves into the pool.
  Status Ensure(const DesiredDisk& d, const std::string& legacy_dir, bool* made = nullptr);

  // Makes the disk's file anew from the build's source into "<id>.qcow2.part", then puts it in
  // place of the old file, which is erased. A snapshot source is first checked against its
  // recorded sha256: a mismatch (a corrupted or altered snapshot) fails the build, naming both
  // sums, and the old file is left untouched. The new file is a whole copy (no backing file),
  // grown to size_gib if the snapshot was smaller.
  Status Build(const DesiredDiskBuild& b);

  // Makes custom image b.image_id in the image store: <image_dir>/<id>/base.qcow2 (a whole copy
  // of the snapshot, checked against its sha256 first; or the http:// download or the
  // "exchange:<bucket>/<object>" file, converted from its format; or another custom image's
  // base: "image:<id>") and image.json
  // (with the kernel, initrd and command line of b.boot_image_id, hard-linked; none: the disk
  // boots with its own loader). Built in <id>.part/ and renamed into place; an image already
  // there is not made again. `progress` gets percents. A user's file is untrusted: qemu-img
  // reads it under prlimit (address space and CPU time, as OpenStack does since
  // OSSA-2015-014), it must be self-contained, and its virtual size at most 2 TiB.
  Result<ImageReport> MakeImage(const DesiredImageBuild& b,
                                const std::function<void(int)>& progress);
  // Writes custom image e.image_id as <exchange>/<e.object> in e.format (qemu-img convert into
  // a .part file, then renamed).
  Status ExportImage(const DesiredImageExport& e);
  // Removes the custom images (m-*, and partial m-*.part) not in `keep`.
  Status CollectImages(const std::set<std::string>& keep);

  // The virtual size of a disk file in bytes (works while QEMU has it open).
  static Result<int64_t> VirtualSize(const std::string& path);

  // Erases and removes every file of a disk not in `keep`, and of a snapshot not in
  // `keep_snapshots` (partial ones included).
  Status Collect(const std::set<std::string>& keep, const std::set<std::string>& keep_snapshots);

  // The file's sha256 (hex) and size.
  static Result<std::pair<std::string, int64_t>> Checksum(const std::string& path);

  // Overwrites the file's data with zeros (only its allocated extents: a sparse local disk's
  // holes hold nothing), syncs, then unlinks it.
  static Status EraseAndRemove(const std::string& path);

 private:
  // Creates a fresh qcow2 of `bytes` at `path`: an overlay on the image's base if image_id is
  // given, empty otherwise.
  Status Create(const std::string& path, const std::string& image_id, int64_t bytes);
  // The snapshot's file, after checking that its sha256 is `checksum`.
  Result<std::string> VerifiedSnapshot(const std::string& snapshot_id, const std::string& checksum);

  std::string dir_, image_dir_, snapshot_dir_, custom_image_dir_, exchange_dir_;
  ImportPolicy import_;
};

}  // namespace openecs
