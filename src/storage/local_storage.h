#pragma once
// Storage on this host's file system (storage.h):
// - the disk pool: one qcow2 file per cloud disk, <dir>/<disk-id>.qcow2, whichever instance (if
//   any) it is attached to; a local disk (ephemeral_*) is a sparse raw file <dir>/<id>.raw. A
//   system disk is an overlay on its image's base file (made in O(1)); a data disk starts empty.
//   Files are made when a disk is first needed on this host, grown when the disk grew, and
//   erased (overwritten with zeros, then removed) when the disk is gone, so a deleted disk's
//   data never lingers in free blocks of the pool.
// - the snapshot store: <snapshot_dir>/<snapshot-id>.qcow2, whole copies (no backing file).
// - the image store: built-in images in `image_dir` (scripts/build-image), custom images (m-...)
//   in `custom_image_dir`, each <dir>/<image-id>/ with image.json and base.qcow2
//   (local_images.cc).
// A file being made is "<name>.part" until whole, then renamed into place.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/address_filter.h"
#include "storage/storage.h"

namespace openecs {

// How ImportImage's http:// sources are fetched. The agent runs as root on the host's network:
// only addresses common/address_filter.h admits (plus `allow`) are connected to.
struct ImportPolicy {
  std::vector<AddressPrefix> allow;       // --import-allow
  int64_t deadline_ms = 6 * 3600 * 1000;  // a whole download
  int idle_timeout_ms = 60000;            // no bytes for this long: the download fails
};

// Where a snapshot's content is read from when an image is made of it: a qemu-img file name
// and its format.
struct SnapshotSource {
  std::string name, format;
};

class LocalStorage final : public Storage {
 public:
  // Snapshots go to `snapshot_dir`. Built-in images are read from `image_dir`; custom images
  // (m-...) are made in `custom_image_dir` ("": image_dir), so a shared built-in image
  // directory never holds one host's own images. ImportImage reads and ExportImage writes files
  // under `exchange_dir` (<bucket>/<object>).
  LocalStorage(std::string dir, std::string image_dir, std::string snapshot_dir,
               std::string custom_image_dir = "", std::string exchange_dir = "",
               ImportPolicy import = {});

  std::string Name() const override { return "local"; }
  // image.json's kernel, initrd, cmdline (default "console=ttyS0 root=/dev/vda rw") and
  // boot_complete_marker.
  Result<ImageBoot> Boot(const std::string& image_id) override;
  Result<DiskVolume> Ensure(const DesiredDisk& d, bool* made = nullptr) override;
  Status Erase(const DesiredDisk& d) override;
  void AdoptLegacyDisks(const std::string& instance_dir) override;
  // A whole copy (no backing file) into "<id>.qcow2.part", then in place of the old file, which
  // is erased; grown to size_gib if the snapshot was smaller.
  Status Build(const DesiredDiskBuild& b) override;
  // Offline: qemu-img convert of the disk's file. Live: `live` copies into a fresh qcow2 of the
  // disk's virtual size. Then sha256, then rename into place.
  Result<SnapshotReport> MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                      const std::function<void(int)>& progress) override;
  // <image_dir>/<id>/base.qcow2 and image.json (with the kernel, initrd and command line of
  // b.boot_image_id, hard-linked; none: the disk boots with its own loader), built in
  // <id>.part/ and renamed into place. A user's file is untrusted: qemu-img reads it under
  // prlimit (address space and CPU time, as OpenStack does since OSSA-2015-014), it must be
  // self-contained, and its virtual size at most 2 TiB.
  Result<ImageReport> MakeImage(const DesiredImageBuild& b,
                                const std::function<void(int)>& progress) override;
  // qemu-img convert into <exchange>/<e.object>.part, then renamed.
  Status ExportImage(const DesiredImageExport& e) override;
  // Removes the custom images (m-*, and partial m-*.part) not in `keep`.
  Status CollectImages(const std::set<std::string>& keep) override;
  // Partial (.part) and set-aside (.old) files included.
  Status Collect(const std::set<std::string>& keep,
                 const std::set<std::string>& keep_snapshots) override;

  // Snapshots kept elsewhere (RbdStorage's pool): MakeImage reads a snapshot through `source`,
  // which checks it, instead of this store's file.
  using SnapshotSourceFn =
      std::function<Result<SnapshotSource>(const std::string& id, const std::string& checksum)>;
  void SetSnapshotSource(SnapshotSourceFn source) { snapshot_source_ = std::move(source); }
  // The image's disk file (image.json's "disk", default base.qcow2, qcow2) and its build id;
  // `pool` is the RBD pool holding the disk instead (image.json's "pool": a custom image made
  // by RbdStorage, whose directory here holds only its boot files).
  struct ImageBase {
    std::string path, build_id, pool;
  };
  Result<ImageBase> BaseOf(const std::string& image_id) const;

  // MakeImage in steps, for a store that keeps the image's disk elsewhere (RbdStorage). A build
  // happens in <image dir>.part/:
  // - StartImage makes it, empty;
  // - OpenImageSource finds the build's source (downloaded into it, a user's file checked);
  // - ConvertImage writes the source as `format` to `target` (a file, or a qemu-img rbd: name),
  //   under limits when it is a user's file;
  // - FinishImage writes image.json (the disk base.qcow2 beside it, or in RBD pool `pool`) and
  //   links the boot image's kernel and initrd in, then InstallImage renames it into place.
  struct ImageSource {
    std::string name, format;
    bool untrusted = false;
  };
  Status StartImage(const std::string& image_id);
  Result<ImageSource> OpenImageSource(const DesiredImageBuild& b,
                                      const std::function<void(int)>& progress);
  Status ConvertImage(const ImageSource& source, const std::string& target,
                      const std::string& format);
  Status FinishImage(const DesiredImageBuild& b, const std::string& pool);
  Status InstallImage(const std::string& image_id);
  // ExportImage of the disk `source` (a qemu-img name) in `source_format`.
  Status ExportImageFrom(const DesiredImageExport& e, const std::string& source,
                         const std::string& source_format);

  // Where things are (for tests and for the built-in image check).
  std::string ImageDirOf(const std::string& image_id) const;  // <dir>/<image-id>
  std::string PathOf(const std::string& disk_id) const;       // a cloud disk's qcow2
  std::string FileOf(const DesiredDisk& d) const;             // <id>.qcow2, or <id>.raw (local)
  std::string SnapshotPathOf(const std::string& snapshot_id) const;

 private:
  // Creates a fresh qcow2 of `bytes` at `path`: an overlay on the image's base if image_id is
  // given, empty otherwise.
  Status Create(const std::string& path, const std::string& image_id, int64_t bytes);
  // The snapshot's file, after checking that its sha256 is `checksum`.
  Result<std::string> VerifiedSnapshot(const std::string& snapshot_id, const std::string& checksum);

  std::string dir_, image_dir_, snapshot_dir_, custom_image_dir_, exchange_dir_;
  ImportPolicy import_;
  SnapshotSourceFn snapshot_source_;
};

}  // namespace openecs
