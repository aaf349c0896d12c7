// RbdStorage's image store (rbd_storage.h): custom images made into the pool, so every host of
// the pool boots them; exports and collection of them.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "storage/rbd_storage.h"
#include "sys/exec.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
std::string BaseName(const std::string& image_id) { return "base." + image_id; }
std::string BootName(const std::string& image_id) { return "boot." + image_id; }
}  // namespace

Result<bool> RbdStorage::InPool(const std::string& image_id) {
  if (!IsCustomImage(image_id)) return false;
  if (auto base = local_->BaseOf(image_id); base.ok()) return !base->pool.empty();
  OPENECS_ASSIGN_OR_RETURN(auto boot, SizeOf(BootName(image_id)));
  return boot.has_value();
}

Result<ImageBoot> RbdStorage::Boot(const std::string& image_id) {
  auto boot = local_->Boot(image_id);
  if (boot.ok() || !IsCustomImage(image_id)) return boot;
  OPENECS_ASSIGN_OR_RETURN(bool pooled, InPool(image_id));
  if (!pooled) return boot;
  OPENECS_RETURN_IF_ERROR(FetchBoot(image_id));
  return local_->Boot(image_id);
}

Status RbdStorage::FetchBoot(const std::string& image_id) {
  std::lock_guard<std::mutex> lock(boot_mu_);
  if (local_->BaseOf(image_id).ok()) return Ok();  // fetched meanwhile
  std::string part = local_->ImageDirOf(image_id) + ".part", tar = part + "/boot.tar";
  OPENECS_RETURN_IF_ERROR(local_->StartImage(image_id));
  std::error_code ec;
  Status st = RunOk(Rbd({"export", Spec(BootName(image_id)), tar}));
  // Written by RbdStorage::MakeImage: plain names in one directory (GNU tar refuses '..' and
  // strips a leading '/' anyway).
  if (st.ok())
    st = RunOk({"tar", "-C", part, "--no-same-owner", "--no-same-permissions", "-xf", tar});
  fs::remove(tar, ec);
  if (st.ok()) st = local_->InstallImage(image_id);
  if (!st.ok()) {
    fs::remove_all(part, ec);
    return Fail("cannot fetch the boot files of image " + image_id + " from pool " + spec_.pool +
                ": " + st.error().message);
  }
  LOG_INFO("rbd: boot files of image {} fetched from pool {}", image_id, spec_.pool);
  return Ok();
}

Result<ImageReport> RbdStorage::PoolImageReport(const std::string& image_id) {
  std::string base = BaseName(image_id);
  OPENECS_ASSIGN_OR_RETURN(auto bytes, SizeOf(base));
  if (!bytes) return Fail("image " + image_id + " has no disk in pool " + spec_.pool);
  ImageReport r;
  r.image_id = image_id;
  r.progress = 100;
  r.done = true;
  auto used = UsedBytes(base);  // only shown: an error here does not fail a whole image
  r.size_bytes = used.ok() ? *used : 0;
  r.size_gib = static_cast<int>((*bytes + (int64_t{1} << 30) - 1) >> 30);
  r.storage = SharedId();
  return r;
}

Result<ImageReport> RbdStorage::MakeImage(const DesiredImageBuild& b,
                                          const std::function<void(int)>& progress) {
  const std::string& id = b.image_id;
  if (!IsCustomImage(id)) return Fail("a custom image's id starts with m- (" + id + ")");
  // Made in this host's files before the host kept images in the pool: it stays there.
  if (auto local = local_->BaseOf(id); local.ok() && local->pool.empty())
    return local_->MakeImage(b, progress);
  std::string base = BaseName(id), boot = BootName(id);
  std::string base_part = base + ".part", boot_part = boot + ".part";
  std::string dir = local_->ImageDirOf(id);
  OPENECS_ASSIGN_OR_RETURN(auto made, SizeOf(base));
  if (made) {  // made already (its report raced a stale desired state)
    OPENECS_ASSIGN_OR_RETURN(auto has_boot, SizeOf(boot));
    if (!has_boot)
      return Fail("pool " + spec_.pool + " holds " + base + " but not its boot files " + boot);
    return PoolImageReport(id);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);  // the boot files of a build that stopped before its disk was whole
  OPENECS_RETURN_IF_ERROR(Remove(base_part));
  OPENECS_RETURN_IF_ERROR(Remove(boot_part));
  OPENECS_RETURN_IF_ERROR(Remove(boot));  // put in place just before a build stopped
  OPENECS_RETURN_IF_ERROR(local_->StartImage(id));
  auto fail = [&](Error e) -> Result<ImageReport> {
    (void)Remove(base_part);
    (void)Remove(boot_part);
    fs::remove_all(dir + ".part", ec);
    fs::remove_all(dir, ec);
    return e;
  };
  // The source: another image of the pool is read from its base; anything else as LocalStorage
  // reads it (a snapshot through the pool, set up in the constructor).
  LocalStorage::ImageSource source;
  std::string from = b.source_url.rfind("image:", 0) == 0 ? b.source_url.substr(6) : "";
  auto pooled = InPool(from);
  if (!pooled.ok()) return fail(pooled.error());
  if (*pooled) {
    source = {QemuName(BaseName(from) + "@base"), "raw", false};
  } else {
    auto opened = local_->OpenImageSource(b, progress);
    if (!opened.ok()) return fail(opened.error());
    source = *opened;
  }
  progress(80);
  if (source.untrusted) {
    // A user's file is read under limits (local_storage.h) into a local raw file first: the
    // limits would not leave room for librbd's threads, nor should its parser hold the
    // cluster's key. Then `rbd import` (sparse) puts it in the pool.
    std::string raw = dir + ".part/disk.raw";
    Status st = local_->ConvertImage(source, raw, "raw");
    if (st.ok()) st = RunOk(Rbd({"import", raw, Spec(base_part)}));
    fs::remove(raw, ec);
    if (!st.ok()) return fail(st.error());
  } else if (Status st = local_->ConvertImage(source, QemuName(base_part), "raw"); !st.ok()) {
    return fail(st.error());
  }
  for (const char* step : {"create", "protect"})
    if (Status st = RunOk(Rbd({"snap", step, Spec(base_part) + "@base"})); !st.ok())
      return fail(st.error());
  if (Status st = MarkOwner(base_part); !st.ok()) return fail(st.error());
  progress(90);
  // The boot files (image.json, the kernel and initrd) in this host's store, and as one tar in
  // the pool for the other hosts.
  if (Status st = local_->FinishImage(b, spec_.pool); !st.ok()) return fail(st.error());
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    files.push_back(e.path().filename().string());
  std::string tar = dir + "/boot.tar";
  std::vector<std::string> pack = {"tar", "-C", dir, "-cf", tar};
  pack.insert(pack.end(), files.begin(), files.end());
  Status st = RunOk(pack);
  if (st.ok()) st = RunOk(Rbd({"import", tar, Spec(boot_part)}));
  fs::remove(tar, ec);
  if (st.ok()) st = MarkOwner(boot_part);
  if (st.ok()) st = Rename(boot_part, boot);
  // The disk last: a base in the pool is a whole image.
  if (st.ok()) st = Rename(base_part, base);
  if (!st.ok()) {
    (void)Remove(boot);
    return fail(st.error());
  }
  LOG_INFO("rbd: image {} made into pool {}", id, spec_.pool);
  return PoolImageReport(id);
}

Status RbdStorage::ExportImage(const DesiredImageExport& e) {
  OPENECS_ASSIGN_OR_RETURN(bool pooled, InPool(e.image_id));
  if (!pooled) return local_->ExportImage(e);
  return local_->ExportImageFrom(e, QemuName(BaseName(e.image_id) + "@base"), "raw");
}

Status RbdStorage::CollectImages(const std::set<std::string>& keep) {
  Status result = local_->CollectImages(keep);  // the boot files here, and images kept in files
  OPENECS_ASSIGN_OR_RETURN(std::string out, Run(Rbd({"ls", "--format", "json", spec_.pool})));
  auto names = json::parse(out, nullptr, false);
  if (!names.is_array()) return Fail("rbd ls " + spec_.pool + ": " + out);
  // "base.m-…" sorts before "boot.m-…": a disk is removed before its boot files, which stay
  // while a clone of the disk does.
  for (const auto& n : names) {
    if (!n.is_string()) continue;
    std::string name = n.get<std::string>();
    bool is_base = name.rfind("base.m-", 0) == 0, is_boot = name.rfind("boot.m-", 0) == 0;
    if (!is_base && !is_boot) continue;
    std::string id = name.substr(5);
    if (id.ends_with(".part")) id.resize(id.size() - 5);
    if (keep.count(id) || !OwnedHere(name)) continue;
    if (is_base) {
      auto children = Run(Rbd({"children", "--format", "json", Spec(name) + "@base"}));
      auto list = children.ok() ? json::parse(*children, nullptr, false) : json();
      if (!list.is_array() || !list.empty()) continue;  // a disk is still a clone of it
    } else if (auto base = SizeOf(BaseName(id)); !base.ok() || *base) {
      continue;
    }
    if (Status st = Remove(name); !st.ok())
      result = st;
    else
      LOG_INFO("rbd: image {} ({}) removed from pool {} (it is gone)", id, name, spec_.pool);
  }
  return result;
}

}  // namespace openecs
