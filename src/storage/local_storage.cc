#include "storage/local_storage.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/log.h"
#include "model/catalogue.h"
#include "storage/disk_files.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
constexpr const char* kSuffix = ".qcow2";

}  // namespace

LocalStorage::LocalStorage(std::string dir, std::string image_dir, std::string snapshot_dir,
                           std::string custom_image_dir, std::string exchange_dir,
                           ImportPolicy import)
    : dir_(AbsolutePath(dir)),
      image_dir_(AbsolutePath(image_dir)),
      snapshot_dir_(AbsolutePath(snapshot_dir)),
      custom_image_dir_(custom_image_dir.empty() ? image_dir_ : AbsolutePath(custom_image_dir)),
      exchange_dir_(AbsolutePath(exchange_dir)),
      import_(std::move(import)) {
  std::error_code ec;
  fs::create_directories(custom_image_dir_, ec);
  fs::create_directories(dir_, ec);
  fs::create_directories(snapshot_dir_, ec);
}

std::string LocalStorage::ImageDirOf(const std::string& image_id) const {
  return (IsCustomImage(image_id) ? custom_image_dir_ : image_dir_) + "/" + image_id;
}

std::string LocalStorage::FileOf(const DesiredDisk& d) const {
  return IsLocalDiskCategory(d.category) ? dir_ + "/" + d.disk_id + ".raw" : PathOf(d.disk_id);
}

std::string LocalStorage::PathOf(const std::string& disk_id) const {
  return dir_ + "/" + disk_id + kSuffix;
}

std::string LocalStorage::SnapshotPathOf(const std::string& snapshot_id) const {
  return snapshot_dir_ + "/" + snapshot_id + kSuffix;
}

Result<ImageBoot> LocalStorage::Boot(const std::string& image_id) {
  std::string dir = ImageDirOf(image_id);
  auto image = json::parse(ReadFile(dir + "/image.json"), nullptr, false);
  if (image.is_discarded() || !image.is_object())
    return Fail("image " + image_id + " is not installed on this host (" + dir +
                "/image.json); run scripts/build-image");
  auto text = [&](const char* key) {
    return image.contains(key) && image[key].is_string() ? image[key].get<std::string>() : "";
  };
  // The kernel and initrd are files of the image's own directory (a custom image's image.json
  // may come from a shared pool: rbd_storage.h).
  for (const char* key : {"kernel", "initrd"})
    if (text(key).find('/') != std::string::npos || text(key) == "..")
      return Fail("image " + image_id + ": " + key + " names a file outside " + dir);
  ImageBoot b;
  if (!text("kernel").empty()) b.kernel = dir + "/" + text("kernel");
  if (!text("initrd").empty()) b.initrd = dir + "/" + text("initrd");
  b.cmdline = image.contains("cmdline") ? text("cmdline") : "console=ttyS0 root=/dev/vda rw";
  b.boot_complete_marker = text("boot_complete_marker");
  return b;
}

void LocalStorage::AdoptLegacyDisks(const std::string& instance_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(instance_dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("d-", 0) != 0 || e.path().extension() != kSuffix) continue;
    std::string into = PathOf(e.path().stem().string());
    if (fs::exists(into)) continue;
    fs::rename(e.path(), into, ec);
    if (ec)
      LOG_WARN("disk pool: cannot move {} into the pool: {}", e.path().string(), ec.message());
    else
      LOG_INFO("disk pool: {} moved into the pool", e.path().string());
  }
}

Status LocalStorage::Erase(const DesiredDisk& d) { return EraseAndRemove(FileOf(d)); }

Result<DiskVolume> LocalStorage::Ensure(const DesiredDisk& d, bool* made) {
  if (made) *made = false;
  if (IsLocalDiskCategory(d.category)) {  // a sparse raw file of the type's size, made once
    std::string raw = FileOf(d);
    if (fs::exists(raw)) return DiskVolume{raw, "raw"};
    std::error_code ec;
    { std::ofstream(raw, std::ios::binary); }
    fs::resize_file(raw, static_cast<uintmax_t>(d.size_gib) << 30, ec);
    if (ec) {
      fs::remove(raw, ec);
      return Fail("cannot make local disk " + raw);
    }
    if (made) *made = true;
    return DiskVolume{raw, "raw"};
  }
  std::string path = PathOf(d.disk_id);
  DiskVolume volume{path, "qcow2"};
  std::error_code ec;
  // A build that stopped between its two renames left the previous file aside: it is the disk.
  if (!fs::exists(path) && fs::exists(path + ".old")) fs::rename(path + ".old", path, ec);
  int64_t want = int64_t{d.size_gib} << 30;
  if (!fs::exists(path)) {
    if (!d.snapshot_id.empty()) {
      OPENECS_RETURN_IF_ERROR(Build(SnapshotBuildOf(d)));
    } else {
      OPENECS_RETURN_IF_ERROR(Create(path, d.type == "system" ? d.image_id : "", want));
    }
    if (made) *made = true;
    return volume;
  }
  OPENECS_ASSIGN_OR_RETURN(int64_t have, DiskVirtualSize(path));
  if (have < want) {
    OPENECS_RETURN_IF_ERROR(Run({"qemu-img", "resize", "-q", path, std::to_string(want)}));
    LOG_INFO("disk pool: {} grown to {} GiB", d.disk_id, d.size_gib);
  }
  return volume;
}

Result<LocalStorage::ImageBase> LocalStorage::BaseOf(const std::string& image_id) const {
  auto image = json::parse(ReadFile(ImageDirOf(image_id) + "/image.json"), nullptr, false);
  if (image.is_discarded() || !image.is_object())
    return Fail("image " + image_id + " is not installed on this host");
  auto text = [&](const char* key, const char* otherwise) {
    return image.contains(key) && image[key].is_string() ? image[key].get<std::string>()
                                                         : otherwise;
  };
  return ImageBase{ImageDirOf(image_id) + "/" + text("disk", "base.qcow2"), text("build_id", ""),
                   text("pool", "")};
}

Status LocalStorage::Create(const std::string& path, const std::string& image_id, int64_t bytes) {
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2"};
  if (!image_id.empty()) {
    OPENECS_ASSIGN_OR_RETURN(ImageBase base, BaseOf(image_id));
    argv.insert(argv.end(), {"-b", base.path, "-F", "qcow2"});
  }
  argv.insert(argv.end(), {path, std::to_string(bytes)});
  auto r = Run(argv);
  if (!r.ok()) return r.error();
  return Ok();
}

Result<std::string> LocalStorage::VerifiedSnapshot(const std::string& snapshot_id,
                                                   const std::string& checksum) {
  std::string snap = SnapshotPathOf(snapshot_id);
  if (!fs::exists(snap)) return Fail("snapshot " + snapshot_id + " has no file on this host");
  OPENECS_ASSIGN_OR_RETURN(auto sum, FileChecksum(snap));
  if (sum.first != checksum)
    return Fail("snapshot " + snapshot_id + " is corrupted: its file's sha256 is " + sum.first +
                ", recorded " + checksum + " when it was made; nothing was made from it");
  return snap;
}

Status LocalStorage::Build(const DesiredDiskBuild& b) {
  std::string path = PathOf(b.disk_id), part = path + ".part", old = path + ".old";
  std::error_code ec;
  fs::remove(part, ec);
  if (fs::exists(old)) {  // an earlier build stopped between its renames
    if (!fs::exists(path))
      fs::rename(old, path, ec);  // .old is the disk: put it back
    else
      OPENECS_RETURN_IF_ERROR(EraseAndRemove(old));  // the new file was in place already
  }
  int64_t want = int64_t{b.size_gib} << 30;
  auto fail = [&](Error e) -> Status {
    fs::remove(part, ec);
    return e;
  };
  if (!b.snapshot_id.empty()) {
    OPENECS_ASSIGN_OR_RETURN(std::string snap,
                             VerifiedSnapshot(b.snapshot_id, b.snapshot_checksum));
    if (auto r = Run({"qemu-img", "convert", "-O", "qcow2", snap, part}); !r.ok())
      return fail(r.error());
    auto have = DiskVirtualSize(part);
    if (!have.ok()) return fail(have.error());
    if (*have < want)
      if (auto r = Run({"qemu-img", "resize", "-q", part, std::to_string(want)}); !r.ok())
        return fail(r.error());
  } else if (Status st = Create(part, b.image_id, want); !st.ok()) {
    return fail(st.error());
  }
  // The old file's blocks are erased once the new file is in its place.
  if (fs::exists(path)) {
    fs::rename(path, old, ec);
    if (ec) return fail(Fail("cannot move " + path + " aside: " + ec.message()));
  }
  fs::rename(part, path, ec);
  if (ec) {
    std::error_code back;
    if (fs::exists(old)) fs::rename(old, path, back);
    return fail(Fail("cannot put " + part + " in place: " + ec.message()));
  }
  return fs::exists(old) ? EraseAndRemove(old) : Ok();
}

Result<SnapshotReport> LocalStorage::MakeSnapshot(const DesiredSnapshot& s, const LiveCopy& live,
                                                  const std::function<void(int)>& progress) {
  std::string source = PathOf(s.disk_id);
  std::string target = SnapshotPathOf(s.snapshot_id), part = target + ".part";
  auto done = [&](const std::pair<std::string, int64_t>& sum) {
    SnapshotReport r;
    r.snapshot_id = s.snapshot_id;
    r.progress = 100;
    r.done = true;
    r.checksum = sum.first;
    r.size_bytes = sum.second;
    return r;
  };
  // Made already: never remade, so the file stays what its recorded checksum says.
  if (fs::exists(target)) {
    OPENECS_ASSIGN_OR_RETURN(auto sum, FileChecksum(target));
    return done(sum);
  }
  if (!fs::exists(source)) return Fail("disk " + s.disk_id + " has no file on this host");
  auto fail = [&](Error e) -> Result<SnapshotReport> {
    std::error_code ec;
    fs::remove(part, ec);
    return e;
  };
  if (!live) {
    progress(1);
    if (auto r = Run({"qemu-img", "convert", "-O", "qcow2", source, part}); !r.ok())
      return fail(r.error());
  } else {
    auto size = DiskVirtualSize(source);
    if (!size.ok()) return fail(size.error());
    auto made = Run({"qemu-img", "create", "-q", "-f", "qcow2", part, std::to_string(*size)});
    if (!made.ok()) return fail(made.error());
    if (Status st = live(DiskVolume{part, "qcow2"}, progress); !st.ok()) return fail(st.error());
  }
  auto sum = FileChecksum(part);
  if (!sum.ok()) return fail(sum.error());
  std::error_code ec;
  fs::rename(part, target, ec);
  if (ec) return fail(Fail("cannot keep " + target + ": " + ec.message()));
  LOG_INFO("snapshot store: snapshot {} of {} made ({}, {} bytes{})", s.snapshot_id, s.disk_id,
           sum->first.substr(0, 12), sum->second, live ? ", live" : "");
  return done(*sum);
}

namespace {
// Erases and removes the files "<id>.qcow2" (and "<id>.qcow2.part", "<id>.qcow2.old") in `dir`
// whose id is not in `keep`.
Status CollectIn(const std::string& dir, const std::set<std::string>& keep, const char* what) {
  std::error_code ec;
  Status result = Ok();
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // <id>.qcow2, its .part and .old; <id>.raw (local disks).
    size_t at = name.find(kSuffix);
    bool raw = name.size() > 4 && name.ends_with(".raw");
    if (raw) at = name.size() - 4;
    if (at == std::string::npos || at == 0) continue;
    std::string rest = name.substr(at);
    if (!raw && rest != kSuffix && rest != std::string(kSuffix) + ".part" &&
        rest != std::string(kSuffix) + ".old")
      continue;
    std::string id = name.substr(0, at);
    if (keep.count(id)) continue;
    Status st = EraseAndRemove(e.path().string());
    if (st.ok())
      LOG_INFO("disk pool: {} {} erased and removed (it is gone)", what, id);
    else
      result = st;
  }
  return result;
}
}  // namespace

Status LocalStorage::Collect(const std::set<std::string>& keep,
                             const std::set<std::string>& keep_snapshots) {
  Status disks = CollectIn(dir_, keep, "disk");
  Status snapshots = CollectIn(snapshot_dir_, keep_snapshots, "snapshot");
  return disks.ok() ? snapshots : disks;
}

}  // namespace openecs
