#pragma once
// Custom images as ECS has them. CreateImage from a snapshot of a system disk, or from an
// instance (its system disk is snapshotted first, in the same call); ImportImage from an
// http:// URL or a file in a host's exchange directory (qcow2, raw, vmdk, vhd); CopyImage;
// ExportImage into the exchange directory.
//
// There is no OSS here: a "bucket" is a directory <data>/exchange/<account-id>/<bucket>/ on the
// host that holds (or imports) the image, and an object is a file in it. API users name only
// that, and only their own buckets; they never name host paths (the agent runs as root). Each is
// made by a host in its image store while the record is Creating with a Progress %, then Available
// (or CreateFailed with why), tracked by a task. Images are where their host keeps disks: in its
// own files (an instance from the image is placed on that host), or in the storage it shares
// with other hosts (an RBD pool: CustomImage::storage, and any host of the pool starts its
// instances, and moves them, as with a built-in image).
//
// DeleteImage is refused while the image is Creating, while instances were made from it and
// while it is shared (unless Force); the host keeps the files as long as a disk is an overlay
// on them. Share permissions name other accounts (ModifyImageSharePermission); a shared image
// is listed to them with ImageOwnerAlias=others and they can launch it.
#include <optional>
#include <string>
#include <vector>

#include "model/agent_protocol.h"
#include "model/catalogue.h"
#include "service/capacity.h"
#include "service/cloud.h"

namespace openecs {

// A built-in image, or a custom one that is Available to `account_id` (its own or shared with
// it); `where` is then where its instances can start (anywhere for a built-in image, which
// every host has; its host, or the shared storage it was made in, for a custom one).
std::optional<Image> FindImage(const State& s, const std::string& account_id,
                               const std::string& image_id, Reach* where = nullptr);

// A custom image as the catalogue's Image (what DescribeImages and RunInstances read).
Image AsImage(const CustomImage& c);

struct CreateImageRequest {
  std::string account_id, region_id, name, description;
  std::string snapshot_id;  // one of the two
  std::string instance_id;
  std::string platform, architecture;
  // The image's group (resource_group_service.h); from an instance, its snapshot's too.
  std::optional<std::string> resource_group_id;
  Tags tags;
  bool dry_run = false;
};
Result<CustomImage> CreateImage(Cloud& cloud, const CreateImageRequest& r);

struct ImportImageRequest {
  std::string account_id, region_id, name, description;
  std::string url;  // http://... (then bucket is ignored), or an object in `bucket`
  std::string bucket;
  std::string format;  // qcow2 | raw | vmdk | vhd (default: qcow2)
  std::string platform, architecture, os_type;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
  Tags tags;
  bool dry_run = false;
};
Result<CustomImage> ImportImage(Cloud& cloud, const ImportImageRequest& r);

// The copy is in `resource_group_id` (resource_group_service.h), not the source's group.
Result<CustomImage> CopyImage(Cloud& cloud, const std::string& account_id,
                              const std::string& image_id, const std::string& region_id,
                              const std::string& name, const std::string& description,
                              const std::optional<std::string>& resource_group_id);
// Writes the image as <bucket>/<prefix><image-id>.<format> in its host's exchange directory
// (format raw | qcow2 | vmdk | vhd); returns the task.
Result<Task> ExportImage(Cloud& cloud, const std::string& account_id, const std::string& image_id,
                         const std::string& bucket, const std::string& prefix,
                         const std::string& format);
Status DeleteImage(Cloud& cloud, const std::string& account_id, const std::string& image_id,
                   bool force, bool dry_run = false);
Status ModifyImageAttribute(Cloud& cloud, const std::string& account_id,
                            const std::string& image_id, const std::optional<std::string>& name,
                            const std::optional<std::string>& description);
Status ModifyImageSharePermission(Cloud& cloud, const std::string& account_id,
                                  const std::string& image_id, const std::vector<std::string>& add,
                                  const std::vector<std::string>& remove);

// What `host_id` is to make, which custom images it keeps, and the folding of its reports (a
// snapshot that failed fails the images waiting for it: snapshot_service).
std::vector<DesiredImageBuild> ImageBuildsFor(const State& s, const std::string& host_id);
std::vector<DesiredImageExport> ImageExportsFor(const State& s, const std::string& host_id);
void ApplyImageExportReport(Txn& txn, const std::string& host_id, const ImageExportReport& report);
std::vector<std::string> ImagesKeptBy(const State& s, const std::string& host_id);
void ApplyImageReport(Txn& txn, const std::string& host_id, const ImageReport& report);

}  // namespace openecs
