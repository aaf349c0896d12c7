#include "service/image_service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "common/text.h"
#include "service/capacity.h"
#include "service/names.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"
#include "service/snapshot_service.h"
#include "service/task_service.h"

namespace openecs {
namespace {

Result<CustomImage*> FindOwn(State& s, const std::string& account_id, const std::string& id) {
  CustomImage* image = FindOwned(s.images, id, account_id);
  if (!image)
    return MakeError(ErrorCode::kInvalidImageIdNotFound,
                     "The specified image " + id + " does not exist.");
  return image;
}

Status CheckName(const State& s, const std::string& account_id, const std::string& name,
                 const std::string& except_id = "") {
  if (name.empty() || !ValidResourceName(name)) return MakeError(ErrorCode::kInvalidImageName);
  for (const auto& [id, image] : Owned(s.images, account_id))
    if (image.name == name && id != except_id) return MakeError(ErrorCode::kImageNameDuplicated);
  return Ok();
}

// A new Creating image record (not yet stored) with a task.
CustomImage NewImage(Txn& txn, const std::string& account_id, const std::string& region_id,
                     const std::string& name, const std::string& description,
                     const std::string& action) {
  CustomImage image;
  image.id = NewId("m");
  image.account_id = account_id;
  image.region_id = region_id;
  image.name = name;
  image.description = description;
  image.creation_time = txn.now();
  image.task_id = StartTask(txn, account_id, region_id, action, image.id).id;
  return image;
}

// A bucket: a directory name under the exchange directory.
Status CheckBucket(const std::string& bucket) {
  bool ok = bucket.size() >= 3 && bucket.size() <= 63 && bucket.front() != '-';
  for (char c : bucket)
    ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                std::isdigit(static_cast<unsigned char>(c)) || c == '-');
  if (!ok)
    return MakeError(ErrorCode::kInvalidOssBucket,
                     "OSSBucket must be 3 to 63 lower-case letters, digits and hyphens.");
  return Ok();
}

// An object: a relative path of plain names (no "..", no leading "/").
bool ValidObjectName(const std::string& object) {
  if (object.empty() || object.size() > 1024 || object.front() == '/') return false;
  for (const auto& part : Split(object, '/'))
    if (part.empty() || part == "." || part == ".." ||
        part.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos)
      return false;
  return true;
}

// The built-in image whose boot files an image made from a disk of `image_id` boots with.
std::string BootImageOf(const State& s, const std::string& image_id) {
  if (FindBuiltinImage(image_id)) return image_id;
  auto it = s.images.find(image_id);
  return it == s.images.end() ? "" : it->second.boot_image_id;
}

}  // namespace

Image AsImage(const CustomImage& c) {
  Image i;
  i.id = c.id;
  i.name = c.name;
  i.os_name = c.os_name;
  i.os_type = c.os_type;
  i.platform = c.platform;
  i.architecture = c.architecture;
  i.size_gib = std::max(1, c.size_gib);
  i.description = c.description;
  return i;
}

std::optional<Image> FindImage(const State& s, const std::string& account_id,
                               const std::string& image_id, Reach* where) {
  if (where) *where = Reach{};
  if (const Image* builtin = FindBuiltinImage(image_id)) return *builtin;
  auto it = s.images.find(image_id);
  if (it == s.images.end() || it->second.status != "Available") return std::nullopt;
  const CustomImage& c = it->second;
  const auto& shared = c.shared_with;
  if (c.account_id != account_id &&
      std::find(shared.begin(), shared.end(), account_id) == shared.end())
    return std::nullopt;
  if (where) *where = Reach{c.host_id, c.storage};
  return AsImage(c);
}

Result<CustomImage> CreateImage(Cloud& cloud, const CreateImageRequest& r) {
  if (r.description.size() > 256) return MakeError(ErrorCode::kInvalidDiskDescription);
  if (!ValidResourceName(r.platform))
    return MakeError(ErrorCode::kInvalidParameter, "Platform is not a valid platform name.");
  if (r.snapshot_id.empty() && r.instance_id.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter SnapshotId or InstanceId that is mandatory for "
                     "processing this request is not supplied.");
  if (!r.architecture.empty() && r.architecture != "x86_64")
    return MakeError(ErrorCode::kInvalidParameter, "Architecture must be x86_64 on this cloud.");
  CustomImage out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_RETURN_IF_ERROR(CheckName(s, r.account_id, r.name));
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    const Snapshot* snap = nullptr;
    const Disk* system = nullptr;
    if (!r.snapshot_id.empty()) {
      OPENECS_ASSIGN_OR_RETURN(snap, FindMadeSnapshot(s, r.account_id, r.snapshot_id));
      if (snap->source_disk_type != "system")
        return MakeError(ErrorCode::kOperationDenied,
                         "The specified snapshot is not from system disk.");
    } else {
      const Instance* inst = FindOwned(s.instances, r.instance_id, r.account_id);
      if (!inst)
        return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                         "The specified instance " + r.instance_id + " does not exist.");
      for (const auto& id : inst->disk_ids)
        if (auto d = s.disks.find(id); d != s.disks.end() && d->second.type == "system")
          system = &d->second;
      if (!system || system->host_id.empty())
        return MakeError(ErrorCode::kIncorrectInstanceStatus,
                         "The instance has never run: its system disk holds nothing yet.");
    }
    std::string source_image = snap ? snap->source_image_id : system->image_id;
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxImages, 1));
    if (r.dry_run) return DryRunOk();
    if (system) {  // the instance's system disk, snapshotted now (crash-consistent)
      CreateSnapshotRequest sr;
      sr.account_id = r.account_id;
      sr.region_id = r.region_id;
      sr.disk_id = system->id;
      sr.description = "Made by CreateImage " + r.name + " from " + r.instance_id + ".";
      sr.resource_group_id = group;
      OPENECS_ASSIGN_OR_RETURN(snap, StartSnapshot(txn, sr));
    }
    CustomImage image =
        NewImage(txn, r.account_id, r.region_id, r.name, r.description, "CreateImage");
    image.snapshot_id = snap->id;
    image.source_instance_id = system ? r.instance_id : "";  // made from a snapshot: none
    image.boot_image_id = BootImageOf(s, source_image);
    image.host_id = snap->host_id;
    image.size_gib = snap->source_disk_size_gib;
    std::optional<Image> from = FindImage(s, r.account_id, source_image);
    image.os_name = from ? from->os_name : "Linux";
    image.platform = !r.platform.empty() ? r.platform : from ? from->platform : "Others Linux";
    image.resource_group_id = group;
    image.tags = r.tags;
    out = txn.Put(image);
    return Ok();
  }));
  return out;
}

Result<CustomImage> ImportImage(Cloud& cloud, const ImportImageRequest& r) {
  if (r.description.size() > 256) return MakeError(ErrorCode::kInvalidDiskDescription);
  if (!ValidResourceName(r.platform))
    return MakeError(ErrorCode::kInvalidParameter, "Platform is not a valid platform name.");
  bool http = r.url.rfind("http://", 0) == 0;
  if (http && (r.url.size() > 2048 ||
               std::any_of(r.url.begin(), r.url.end(), [](unsigned char c) { return c <= ' '; })))
    return MakeError(ErrorCode::kInvalidOssObject, "The URL has spaces or control characters.");
  if (!http) {
    if (r.bucket.empty())
      return MakeError(ErrorCode::kMissingParameter,
                       "An input parameter \"DiskDeviceMapping.1.OSSBucket\" that is mandatory "
                       "for processing the request is not supplied (or give an http:// URL as "
                       "the OSSObject).");
    OPENECS_RETURN_IF_ERROR(CheckBucket(r.bucket));
    if (!ValidObjectName(r.url))
      return MakeError(ErrorCode::kInvalidOssObject,
                       "DiskDeviceMapping.1.OSSObject must be an http:// URL or a file name in the "
                       "bucket (letters, digits, '.', '_', '-' and '/' between names).");
  }
  static const std::vector<std::string> kFormats = {"qcow2", "raw", "vmdk", "vhd"};
  std::string format = r.format.empty() ? "qcow2" : r.format;
  std::transform(format.begin(), format.end(), format.begin(), ::tolower);
  if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end())
    return MakeError(ErrorCode::kInvalidImageFormat, "Format must be qcow2, raw, vmdk or vhd.");
  if (!r.os_type.empty() && r.os_type != "linux")
    return MakeError(ErrorCode::kInvalidParameter, "OSType must be linux.");
  CustomImage out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_RETURN_IF_ERROR(CheckName(s, r.account_id, r.name));
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(s, r.account_id, r.resource_group_id));
    // The host that imports it (and then holds it): the one registered last that is neither lost
    // (host_health.h) nor another account's dedicated host.
    std::set<std::string> dedicated;
    for (const auto& [id, dh] : s.dedicated_hosts)
      if (dh.account_id != r.account_id) dedicated.insert(dh.host_id);
    const Host* host = nullptr;
    for (const auto& [id, h] : s.hosts)
      if (h.lost_since == 0 && !dedicated.count(id) && (!host || h.last_seen > host->last_seen))
        host = &h;
    if (!host) return MakeError(ErrorCode::kNoStock, "No host can import the image.");
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, r.account_id, kMaxImages, 1));
    if (r.dry_run) return DryRunOk();
    CustomImage image =
        NewImage(txn, r.account_id, r.region_id, r.name, r.description, "ImportImage");
    image.import_url = http ? r.url : "exchange:" + r.account_id + "/" + r.bucket + "/" + r.url;
    image.import_format = format;
    image.host_id = host->id;
    image.os_name = r.platform.empty() ? "Linux" : r.platform;
    image.platform = r.platform.empty() ? "Others Linux" : r.platform;
    image.resource_group_id = group;
    image.tags = r.tags;
    out = txn.Put(image);
    return Ok();
  }));
  return out;
}

Result<CustomImage> CopyImage(Cloud& cloud, const std::string& account_id,
                              const std::string& image_id, const std::string& region_id,
                              const std::string& name, const std::string& description,
                              const std::optional<std::string>& resource_group_id) {
  if (description.size() > 256) return MakeError(ErrorCode::kInvalidDiskDescription);
  CustomImage out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(CustomImage * src, FindOwn(s, account_id, image_id));
    if (src->status != "Available") return MakeError(ErrorCode::kIncorrectImageStatus);
    std::string copy_name = name.empty() ? src->name + "-copy" : name;
    OPENECS_RETURN_IF_ERROR(CheckName(s, account_id, copy_name));
    OPENECS_ASSIGN_OR_RETURN(std::string group,
                             ResolveResourceGroup(s, account_id, resource_group_id));
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, account_id, kMaxImages, 1));
    CustomImage image = NewImage(txn, account_id, region_id, copy_name,
                                 description.empty() ? src->description : description, "CopyImage");
    image.import_url = "image:" + src->id;
    image.import_format = "qcow2";
    image.boot_image_id = src->boot_image_id;
    image.host_id = src->host_id;
    image.size_gib = src->size_gib;
    image.os_name = src->os_name;
    image.os_type = src->os_type;
    image.platform = src->platform;
    image.architecture = src->architecture;
    image.resource_group_id = group;
    out = txn.Put(image);
    return Ok();
  }));
  return out;
}

Result<Task> ExportImage(Cloud& cloud, const std::string& account_id, const std::string& image_id,
                         const std::string& bucket, const std::string& prefix,
                         const std::string& format) {
  OPENECS_RETURN_IF_ERROR(CheckBucket(bucket));
  if (!prefix.empty() && !ValidObjectName(prefix + "x"))
    return MakeError(ErrorCode::kInvalidOssObject, "OSSPrefix must be plain names.");
  static const std::vector<std::string> kFormats = {"raw", "qcow2", "vmdk", "vhd"};
  if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end())
    return MakeError(ErrorCode::kInvalidImageFormat,
                     "ImageFormat must be raw, qcow2, vmdk or vhd.");
  Task out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(CustomImage * image, FindOwn(s, account_id, image_id));
    if (image->status != "Available") return MakeError(ErrorCode::kIncorrectImageStatus);
    if (!image->export_task_id.empty()) return MakeError(ErrorCode::kImageIsExporting);
    for (const auto& [id, other] : s.images)
      if (other.status == "Creating" && other.import_url == "image:" + image_id)
        return MakeError(ErrorCode::kImageCopying, "Image " + id + " is being copied from it.");
    Task& t = StartTask(txn, account_id, image->region_id, "ExportImage", image_id);
    image->export_task_id = t.id;
    image->export_object = account_id + "/" + bucket + "/" + prefix + image_id + "." + format;
    image->export_format = format;
    txn.Touch(*image);
    out = t;
    return Ok();
  }));
  return out;
}

Status DeleteImage(Cloud& cloud, const std::string& account_id, const std::string& image_id,
                   bool force, bool dry_run) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (FindBuiltinImage(image_id))
      return MakeError(ErrorCode::kOperationDenied, "System images cannot be deleted.");
    OPENECS_ASSIGN_OR_RETURN(CustomImage * image, FindOwn(s, account_id, image_id));
    if (image->status == "Creating") return MakeError(ErrorCode::kImageIsCreating);
    if (!image->export_task_id.empty()) return MakeError(ErrorCode::kImageIsExporting);
    if (!force) {
      for (const auto& [id, inst] : s.instances)
        if (inst.image_id == image_id)
          return MakeError(ErrorCode::kImageUsingByInstance,
                           "Instance " + id +
                               " was made from the image (Force=true deletes it "
                               "anyway; the instance keeps running on its disk).");
      if (!image->shared_with.empty()) return MakeError(ErrorCode::kImageUseShared);
    }
    if (dry_run) return DryRunOk();
    txn.Erase<CustomImage>(image_id);  // the host removes the files once no disk needs them
    return Ok();
  });
}

Status ModifyImageAttribute(Cloud& cloud, const std::string& account_id,
                            const std::string& image_id, const std::optional<std::string>& name,
                            const std::optional<std::string>& description) {
  if (description && description->size() > 256)
    return MakeError(ErrorCode::kInvalidDiskDescription);
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(CustomImage * image, FindOwn(s, account_id, image_id));
    if (name) OPENECS_RETURN_IF_ERROR(CheckName(s, account_id, *name, image_id));
    if (name) image->name = *name;
    if (description) image->description = *description;
    txn.Touch(*image);
    return Ok();
  });
}

Status ModifyImageSharePermission(Cloud& cloud, const std::string& account_id,
                                  const std::string& image_id, const std::vector<std::string>& add,
                                  const std::vector<std::string>& remove) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(CustomImage * image, FindOwn(s, account_id, image_id));
    if (image->status != "Available") return MakeError(ErrorCode::kIncorrectImageStatus);
    for (const auto& a : add)
      if (!s.accounts.count(a) || a == account_id)
        return MakeError(ErrorCode::kInvalidAccountNotFound,
                         "Account " + a + " does not exist (or is the image's owner).");
    auto& list = image->shared_with;
    for (const auto& a : remove) list.erase(std::remove(list.begin(), list.end(), a), list.end());
    for (const auto& a : add)
      if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
    txn.Touch(*image);
    return Ok();
  });
}

std::vector<DesiredImageBuild> ImageBuildsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredImageBuild> out;
  for (const auto& [id, image] : s.images) {
    if (image.host_id != host_id || image.status != "Creating") continue;
    DesiredImageBuild b;
    b.image_id = id;
    b.boot_image_id = image.boot_image_id;
    b.os_name = image.os_name;
    if (!image.snapshot_id.empty()) {
      auto snap = s.snapshots.find(image.snapshot_id);
      if (snap == s.snapshots.end() || snap->second.status != "accomplished") continue;
      b.snapshot_id = snap->first;
      b.snapshot_checksum = snap->second.checksum;
    } else {
      b.source_url = image.import_url;
      b.source_format = image.import_format;
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<DesiredImageExport> ImageExportsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredImageExport> out;
  for (const auto& [id, image] : s.images)
    if (image.host_id == host_id && !image.export_task_id.empty())
      out.push_back({id, image.export_task_id, image.export_object, image.export_format});
  return out;
}

void ApplyImageExportReport(Txn& txn, const std::string& host_id, const ImageExportReport& r) {
  auto it = txn.state().images.find(r.image_id);
  if (it == txn.state().images.end()) return;
  CustomImage& image = it->second;
  if (image.host_id != host_id || image.export_task_id != r.task_id) return;
  if (r.failed)
    FailTask(txn, r.task_id, ErrorCode::kInternalError, r.error);
  else
    FinishTask(txn, r.task_id);
  image.export_task_id.clear();
  txn.Touch(image);
}

std::vector<std::string> ImagesKeptBy(const State& s, const std::string& host_id) {
  // On shared storage, every host of it keeps what any of them needs: the images made into it
  // (each host caches their boot files) and those the disks in it were made from.
  const std::string& storage = SharedStorageOf(s, host_id);
  std::vector<std::string> out;
  for (const auto& [id, image] : s.images) {
    if (image.host_id == host_id || (!storage.empty() && image.storage == storage))
      out.push_back(id);
    // The source of a copy being made is read until the copy is whole, even once deleted.
    if (image.status == "Creating" && image.import_url.rfind("image:", 0) == 0 &&
        (image.host_id == host_id || CanOpenDisksOf(s, image.host_id, host_id)))
      out.push_back(image.import_url.substr(6));
  }
  // The disks of the hosts whose disks it can open (the index's, not every disk's).
  for (const std::string& owner : HostsSharingDisksWith(s, host_id))
    for (const std::string& disk_id : s.index.DisksOn(owner)) {
      auto d = s.disks.find(disk_id);
      if (d != s.disks.end() && !d->second.image_id.empty() &&
          !FindBuiltinImage(d->second.image_id))
        out.push_back(d->second.image_id);
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ApplyImageReport(Txn& txn, const std::string& host_id, const ImageReport& r) {
  auto it = txn.state().images.find(r.image_id);
  if (it == txn.state().images.end()) return;
  CustomImage& image = it->second;
  if (image.host_id != host_id || image.status != "Creating") return;
  if (r.failed) {
    image.status = "CreateFailed";
    image.error = r.error;
    FailTask(txn, image.task_id, ErrorCode::kInternalError, r.error);
  } else if (r.done) {
    image.status = "Available";
    image.progress = 100;
    // Only the storage the host shares: it cannot have made the image anywhere else.
    if (r.storage == SharedStorageOf(txn.state(), host_id)) image.storage = r.storage;
    image.size_bytes = r.size_bytes;
    if (r.size_gib > 0) image.size_gib = std::max(image.size_gib, r.size_gib);
    FinishTask(txn, image.task_id);
  } else if (r.progress > image.progress && r.progress < 100) {
    image.progress = r.progress;
    TaskProgress(txn, image.task_id, r.progress);
  } else {
    return;
  }
  txn.Touch(image);
}

}  // namespace openecs
