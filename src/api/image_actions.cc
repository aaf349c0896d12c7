// Images, ECS API: DescribeImages (built-in and custom), CreateImage, ImportImage, CopyImage,
// DeleteImage, ModifyImageAttribute, Modify/DescribeImageSharePermission
// (service/image_service.h has the rules).
#include <algorithm>
#include <cctype>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "model/catalogue.h"
#include "service/image_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// One row of DescribeImages, built-in or custom.
struct ImageRow {
  Image image;
  std::string owner_alias;  // system | self | others
  std::string status = "Available";
  int progress = 100;
  int64_t creation_time = 0;
  std::string snapshot_id;
  bool shared = false;
  std::string owner_account_id;  // custom images: the account that made it
  // The caller's own images: their group (resource_group_service.h). Public images and those
  // shared by other accounts are in no group of the caller's: "".
  std::string resource_group_id;
  Tags tags;
};

json Render(const ImageRow& r) {
  const Image& img = r.image;
  json mappings = json::array();
  if (!r.snapshot_id.empty())
    mappings.push_back({{"Device", "/dev/xvda"},
                        {"Type", "system"},
                        {"SnapshotId", r.snapshot_id},
                        {"Size", std::to_string(img.size_gib)},
                        {"Format", "qcow2"},
                        {"Encrypted", false},
                        // Import fields (the disk came from a snapshot, not an import).
                        {"ImportOSSBucket", ""},
                        {"ImportOSSObject", ""},
                        {"Progress", ""},
                        {"RemainTime", 0}});
  bool system = r.owner_alias == "system";
  // What OpenECS's hypervisor gives every guest, whatever the image: virtio disks (no NVMe), no
  // CPU or memory hot-plug, no Secure Boot. Whether the guest uses IMDS tokens is not known.
  static const json kFeatures = {
      {"NvmeSupport", "unsupported"},         {"ImdsSupport", ""},
      {"CpuOnlineUpgrade", "unsupported"},    {"CpuOnlineDowngrade", "unsupported"},
      {"MemoryOnlineUpgrade", "unsupported"}, {"MemoryOnlineDowngrade", "unsupported"}};
  return {{"ImageId", img.id},
          {"ImageName", img.name},
          {"ImageFamily", system ? "debian" : ""},
          {"ImageVersion", system ? "1.0" : ""},
          {"Description", img.description},
          {"OSName", img.os_name},
          {"OSNameEn", img.os_name},
          {"OSType", img.os_type},
          {"Platform", img.platform},
          {"Architecture", img.architecture},
          {"Size", img.size_gib},
          {"Status", r.status},
          {"Progress", std::to_string(r.progress) + "%"},
          {"ImageOwnerAlias", r.owner_alias},
          {"IsPublic", system},
          {"IsSelfShared", r.shared ? "True" : ""},
          {"IsCopied", false},
          {"IsSubscribed", false},
          {"IsSupportCloudinit", true},
          {"IsSupportIoOptimized", true},
          {"Usage", "instance"},
          {"BootMode", "BIOS"},
          {"CreationTime", system ? "2026-11-01T00:00:00Z" : FormatIso(r.creation_time)},
          {"LoginAsNonRootSupported", false},
          {"DiskDeviceMappings", Wrap("DiskDeviceMapping", mappings)},
          {"ImageOwnerId", NumericAccountId(r.owner_account_id)},
          // ECS sends Usable as text: "true" when the caller can launch the image now (every
          // image listed here is the caller's own, shared with it, or public). Clients compare
          // it as text (Terraform waits on Usable == "true").
          {"Usable", r.status == "Available" ? "true" : "false"},
          {"Features", kFeatures},
          {"SecureBootOptions", {{"SecureBootSupport", "unsupported"}}},
          {"DetectionOptions", {{"Status", ""}, {"Items", Wrap("Item", json::array())}}},
          {"LicenseType", ""},
          {"ProductCode", ""},
          {"SupplierName", ""},
          {"ResourceGroupId", r.resource_group_id},
          {"Tags", RenderTags(r.tags, false)}};
}

Result<json> DescribeImagesAction(ApiContext& c) {
  const Params& p = c.params;
  std::set<std::string> ids;
  if (auto v = p.Get("ImageId"))
    for (const auto& id : Split(*v, ',')) ids.insert(Trim(id));
  OPENECS_ASSIGN_OR_RETURN(auto owner,
                           p.Enum("ImageOwnerAlias", {"system", "self", "others", "marketplace"}));
  auto name = p.Get("ImageName"), os_type = p.Get("OSType"), arch = p.Get("Architecture");
  auto snapshot = p.Get("SnapshotId"), group = p.Get("ResourceGroupId");
  // Status: a comma-separated list; default Available.
  std::set<std::string> statuses;
  for (const auto& st : Split(p.GetOr("Status", "Available"), ',')) statuses.insert(Trim(st));
  bool any_status = statuses.count("ALL") > 0;
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  std::vector<ImageRow> rows = c.cloud.Read<std::vector<ImageRow>>([&](const State& s) {
    std::vector<ImageRow> out;
    for (const auto& img : BuiltinImages()) out.push_back({img, "system"});
    for (const auto& [id, ci] : s.images) {
      bool own = ci.account_id == c.account_id;
      const auto& sw = ci.shared_with;
      bool shared_to_me = std::find(sw.begin(), sw.end(), c.account_id) != sw.end();
      if (!own && !(shared_to_me && ci.status == "Available")) continue;
      ImageRow r;
      r.image = AsImage(ci);
      r.owner_alias = own ? "self" : "others";
      r.status = ci.status;
      r.progress = ci.progress;
      r.creation_time = ci.creation_time;
      r.snapshot_id = ci.snapshot_id;
      r.shared = own && !sw.empty();
      r.owner_account_id = ci.account_id;
      if (own) r.resource_group_id = EffectiveGroup(ci.resource_group_id, ci.account_id);
      r.tags = ci.tags;
      out.push_back(std::move(r));
    }
    return out;
  });
  std::vector<const ImageRow*> matched;
  for (const auto& r : rows) {
    const Image& img = r.image;
    if (!ids.empty() && !ids.count(img.id)) continue;
    if (owner && *owner != r.owner_alias) continue;
    if (name && img.name.find(*name) == std::string::npos) continue;
    if (os_type && !EqualsIgnoreCase(*os_type, img.os_type)) continue;
    if (arch && *arch != img.architecture) continue;
    if (snapshot && r.snapshot_id != *snapshot) continue;
    if (!any_status && !statuses.count(r.status)) continue;
    if (group && !group->empty() && r.resource_group_id != *group) continue;
    if (!TagsMatch(r.tags, want)) continue;
    matched.push_back(&r);
  }
  PageSpec spec;
  spec.token_style = false;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), spec));
  json arr = json::array();
  for (size_t i = page.begin; i < page.end; ++i) arr.push_back(Render(*matched[i]));
  json reply = {{"Images", Wrap("Image", arr)}, {"RegionId", c.region_id}};
  page.Render(reply, matched.size());
  return reply;
}

Result<json> CreateImageAction(ApiContext& c) {
  const Params& p = c.params;
  CreateImageRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.snapshot_id = p.GetOr("SnapshotId", "");
  r.instance_id = p.GetOr("InstanceId", "");
  // DiskDeviceMapping.1.SnapshotId names the system disk's snapshot, as SnapshotId does.
  for (auto& m : p.ObjectList("DiskDeviceMapping"))
    if (r.snapshot_id.empty() && m.count("SnapshotId")) r.snapshot_id = m["SnapshotId"];
  r.description = p.GetOr("Description", "");
  r.platform = p.GetOr("Platform", "");
  r.architecture = p.GetOr("Architecture", "");
  r.resource_group_id = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  // ECS names an unnamed image after its id; the name is checked like any other.
  r.name = p.GetOr("ImageName", "");
  if (r.name.empty()) r.name = "image-" + std::to_string(NowMillis());
  OPENECS_ASSIGN_OR_RETURN(CustomImage image, CreateImage(c.cloud, r));
  return json{{"ImageId", image.id}};
}

Result<json> ImportImageAction(ApiContext& c) {
  const Params& p = c.params;
  ImportImageRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  auto mappings = p.ObjectList("DiskDeviceMapping");
  if (mappings.empty() || !mappings[0].count("OSSObject"))
    return MakeError(ErrorCode::kMissingParameter,
                     "An input parameter \"DiskDeviceMapping.1.OSSObject\" that is mandatory for "
                     "processing the request is not supplied (an http:// URL, or a file in the "
                     "bucket OSSBucket: <data>/exchange/<bucket>/ on the host).");
  r.url = mappings[0]["OSSObject"];
  r.bucket = mappings[0].count("OSSBucket") ? mappings[0]["OSSBucket"] : "";
  r.format = mappings[0].count("Format") ? mappings[0]["Format"] : "";
  r.name = p.GetOr("ImageName", "");
  if (r.name.empty()) r.name = "import-" + std::to_string(NowMillis());
  r.description = p.GetOr("Description", "");
  r.platform = p.GetOr("Platform", "");
  r.architecture = p.GetOr("Architecture", "x86_64");
  r.os_type = p.GetOr("OSType", "linux");
  r.resource_group_id = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  OPENECS_ASSIGN_OR_RETURN(CustomImage image, ImportImage(c.cloud, r));
  return json{{"ImageId", image.id}, {"RegionId", c.region_id}, {"TaskId", image.task_id}};
}

Result<json> CopyImageAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("ImageId"));
  std::string dest = p.GetOr("DestinationRegionId", c.region_id);
  if (dest != c.region_id)
    return MakeError(ErrorCode::kInvalidRegionIdNotFound,
                     "The destination region " + dest + " does not exist.");
  OPENECS_ASSIGN_OR_RETURN(
      CustomImage image,
      CopyImage(c.cloud, c.account_id, id, dest, p.GetOr("DestinationImageName", ""),
                p.GetOr("DestinationDescription", ""), p.Get("ResourceGroupId")));
  return json{{"ImageId", image.id}};
}

Result<json> ExportImageAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("ImageId"));
  OPENECS_ASSIGN_OR_RETURN(std::string bucket, p.Required("OSSBucket"));
  std::string format = ToLower(p.GetOr("ImageFormat", "raw"));
  OPENECS_ASSIGN_OR_RETURN(
      Task t, ExportImage(c.cloud, c.account_id, id, bucket, p.GetOr("OSSPrefix", ""), format));
  return json{{"TaskId", t.id}, {"RegionId", c.region_id}};
}

Result<json> DeleteImageAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ImageId"));
  OPENECS_ASSIGN_OR_RETURN(bool force, c.params.Bool("Force", false));
  OPENECS_ASSIGN_OR_RETURN(bool dry_run, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(DeleteImage(c.cloud, c.account_id, id, force, dry_run));
  return json::object();
}

Result<json> ModifyImageAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ImageId"));
  OPENECS_RETURN_IF_ERROR(ModifyImageAttribute(c.cloud, c.account_id, id, c.params.Get("ImageName"),
                                               c.params.Get("Description")));
  return json::object();
}

Result<json> ModifyImageSharePermissionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ImageId"));
  OPENECS_RETURN_IF_ERROR(ModifyImageSharePermission(c.cloud, c.account_id, id,
                                                     c.params.RepeatList("AddAccount"),
                                                     c.params.RepeatList("RemoveAccount")));
  return json::object();
}

Result<json> DescribeImageSharePermissionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("ImageId"));
  auto shared = c.cloud.Read<std::optional<std::vector<std::string>>>(
      [&](const State& s) -> std::optional<std::vector<std::string>> {
        const CustomImage* image = FindOwned(s.images, id, c.account_id);
        if (!image) return std::nullopt;
        return image->shared_with;
      });
  if (!shared)
    return MakeError(ErrorCode::kInvalidImageIdNotFound,
                     "The specified image " + id + " does not exist.");
  PageSpec spec;
  spec.token_style = false;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, shared->size(), spec));
  json accounts = json::array();
  for (size_t i = page.begin; i < page.end; ++i) accounts.push_back({{"AliyunId", (*shared)[i]}});
  json reply = {{"ImageId", id},
                {"RegionId", c.region_id},
                {"Accounts", Wrap("Account", accounts)},
                {"ShareGroups", Wrap("ShareGroup", json::array())}};
  page.Render(reply, shared->size());
  return reply;
}

}  // namespace

void RegisterImageActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeImages"}] = {DescribeImagesAction};
  t[{kEcsVersion, "CreateImage"}] = {CreateImageAction, true, true};
  t[{kEcsVersion, "ImportImage"}] = {ImportImageAction, true, true};
  t[{kEcsVersion, "CopyImage"}] = {CopyImageAction};
  t[{kEcsVersion, "DeleteImage"}] = {DeleteImageAction};
  t[{kEcsVersion, "ExportImage"}] = {ExportImageAction};
  t[{kEcsVersion, "ModifyImageAttribute"}] = {ModifyImageAttributeAction};
  t[{kEcsVersion, "ModifyImageSharePermission"}] = {ModifyImageSharePermissionAction};
  t[{kEcsVersion, "DescribeImageSharePermission"}] = {DescribeImageSharePermissionAction};
}

}  // namespace openecs
