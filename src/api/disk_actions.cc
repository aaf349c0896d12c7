// Cloud disks, ECS API (service/disk_service.h has the rules). DescribeDisks is with the
// instance actions (it came first, with RunInstances' disks).
#include "api/action.h"
#include "service/disk_service.h"
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

}  // namespace

void RegisterDiskActions(ActionTable& t) {
  t[{kEcsVersion, "CreateDisk"}] = {CreateDiskAction, true, true};
  t[{kEcsVersion, "AttachDisk"}] = {AttachDiskAction, false};
  t[{kEcsVersion, "DetachDisk"}] = {DetachDiskAction, false};
  t[{kEcsVersion, "DeleteDisk"}] = {DeleteDiskAction, false};
  t[{kEcsVersion, "ModifyDiskAttribute"}] = {ModifyDiskAttributeAction, false};
  t[{kEcsVersion, "ResizeDisk"}] = {ResizeDiskAction, false, true};
  t[{kEcsVersion, "ResetDisk"}] = {ResetDiskAction, false};
  t[{kEcsVersion, "ReInitDisk"}] = {ReInitDiskAction, false};
  t[{kEcsVersion, "ReplaceSystemDisk"}] = {ReplaceSystemDiskAction, false, true};
}

}  // namespace openecs
