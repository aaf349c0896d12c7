// LocalStorage's image store (local_storage.h): custom images made from snapshots, downloads,
// exchange files or other images; exports; collection.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "storage/disk_files.h"
#include "storage/local_storage.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
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

Result<ImageReport> LocalStorage::MakeImage(const DesiredImageBuild& b,
                                            const std::function<void(int)>& progress) {
  std::string dir = ImageDirOf(b.image_id), part = dir + ".part";
  std::error_code ec;
  auto report = [&]() -> Result<ImageReport> {
    ImageReport r;
    r.image_id = b.image_id;
    r.progress = 100;
    r.done = true;
    r.size_bytes = static_cast<int64_t>(fs::file_size(dir + "/base.qcow2", ec));
    OPENECS_ASSIGN_OR_RETURN(int64_t bytes, DiskVirtualSize(dir + "/base.qcow2"));
    r.size_gib = static_cast<int>((bytes + (int64_t{1} << 30) - 1) >> 30);
    return r;
  };
  if (fs::exists(dir + "/image.json")) return report();  // made already
  OPENECS_RETURN_IF_ERROR(StartImage(b.image_id));
  auto fail = [&](Error e) -> Result<ImageReport> {
    fs::remove_all(part, ec);
    return e;
  };
  auto source = OpenImageSource(b, progress);
  if (!source.ok()) return fail(source.error());
  if (Status st = ConvertImage(*source, part + "/base.qcow2", "qcow2"); !st.ok())
    return fail(st.error());
  if (Status st = FinishImage(b, ""); !st.ok()) return fail(st.error());
  return report();
}

Status LocalStorage::StartImage(const std::string& image_id) {
  std::string part = ImageDirOf(image_id) + ".part";
  std::error_code ec;
  fs::remove_all(part, ec);
  fs::create_directories(part, ec);
  if (ec) return Fail("cannot create " + part + ": " + ec.message());
  return Ok();
}

Result<LocalStorage::ImageSource> LocalStorage::OpenImageSource(
    const DesiredImageBuild& b, const std::function<void(int)>& progress) {
  std::string part = ImageDirOf(b.image_id) + ".part";
  ImageSource source{"", "qcow2", false};
  if (!b.snapshot_id.empty()) {
    if (snapshot_source_) {
      OPENECS_ASSIGN_OR_RETURN(SnapshotSource snap,
                               snapshot_source_(b.snapshot_id, b.snapshot_checksum));
      source.name = snap.name;
      source.format = snap.format;
    } else {
      OPENECS_ASSIGN_OR_RETURN(source.name, VerifiedSnapshot(b.snapshot_id, b.snapshot_checksum));
    }
  } else if (b.source_url.rfind("image:", 0) == 0) {
    OPENECS_ASSIGN_OR_RETURN(ImageBase base, BaseOf(b.source_url.substr(6)));
    source.name = base.path;
  } else if (b.source_url.rfind("http://", 0) == 0) {
    source.name = part + "/download";
    source.untrusted = true;
    DownloadOptions how;
    how.idle_timeout_ms = import_.idle_timeout_ms;
    how.deadline_ms = import_.deadline_ms;
    how.max_bytes = kMaxImportBytes;
    how.refuse = [this](const std::string& ip) { return RefusedAddress(ip, import_.allow); };
    OPENECS_RETURN_IF_ERROR(HttpDownload(
        b.source_url, source.name,
        [&](int64_t done, int64_t total) {
          if (total > 0) progress(static_cast<int>(1 + 79 * done / total));
        },
        how));
    source.format = b.source_format;
  } else if (b.source_url.rfind("exchange:", 0) == 0 && !exchange_dir_.empty()) {
    source.name = exchange_dir_ + "/" + b.source_url.substr(9);  // the server checked the name
    source.format = b.source_format;
    source.untrusted = true;
  } else {
    return Fail("cannot import from " + b.source_url + " on this host");
  }
  if (source.format.empty()) source.format = "qcow2";
  if (source.format == "vhd") source.format = "vpc";  // qemu-img's name for VHD
  progress(80);
  if (source.name.rfind("rbd:", 0) != 0 && !fs::exists(source.name))
    return Fail("no file " + source.name + " on this host");
  if (source.untrusted) OPENECS_RETURN_IF_ERROR(CheckSelfContained(source.name, source.format));
  return source;
}

Status LocalStorage::ConvertImage(const ImageSource& source, const std::string& target,
                                  const std::string& format) {
  std::vector<std::string> convert = {"qemu-img", "convert", "-f",        source.format,
                                      "-O",       format,    source.name, target};
  auto converted = source.untrusted ? RunUntrusted(convert, kConvertAddressSpace, 0) : Run(convert);
  if (!converted.ok())
    return Fail("cannot convert " + source.name + " (" + source.format + ") to " + format + ": " +
                converted.error().message);
  return Ok();
}

Status LocalStorage::FinishImage(const DesiredImageBuild& b, const std::string& pool) {
  std::string dir = ImageDirOf(b.image_id), part = dir + ".part";
  std::error_code ec;
  fs::remove(part + "/download", ec);
  json meta = {
      {"image_id", b.image_id}, {"os_name", b.os_name}, {"os_type", "linux"}, {"machine", "q35"}};
  if (pool.empty()) {
    meta["disk"] = "base.qcow2";
    meta["disk_format"] = "qcow2";
  } else {
    meta["pool"] = pool;
  }
  if (!b.boot_image_id.empty()) {
    std::string from = ImageDirOf(b.boot_image_id);
    auto boot = json::parse(ReadFile(from + "/image.json"), nullptr, false);
    if (boot.is_discarded() || !boot.is_object())
      return Fail("image " + b.boot_image_id + " is not installed on this host");
    for (const char* key : {"kernel", "kernel_pvh", "initrd"}) {
      if (!boot.contains(key)) continue;
      std::string file = boot[key].get<std::string>();
      fs::create_hard_link(from + "/" + file, part + "/" + file, ec);
      if (ec) fs::copy_file(from + "/" + file, part + "/" + file, ec);
      if (ec) return Fail("cannot copy " + file + " of " + b.boot_image_id);
      meta[key] = file;
    }
    for (const char* key : {"cmdline", "boot_complete_marker", "shutdown_marker",
                            "metadata_sources", "kernel_version", "platform", "architecture"})
      if (boot.contains(key)) meta[key] = boot[key];
  }
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(part + "/image.json", DumpJson(meta, 2)));
  return InstallImage(b.image_id);
}

Status LocalStorage::InstallImage(const std::string& image_id) {
  std::string dir = ImageDirOf(image_id), part = dir + ".part";
  std::error_code ec;
  fs::rename(part, dir, ec);
  if (ec) return Fail("cannot put " + part + " in place: " + ec.message());
  return Ok();
}

Status LocalStorage::ExportImage(const DesiredImageExport& e) {
  OPENECS_ASSIGN_OR_RETURN(ImageBase base, BaseOf(e.image_id));
  return ExportImageFrom(e, base.path, "qcow2");
}

Status LocalStorage::ExportImageFrom(const DesiredImageExport& e, const std::string& source,
                                     const std::string& source_format) {
  if (exchange_dir_.empty()) return Fail("this host has no exchange directory");
  std::string target = exchange_dir_ + "/" + e.object, part = target + ".part";
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec) return Fail("cannot create the directory of " + target + ": " + ec.message());
  std::string format = e.format == "vhd" ? "vpc" : e.format;
  auto r = Run({"qemu-img", "convert", "-f", source_format, "-O", format, source, part});
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

Status LocalStorage::CollectImages(const std::set<std::string>& keep) {
  std::error_code ec;
  Status result = Ok();
  for (const auto& e : fs::directory_iterator(custom_image_dir_, ec)) {
    std::string name = e.path().filename().string();
    if (!IsCustomImage(name) || !e.is_directory()) continue;
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

}  // namespace openecs
