#include "hypervisor/qemu/disk_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "model/catalogue.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
constexpr const char* kSuffix = ".qcow2";
constexpr int64_t kMaxImportBytes = int64_t{2048} << 30;  // the largest system disk

// qemu-img on a file a user made: a crafted image can make qemu-img's probing use unbounded
// memory and CPU (OSSA-2015-014), so it runs under prlimit. `info` reads headers only: 1 GiB of
// address space and 30 s of CPU, OpenStack's figures. `convert` copies the data, so it gets
// no CPU bound (the import's deadline bounds the download) but the same kind of memory cap.
Result<std::string> RunUntrusted(std::vector<std::string> argv, int64_t address_space,
                                 int cpu_seconds) {
  std::vector<std::string> limited = {"prlimit", "--as=" + std::to_string(address_space)};
  if (cpu_seconds > 0) limited.push_back("--cpu=" + std::to_string(cpu_seconds));
  limited.push_back("--");
  limited.insert(limited.end(), argv.begin(), argv.end());
  return Run(limited);
}
constexpr int64_t kInfoAddressSpace = int64_t{1} << 30;
constexpr int64_t kConvertAddressSpace = int64_t{2} << 30;

// An imported file is the user's: qemu-img would follow a backing file, a qcow2 external data
// file or vmdk extents named inside it, reading any file of the (root) agent into the image.
// Only a file that is the whole image by itself is converted, and only up to 2 TiB.
Status CheckSelfContained(const std::string& path, const std::string& format) {
  auto out = RunUntrusted({"qemu-img", "info", "-f", format, "--output=json", path},
                          kInfoAddressSpace, 30);
  if (!out.ok()) return Fail("not a " + format + " image: " + out.error().message);
  auto j = json::parse(*out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Fail("qemu-img info gave no answer");
  if (j.contains("backing-filename") || j.contains("full-backing-filename"))
    return Fail("the image names a backing file; import a flattened image");
  const auto data = j.value("format-specific", json::object()).value("data", json::object());
  if (data.contains("data-file")) return Fail("the image names an external data file");
  if (!j.contains("virtual-size") || !j["virtual-size"].is_number_unsigned() ||
      j["virtual-size"].get<uint64_t>() > static_cast<uint64_t>(kMaxImportBytes))
    return Fail("the image's virtual size is over 2 TiB (the largest system disk)");
  if (data.contains("extents"))
    for (const auto& e : data["extents"])
      if (fs::weakly_canonical(e.value("filename", "")) != fs::weakly_canonical(path))
        return Fail("the image's extents name other files; import a single-file image");
  return Ok();
}
}  // namespace

DiskPool::DiskPool(std::string dir, std::string image_dir, std::string snapshot_dir,
                   std::string custom_image_dir, std::string exchange_dir, ImportPolicy import)
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

std::string DiskPool::ImageDirOf(const std::string& image_id) const {
  return (image_id.rfind("m-", 0) == 0 ? custom_image_dir_ : image_dir_) + "/" + image_id;
}

std::string DiskPool::FileOf(const DesiredDisk& d) const {
  return IsLocalDiskCategory(d.category) ? dir_ + "/" + d.disk_id + ".raw" : PathOf(d.disk_id);
}

std::string DiskPool::PathOf(const std::string& disk_id) const {
  return dir_ + "/" + disk_id + kSuffix;
}

std::string DiskPool::SnapshotPathOf(const std::string& snapshot_id) const {
  return snapshot_dir_ + "/" + snapshot_id + kSuffix;
}

Status DiskPool::Ensure(const DesiredDisk& d, const std::string& legacy_dir, bool* made) {
  if (made) *made = false;
  if (IsLocalDiskCategory(d.category)) {  // a sparse raw file of the type's size, made once
    std::string raw = FileOf(d);
    if (fs::exists(raw)) return Ok();
    std::error_code ec;
    { std::ofstream(raw, std::ios::binary); }
    fs::resize_file(raw, static_cast<uintmax_t>(d.size_gib) << 30, ec);
    if (ec) {
      fs::remove(raw, ec);
      return Fail("cannot make local disk " + raw);
    }
    if (made) *made = true;
    return Ok();
  }
  std::string path = PathOf(d.disk_id);
  std::error_code ec;
  // A build that stopped between its two renames left the previous file aside: it is the disk.
  if (!fs::exists(path) && fs::exists(path + ".old")) fs::rename(path + ".old", path, ec);
  if (!fs::exists(path) && !legacy_dir.empty()) {
    std::string old = legacy_dir + "/" + d.disk_id + kSuffix;
    if (fs::exists(old)) {
      fs::rename(old, path, ec);
      if (ec) return Fail("cannot move " + old + " into the disk pool: " + ec.message());
    }
  }
  int64_t want = int64_t{d.size_gib} << 30;
  if (!fs::exists(path)) {
    if (!d.snapshot_id.empty()) {
      DesiredDiskBuild b;  // a copy of the snapshot it was made from, checked first
      b.disk_id = d.disk_id;
      b.snapshot_id = d.snapshot_id;
      b.snapshot_checksum = d.snapshot_checksum;
      b.size_gib = d.size_gib;
      OPENECS_RETURN_IF_ERROR(Build(b));
    } else {
      OPENECS_RETURN_IF_ERROR(Create(path, d.type == "system" ? d.image_id : "", want));
    }
    if (made) *made = true;
    return Ok();
  }
  OPENECS_ASSIGN_OR_RETURN(int64_t have, VirtualSize(path));
  if (have < want) {
    OPENECS_RETURN_IF_ERROR(Run({"qemu-img", "resize", "-q", path, std::to_string(want)}));
    LOG_INFO("disk pool: {} grown to {} GiB", d.disk_id, d.size_gib);
  }
  return Ok();
}

Status DiskPool::Create(const std::string& path, const std::string& image_id, int64_t bytes) {
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2"};
  if (!image_id.empty()) {
    auto image = json::parse(ReadFile(ImageDirOf(image_id) + "/image.json"), nullptr, false);
    if (image.is_discarded() || !image.is_object())
      return Fail("image " + image_id + " is not installed on this host");
    std::string base = ImageDirOf(image_id) + "/" + image.value("disk", "base.qcow2");
    argv.insert(argv.end(), {"-b", base, "-F", "qcow2"});
  }
  argv.insert(argv.end(), {path, std::to_string(bytes)});
  auto r = Run(argv);
  if (!r.ok()) return r.error();
  return Ok();
}

Result<std::string> DiskPool::VerifiedSnapshot(const std::string& snapshot_id,
                                               const std::string& checksum) {
  std::string snap = SnapshotPathOf(snapshot_id);
  if (!fs::exists(snap)) return Fail("snapshot " + snapshot_id + " has no file on this host");
  OPENECS_ASSIGN_OR_RETURN(auto sum, Checksum(snap));
  if (sum.first != checksum)
    return Fail("snapshot " + snapshot_id + " is corrupted: its file's sha256 is " + sum.first +
                ", recorded " + checksum + " when it was made; nothing was made from it");
  return snap;
}

Result<ImageReport> DiskPool::MakeImage(const DesiredImageBuild& b,
                                        const std::function<void(int)>& progress) {
  std::string dir = ImageDirOf(b.image_id), part = dir + ".part";
  std::error_code ec;
  auto report = [&]() -> Result<ImageReport> {
    ImageReport r;
    r.image_id = b.image_id;
    r.progress = 100;
    r.done = true;
    r.size_bytes = static_cast<int64_t>(fs::file_size(dir + "/base.qcow2", ec));
    OPENECS_ASSIGN_OR_RETURN(int64_t bytes, VirtualSize(dir + "/base.qcow2"));
    r.size_gib = static_cast<int>((bytes + (int64_t{1} << 30) - 1) >> 30);
    return r;
  };
  if (fs::exists(dir + "/image.json")) return report();  // made already
  fs::remove_all(part, ec);
  fs::create_directories(part, ec);
  if (ec) return Fail("cannot create " + part + ": " + ec.message());
  auto fail = [&](Error e) -> Result<ImageReport> {
    fs::remove_all(part, ec);
    return e;
  };
  std::string base = part + "/base.qcow2";
  std::string source, format = "qcow2";
  if (!b.snapshot_id.empty()) {
    auto snap = VerifiedSnapshot(b.snapshot_id, b.snapshot_checksum);
    if (!snap.ok()) return fail(snap.error());
    source = *snap;
  } else if (b.source_url.rfind("image:", 0) == 0) {
    std::string dir = ImageDirOf(b.source_url.substr(6));
    auto image = json::parse(ReadFile(dir + "/image.json"), nullptr, false);
    bool named = image.is_object() && image.contains("disk") && image["disk"].is_string();
    source = dir + "/" + (named ? image["disk"].get<std::string>() : "base.qcow2");
  } else if (b.source_url.rfind("http://", 0) == 0) {
    source = part + "/download";
    DownloadOptions how;
    how.idle_timeout_ms = import_.idle_timeout_ms;
    how.deadline_ms = import_.deadline_ms;
    how.max_bytes = kMaxImportBytes;
    how.refuse = [this](const std::string& ip) { return RefusedAddress(ip, import_.allow); };
    Status got = HttpDownload(
        b.source_url, source,
        [&](int64_t done, int64_t total) {
          if (total > 0) progress(static_cast<int>(1 + 79 * done / total));
        },
        how);
    if (!got.ok()) return fail(got.error());
    format = b.source_format;
  } else if (b.source_url.rfind("exchange:", 0) == 0 && !exchange_dir_.empty()) {
    source = exchange_dir_ + "/" + b.source_url.substr(9);  // the server checked the name
    format = b.source_format;
  } else {
    return fail(Fail("cannot import from " + b.source_url + " on this host"));
  }
  if (format.empty()) format = "qcow2";
  if (format == "vhd") format = "vpc";  // qemu-img's name for VHD
  progress(80);
  if (!fs::exists(source)) return fail(Fail("no file " + source + " on this host"));
  if (b.snapshot_id.empty() && b.source_url.rfind("image:", 0) != 0)
    if (Status st = CheckSelfContained(source, format); !st.ok()) return fail(st.error());
  bool untrusted = b.snapshot_id.empty() && b.source_url.rfind("image:", 0) != 0;
  std::vector<std::string> convert = {"qemu-img", "convert", "-f",   format,
                                      "-O",       "qcow2",   source, base};
  auto converted = untrusted ? RunUntrusted(convert, kConvertAddressSpace, 0) : Run(convert);
  if (!converted.ok())
    return fail(Fail("cannot convert " + b.source_url + b.snapshot_id + " (" + format +
                     ") to qcow2: " + converted.error().message));
  fs::remove(part + "/download", ec);
  json meta = {{"image_id", b.image_id}, {"disk", "base.qcow2"}, {"disk_format", "qcow2"},
               {"os_name", b.os_name},   {"os_type", "linux"},   {"machine", "q35"}};
  if (!b.boot_image_id.empty()) {
    std::string from = ImageDirOf(b.boot_image_id);
    auto boot = json::parse(ReadFile(from + "/image.json"), nullptr, false);
    if (boot.is_discarded() || !boot.is_object())
      return fail(Fail("image " + b.boot_image_id + " is not installed on this host"));
    for (const char* key : {"kernel", "kernel_pvh", "initrd"}) {
      if (!boot.contains(key)) continue;
      std::string file = boot[key].get<std::string>();
      fs::create_hard_link(from + "/" + file, part + "/" + file, ec);
      if (ec) fs::copy_file(from + "/" + file, part + "/" + file, ec);
      if (ec) return fail(Fail("cannot copy " + file + " of " + b.boot_image_id));
      meta[key] = file;
    }
    for (const char* key : {"cmdline", "boot_complete_marker", "shutdown_marker",
                            "metadata_sources", "kernel_version", "platform", "architecture"})
      if (boot.contains(key)) meta[key] = boot[key];
  }
  if (Status st = WriteFileAtomic(part + "/image.json", DumpJson(meta, 2)); !st.ok())
    return fail(st.error());
  fs::rename(part, dir, ec);
  if (ec) return fail(Fail("cannot put " + part + " in place: " + ec.message()));
  return report();
}

Status DiskPool::ExportImage(const DesiredImageExport& e) {
  if (exchange_dir_.empty()) return Fail("this host has no exchange directory");
  std::string target = exchange_dir_ + "/" + e.object, part = target + ".part";
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec) return Fail("cannot create the directory of " + target + ": " + ec.message());
  std::string format = e.format == "vhd" ? "vpc" : e.format;
  auto r = Run({"qemu-img", "convert", "-O", format, ImageDirOf(e.image_id) + "/base.qcow2", part});
  if (!r.ok()) {
    fs::remove(part, ec);
    return Fail("cannot export " + e.image_id + ": " + r.error().message);
  }
  fs::rename(part, target, ec);
  if (ec) {
    fs::remove(part, ec);
    return Fail("cannot put " + target + " in place");
  }
  LOG_INFO("image store: image {} exported to {}", e.image_id, target);
  return Ok();
}

Status DiskPool::CollectImages(const std::set<std::string>& keep) {
  std::error_code ec;
  Status result = Ok();
  for (const auto& e : fs::directory_iterator(custom_image_dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("m-", 0) != 0 || !e.is_directory()) continue;
    std::string id =
        name.size() > 5 && name.ends_with(".part") ? name.substr(0, name.size() - 5) : name;
    if (keep.count(id)) continue;
    Status st = EraseAndRemove(e.path().string() + "/base.qcow2");
    fs::remove_all(e.path(), ec);
    if (st.ok() && !ec)
      LOG_INFO("image store: image {} removed (it is gone)", name);
    else
      result = st.ok() ? Fail("cannot remove " + e.path().string()) : st;
  }
  return result;
}

Status DiskPool::Build(const DesiredDiskBuild& b) {
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
    auto have = VirtualSize(part);
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

Result<int64_t> DiskPool::VirtualSize(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run({"qemu-img", "info", "-U", "--output=json", path}));
  auto j = json::parse(out, nullptr, false);
  if (j.is_discarded() || !j.contains("virtual-size")) return Fail("qemu-img info " + path);
  return j["virtual-size"].get<int64_t>();
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
    Status st = DiskPool::EraseAndRemove(e.path().string());
    if (st.ok())
      LOG_INFO("disk pool: {} {} erased and removed (it is gone)", what, id);
    else
      result = st;
  }
  return result;
}
}  // namespace

Status DiskPool::Collect(const std::set<std::string>& keep,
                         const std::set<std::string>& keep_snapshots) {
  Status disks = CollectIn(dir_, keep, "disk");
  Status snapshots = CollectIn(snapshot_dir_, keep_snapshots, "snapshot");
  return disks.ok() ? snapshots : disks;
}

Result<std::pair<std::string, int64_t>> DiskPool::Checksum(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run({"sha256sum", path}));
  std::string sum = out.substr(0, out.find(' '));
  if (sum.size() != 64) return Fail("sha256sum " + path + ": " + out);
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return Fail("cannot stat " + path);
  return std::make_pair(sum, static_cast<int64_t>(size));
}

Status DiskPool::EraseAndRemove(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fs::exists(path) ? Fail("cannot open " + path + " to erase it") : Ok();
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::vector<char> zeros(1 << 20, 0);
  bool ok = size >= 0;
  // Extent by extent (SEEK_DATA/SEEK_HOLE): the holes of a sparse file hold no data.
  for (off_t at = 0; ok && at < size;) {
    off_t data = ::lseek(fd, at, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // no data after `at`
    if (data < 0) data = at;                // cannot tell: overwrite the rest
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) hole = size;
    for (off_t pos = data; ok && pos < hole;) {
      size_t n = static_cast<size_t>(std::min<off_t>(hole - pos, zeros.size()));
      ssize_t w = ::pwrite(fd, zeros.data(), n, pos);
      ok = w > 0;
      pos += w > 0 ? w : 0;
    }
    at = hole;
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Fail("cannot erase " + path);
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return Fail("cannot remove " + path + ": " + ec.message());
  return Ok();
}

}  // namespace openecs
