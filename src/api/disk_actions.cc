// Cloud disks, ECS API (service/disk_service.h has the rules), DescribeDisks included.
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "model/catalogue.h"
#include "service/disk_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

Result<json> CreateDiskAction(ApiContext& c) {
  const Params& p = c.params;
  CreateDiskRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.zone_id = p.GetOr("ZoneId", "");
  if (!r.zone_id.empty()) OPENECS_RETURN_IF_ERROR(CheckZone(c, r.zone_id));
  r.name = p.GetOr("DiskName", "");
  r.description = p.GetOr("Description", "");
  r.category = p.GetOr("DiskCategory", "cloud");
  r.performance_level = p.GetOr("PerformanceLevel", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t size, p.IntOr("Size", 0, 1, 1 << 20));
  r.size_gib = static_cast<int>(size);
  r.snapshot_id = p.GetOr("SnapshotId", "");
  r.instance_id = p.GetOr("InstanceId", "");
  r.resource_group_id = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  OPENECS_ASSIGN_OR_RETURN(Disk d, CreateDisk(c.cloud, r));
  return json{{"DiskId", d.id}, {"OrderId", ""}};
}

Result<json> AttachDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_ASSIGN_OR_RETURN(std::string instance, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(auto delete_with, c.params.OptBool("DeleteWithInstance"));
  OPENECS_RETURN_IF_ERROR(AttachDisk(c.cloud, c.account_id, disk, instance, delete_with));
  return json::object();
}

Result<json> DetachDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_ASSIGN_OR_RETURN(std::string instance, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(auto delete_with, c.params.OptBool("DeleteWithInstance"));
  OPENECS_RETURN_IF_ERROR(DetachDisk(c.cloud, c.account_id, disk, instance, delete_with));
  return json::object();
}

Result<json> DeleteDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_RETURN_IF_ERROR(DeleteDisk(c.cloud, c.account_id, disk));
  return json::object();
}

Result<json> ModifyDiskAttributeAction(ApiContext& c) {
  const Params& p = c.params;
  std::vector<std::string> ids = p.RepeatList("DiskIds");
  if (auto one = p.Get("DiskId")) ids.insert(ids.begin(), *one);
  if (ids.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"DiskId\" that is mandatory for processing this "
                     "request is not supplied.");
  ModifyDiskRequest r;
  r.name = p.Get("DiskName");
  r.description = p.Get("Description");
  OPENECS_ASSIGN_OR_RETURN(r.delete_with_instance, p.OptBool("DeleteWithInstance"));
  OPENECS_ASSIGN_OR_RETURN(r.delete_auto_snapshot, p.OptBool("DeleteAutoSnapshot"));
  OPENECS_ASSIGN_OR_RETURN(r.enable_auto_snapshot, p.OptBool("EnableAutoSnapshot"));
  OPENECS_RETURN_IF_ERROR(ModifyDiskAttribute(c.cloud, c.account_id, ids, r));
  return json::object();
}

Result<json> ResizeDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_ASSIGN_OR_RETURN(auto size, c.params.Int("NewSize", 1, 1 << 20));
  if (!size)
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"NewSize\" that is mandatory for processing this "
                     "request is not supplied.");
  OPENECS_RETURN_IF_ERROR(ResizeDisk(c.cloud, c.account_id, disk, static_cast<int>(*size),
                                     c.params.GetOr("Type", "offline")));
  return json{{"OrderId", ""}};
}

// ModifyDiskSpec: DiskCategory and/or PerformanceLevel (service/disk_service.h has the rules).
// ProvisionedIops and PerformanceControlOptions belong to ESSD AutoPL (cloud_auto) disks and
// DestinationZoneId to regional ESSDs, neither of which OpenECS offers.
Result<json> ModifyDiskSpecAction(ApiContext& c) {
  const Params& p = c.params;
  ModifyDiskSpecRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.disk_id, p.Required("DiskId"));
  r.category = p.Get("DiskCategory");
  r.performance_level = p.Get("PerformanceLevel");
  if (r.category && r.category->empty()) r.category.reset();
  if (r.performance_level && r.performance_level->empty()) r.performance_level.reset();
  OPENECS_ASSIGN_OR_RETURN(auto iops, p.Int("ProvisionedIops", 0, 1000000));
  if ((iops && *iops > 0) || p.Get("PerformanceControlOptions.IOPS") ||
      p.Get("PerformanceControlOptions.Throughput") || p.Get("PerformanceControlOptions.Recover"))
    return MakeError(ErrorCode::kInvalidParameter,
                     "ProvisionedIops and PerformanceControlOptions apply to ESSD AutoPL "
                     "(cloud_auto) disks, which are not offered here.");
  if (auto zone = p.Get("DestinationZoneId")) {
    OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
    std::string disk_zone = c.cloud.Read<std::string>([&](const State& s) {
      const Disk* d = FindOwned(s.disks, r.disk_id, c.account_id);
      return d ? d->zone_id : std::string();
    });
    if (!disk_zone.empty() && disk_zone != *zone)
      return MakeError(ErrorCode::kOperationDenied, "Disks stay in their zone (" + disk_zone +
                                                        ") when their specification "
                                                        "changes.");
  }
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  OPENECS_ASSIGN_OR_RETURN(std::string task, ModifyDiskSpec(c.cloud, r));
  return json{{"OrderId", ""}, {"TaskId", task}};
}

Result<json> ResetDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_ASSIGN_OR_RETURN(std::string snapshot, c.params.Required("SnapshotId"));
  OPENECS_ASSIGN_OR_RETURN(bool dry_run, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(ResetDisk(c.cloud, c.account_id, disk, snapshot, dry_run));
  return json::object();
}

Result<json> ReInitDiskAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string disk, c.params.Required("DiskId"));
  OPENECS_RETURN_IF_ERROR(ReInitDisk(c.cloud, c.account_id, disk));
  return json::object();
}

Result<json> ReplaceSystemDiskAction(ApiContext& c) {
  const Params& p = c.params;
  ReplaceSystemDiskRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, p.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(r.image_id, p.Required("ImageId"));
  OPENECS_ASSIGN_OR_RETURN(int64_t size, p.IntOr("SystemDisk.Size", 0, 1, 1 << 20));
  r.size_gib = static_cast<int>(size);
  r.password = p.Get("Password");
  r.key_pair_name = p.Get("KeyPairName");
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  OPENECS_ASSIGN_OR_RETURN(Disk d, ReplaceSystemDisk(c.cloud, r));
  return json{{"DiskId", d.id}};
}

// One disk of DescribeDisks. Every field of ECS's model is sent: the real value where OpenECS
// has one, else the form ECS uses for a feature that is absent ("", 0, false, empty lists).
json RenderDisk(const State& s, const Disk& d) {
  DiskPerformance perf = DiskPerformanceOf(d.category, d.performance_level, d.size_gib);
  std::string attached = d.attached_time ? FormatIsoMinutes(d.attached_time) : "";
  // A disk is attached to at most one instance here (no multi-attach): both lists hold that one.
  json attachments = json::array();
  if (!d.instance_id.empty())
    attachments.push_back(
        {{"InstanceId", d.instance_id}, {"Device", d.device}, {"AttachedTime", attached}});
  // The disk whose snapshot this one was made from ("" when made empty or from an image, or when
  // the snapshot is gone).
  std::string source_disk;
  if (auto it = s.snapshots.find(d.snapshot_id); !d.snapshot_id.empty() && it != s.snapshots.end())
    source_disk = it->second.disk_id;
  return {{"DiskId", d.id},
          {"DiskName", d.name},
          {"Description", d.description},
          {"RegionId", d.region_id},
          {"ZoneId", d.zone_id},
          {"Placement", {{"ZoneIds", d.zone_id}}},
          {"Type", d.type},
          {"Category", d.category},
          {"PerformanceLevel", d.performance_level},
          {"Size", d.size_gib},
          {"ImageId", d.image_id},
          {"SourceSnapshotId", d.snapshot_id},
          {"SourceDiskId", source_disk},
          {"DataSource", {{"Type", ""}, {"Id", ""}}},
          {"InstanceId", d.instance_id},
          {"Device", d.device},
          {"Status", d.status},
          {"Attachments", Wrap("Attachment", attachments)},
          {"MountInstances", Wrap("MountInstance", attachments)},
          {"MountInstanceNum", attachments.size()},
          {"MultiAttach", "Disabled"},
          {"Portable", d.portable && d.type == "data"},
          {"DeleteWithInstance", d.delete_with_instance},
          {"DeleteAutoSnapshot", d.delete_auto_snapshot},
          {"EnableAutoSnapshot", d.enable_auto_snapshot},
          {"EnableAutomatedSnapshotPolicy", !d.auto_snapshot_policy_id.empty()},
          {"AutoSnapshotPolicyId", d.auto_snapshot_policy_id},
          {"SerialNumber", d.id.rfind("d-", 0) == 0 ? d.id.substr(2) : d.id},
          // The host enforces one total limit (QEMU iops-total, bps-total), so reads alone, or
          // writes alone, may reach it.
          {"IOPS", perf.iops},
          {"IOPSRead", perf.iops},
          {"IOPSWrite", perf.iops},
          {"Throughput", perf.throughput_mbps},
          {"ThroughputRead", perf.throughput_mbps},
          {"ThroughputWrite", perf.throughput_mbps},
          {"ProvisionedIops", 0},
          {"BurstingEnabled", false},
          {"Encrypted", false},
          {"KMSKeyId", ""},
          {"DiskChargeType", d.charge_type},
          {"CreationTime", FormatIsoMinutes(d.creation_time)},
          {"AttachedTime", attached},
          {"DetachedTime", d.detached_time ? FormatIsoMinutes(d.detached_time) : ""},
          {"ExpiredTime", "2999-09-08T16:00Z"},
          {"OperationLocks", Wrap("OperationLock", json::array())},
          {"BdfId", ""},
          {"ProductCode", ""},
          {"ResourceGroupId", EffectiveGroup(d.resource_group_id, d.account_id)},
          {"StorageClusterId", ""},
          {"StorageSetId", ""},
          {"StorageSetPartitionNumber", 0},
          {"Tags", RenderTags(d.tags, false)}};
}

Result<json> DescribeDisksAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto ids_list, p.JsonList("DiskIds"));
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  auto instance = p.Get("InstanceId"), zone = p.Get("ZoneId"), type = p.Get("DiskType");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  auto category = p.Get("Category"), status = p.Get("Status"), name = p.Get("DiskName");
  auto group = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  PageSpec spec;
  spec.max_results_min = 10;
  spec.max_results_max = 500;
  spec.page_size_max = 100;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Disk*> matched;
    for (const auto& [id, d] : Owned(s.disks, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (instance && d.instance_id != *instance) continue;
      if (zone && d.zone_id != *zone) continue;
      if (type && *type != "all" && d.type != *type) continue;
      if (category && *category != "all" && d.category != *category) continue;
      if (status && *status != "All" && d.status != *status) continue;
      if (name && d.name != *name) continue;
      if (!InGroup(group, d.resource_group_id, d.account_id)) continue;
      if (!TagsMatch(d.tags, want)) continue;
      matched.push_back(&d);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(RenderDisk(s, *matched[i]));
    json reply = {{"Disks", Wrap("Disk", arr)}};
    page.Render(reply, matched.size());
    if (!page.token_mode) reply["NextToken"] = "";
    return reply;
  });
}

}  // namespace

void RegisterDiskActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeDisks"}] = {DescribeDisksAction};
  t[{kEcsVersion, "CreateDisk"}] = {CreateDiskAction, true, true};
  t[{kEcsVersion, "AttachDisk"}] = {AttachDiskAction, false};
  t[{kEcsVersion, "DetachDisk"}] = {DetachDiskAction, false};
  t[{kEcsVersion, "DeleteDisk"}] = {DeleteDiskAction, false};
  t[{kEcsVersion, "ModifyDiskAttribute"}] = {ModifyDiskAttributeAction, false};
  t[{kEcsVersion, "ResizeDisk"}] = {ResizeDiskAction, false, true};
  t[{kEcsVersion, "ModifyDiskSpec"}] = {ModifyDiskSpecAction, false, true};
  t[{kEcsVersion, "ResetDisk"}] = {ResetDiskAction, false};
  t[{kEcsVersion, "ReInitDisk"}] = {ReInitDiskAction, false};
  t[{kEcsVersion, "ReplaceSystemDisk"}] = {ReplaceSystemDiskAction, false, true};
}

}  // namespace openecs
