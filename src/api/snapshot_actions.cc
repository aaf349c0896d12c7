// Snapshots, ECS API (service/snapshot_service.h has the rules).
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "service/resource_group_service.h"
#include "service/snapshot_policy_service.h"
#include "service/snapshot_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

Result<json> CreateSnapshotAction(ApiContext& c) {
  CreateSnapshotRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.disk_id, c.params.Required("DiskId"));
  r.name = c.params.GetOr("SnapshotName", "");
  r.description = c.params.GetOr("Description", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t days, c.params.IntOr("RetentionDays", 0, 1, 65536));
  r.retention_days = static_cast<int>(days);
  r.resource_group_id = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(Snapshot snap, CreateSnapshot(c.cloud, r));
  return json{{"SnapshotId", snap.id}};
}

json Render(const Snapshot& s) {
  bool done = s.status == "accomplished";
  return {{"SnapshotId", s.id},
          {"SnapshotName", s.name},
          {"Description", s.description},
          {"Status", s.status},
          {"Progress", std::to_string(s.progress) + "%"},
          {"RemainTime", done ? 0 : -1},
          {"SourceDiskId", s.disk_id},
          {"SourceDiskType", s.source_disk_type},
          {"SourceDiskSize", std::to_string(s.source_disk_size_gib)},
          {"SourceStorageType", "disk"},
          {"Available", done},
          {"Usage", "none"},
          {"Category", "standard"},
          {"SnapshotType", s.automatic ? "auto" : "user"},
          {"Encrypted", false},
          {"RetentionDays", s.retention_days},
          {"FullSnapshotSizeInBytes", s.size_bytes},
          {"CreationTime", FormatIso(s.creation_time)},
          {"LastModifiedTime", FormatIso(s.last_modified_time)},
          {"RegionId", s.region_id},
          {"ProductCode", ""},
          // OpenECS copies no snapshots between regions (so no source snapshot or region), keeps
          // each one as a whole file (no snapshot chain or serial number), and has no instant
          // access or KMS keys.
          {"SourceSnapshotId", ""},
          {"SourceRegionId", ""},
          {"SnapshotLinkId", ""},
          {"SnapshotSN", ""},
          {"InstantAccess", false},
          {"InstantAccessRetentionDays", 0},
          {"KMSKeyId", ""},
          {"ResourceGroupId", EffectiveGroup(s.resource_group_id, s.account_id)},
          {"Tags", RenderTags(s.tags, false)}};
}

Result<json> DescribeSnapshotsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto ids_list, p.JsonList("SnapshotIds"));
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  auto disk = p.Get("DiskId"), instance = p.Get("InstanceId"), name = p.Get("SnapshotName");
  auto type = p.Get("SourceDiskType"), group = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(auto status,
                           p.Enum("Status", {"progressing", "accomplished", "failed", "all"}));
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Snapshot*> matched;
    for (const auto& [id, snap] : Owned(s.snapshots, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (disk && snap.disk_id != *disk) continue;
      if (instance) {
        auto d = s.disks.find(snap.disk_id);
        if (d == s.disks.end() || d->second.instance_id != *instance) continue;
      }
      if (name && snap.name != *name) continue;
      if (type && ToLower(*type) != "all" && snap.source_disk_type != ToLower(*type)) continue;
      if (status && *status != "all" && snap.status != *status) continue;
      if (!InGroup(group, snap.resource_group_id, snap.account_id)) continue;
      if (!TagsMatch(snap.tags, want)) continue;
      matched.push_back(&snap);
    }
    // Newest first, as ECS lists them.
    std::stable_sort(matched.begin(), matched.end(), [](const Snapshot* a, const Snapshot* b) {
      return a->creation_time > b->creation_time;
    });
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), PageSpec{}));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(Render(*matched[i]));
    json reply = {{"Snapshots", Wrap("Snapshot", arr)}};
    page.Render(reply, matched.size());
    if (!page.token_mode) reply["NextToken"] = "";
    return reply;
  });
}

Result<json> DeleteSnapshotAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SnapshotId"));
  OPENECS_ASSIGN_OR_RETURN(auto force, c.params.OptBool("Force"));
  OPENECS_RETURN_IF_ERROR(DeleteSnapshot(c.cloud, c.account_id, id, force.value_or(false)));
  return json::object();
}

Result<json> ModifySnapshotAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SnapshotId"));
  OPENECS_ASSIGN_OR_RETURN(auto days, c.params.Int("RetentionDays", 1, 65536));
  std::optional<int> retention;
  if (days) retention = static_cast<int>(*days);
  OPENECS_RETURN_IF_ERROR(ModifySnapshotAttribute(c.cloud, c.account_id, id,
                                                  c.params.Get("SnapshotName"),
                                                  c.params.Get("Description"), retention));
  return json::object();
}

// The automatic snapshot policy actions spell their parameters in lower camel case
// (autoSnapshotPolicyId, diskIds, regionId, timePoints, ...), except DescribeAutoSnapshotPolicyEx.
Result<std::vector<std::string>> DiskIdsOf(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(std::string text, p.Required("diskIds"));
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return MakeError(ErrorCode::kPolicyParameterInvalid,
                     "The specified DiskIds are invalid (a JSON array of disk ids).");
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string())
      return MakeError(ErrorCode::kPolicyParameterInvalid, "The specified DiskIds are invalid.");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<json> CreateAutoSnapshotPolicyAction(ApiContext& c) {
  const Params& p = c.params;
  SnapshotPolicyRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.name = p.GetOr("autoSnapshotPolicyName", "");
  OPENECS_ASSIGN_OR_RETURN(std::string tp, p.Required("timePoints"));
  OPENECS_ASSIGN_OR_RETURN(r.time_points, ParseNumberList(tp, 0, 23, "timePoints"));
  OPENECS_ASSIGN_OR_RETURN(std::string wd, p.Required("repeatWeekdays"));
  OPENECS_ASSIGN_OR_RETURN(r.repeat_weekdays, ParseNumberList(wd, 1, 7, "repeatWeekdays"));
  OPENECS_ASSIGN_OR_RETURN(auto retention, p.Int("retentionDays", -1, 65536));
  if (!retention) return p.Required("retentionDays").error();
  r.retention_days = static_cast<int>(*retention);
  r.resource_group_id = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(AutoSnapshotPolicy policy, CreateAutoSnapshotPolicy(c.cloud, r));
  return json{{"AutoSnapshotPolicyId", policy.id}};
}

Result<json> ModifyAutoSnapshotPolicyExAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("autoSnapshotPolicyId"));
  ModifySnapshotPolicyRequest r;
  r.name = p.Get("autoSnapshotPolicyName");
  if (auto tp = p.Get("timePoints")) {
    OPENECS_ASSIGN_OR_RETURN(auto v, ParseNumberList(*tp, 0, 23, "timePoints"));
    r.time_points = v;
  }
  if (auto wd = p.Get("repeatWeekdays")) {
    OPENECS_ASSIGN_OR_RETURN(auto v, ParseNumberList(*wd, 1, 7, "repeatWeekdays"));
    r.repeat_weekdays = v;
  }
  OPENECS_ASSIGN_OR_RETURN(auto retention, p.Int("retentionDays", -1, 65536));
  if (retention) r.retention_days = static_cast<int>(*retention);
  OPENECS_RETURN_IF_ERROR(ModifyAutoSnapshotPolicy(c.cloud, c.account_id, id, r));
  return json::object();
}

Result<json> DeleteAutoSnapshotPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("autoSnapshotPolicyId"));
  OPENECS_RETURN_IF_ERROR(DeleteAutoSnapshotPolicy(c.cloud, c.account_id, id));
  return json::object();
}

Result<json> ApplyAutoSnapshotPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("autoSnapshotPolicyId"));
  OPENECS_ASSIGN_OR_RETURN(auto disks, DiskIdsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ApplyAutoSnapshotPolicy(c.cloud, c.account_id, id, disks));
  return json::object();
}

Result<json> CancelAutoSnapshotPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(auto disks, DiskIdsOf(c.params));
  OPENECS_RETURN_IF_ERROR(CancelAutoSnapshotPolicy(
      c.cloud, c.account_id, c.params.GetOr("autoSnapshotPolicyId", ""), disks));
  return json::object();
}

std::string NumberList(const std::vector<int>& v) {
  json arr = json::array();
  for (int n : v) arr.push_back(std::to_string(n));
  return DumpJson(arr);
}

Result<json> DescribeAutoSnapshotPolicyExAction(ApiContext& c) {
  const Params& p = c.params;
  auto id = p.Get("AutoSnapshotPolicyId"), name = p.Get("AutoSnapshotPolicyName");
  auto group = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  std::vector<json> rows = c.cloud.Read<std::vector<json>>([&](const State& s) {
    std::vector<json> out;
    for (const auto& [pid, pol] : Owned(s.snapshot_policies, c.account_id)) {
      if ((id && pid != *id) || (name && pol.name != *name)) continue;
      if (!InGroup(group, pol.resource_group_id, pol.account_id)) continue;
      if (!TagsMatch(pol.tags, want)) continue;
      int disks = 0;
      for (const auto& [did, d] : s.disks) disks += d.auto_snapshot_policy_id == pid;
      out.push_back({{"AutoSnapshotPolicyId", pid},
                     {"AutoSnapshotPolicyName", pol.name},
                     {"TimePoints", NumberList(pol.time_points)},
                     {"RepeatWeekdays", NumberList(pol.repeat_weekdays)},
                     {"RetentionDays", pol.retention_days},
                     {"DiskNums", disks},
                     {"VolumeNums", 0},
                     {"Status", "Normal"},
                     {"Type", "Custom"},
                     {"AssociationType", "AssociatedWithDisk"},
                     {"EnableCrossRegionCopy", false},
                     {"TargetCopyRegions", "[]"},
                     {"CopiedSnapshotsRetentionDays", -1},
                     {"CopyEncryptionConfiguration", {{"Encrypted", false}, {"KMSKeyId", ""}}},
                     {"TargetTags", Wrap("TargetTag", json::array())},
                     {"ResourceGroupId", EffectiveGroup(pol.resource_group_id, pol.account_id)},
                     {"RegionId", pol.region_id},
                     {"CreationTime", FormatIso(pol.creation_time)},
                     {"Tags", RenderTags(pol.tags, false)}});
    }
    return out;
  });
  PageSpec spec;
  spec.token_style = false;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, rows.size(), spec));
  json arr = json::array();
  for (size_t i = page.begin; i < page.end; ++i) arr.push_back(rows[i]);
  json reply = {{"AutoSnapshotPolicies", Wrap("AutoSnapshotPolicy", arr)}};
  page.Render(reply, rows.size());
  return reply;
}

}  // namespace

void RegisterSnapshotActions(ActionTable& t) {
  t[{kEcsVersion, "CreateSnapshot"}] = {CreateSnapshotAction, false, true};
  t[{kEcsVersion, "DescribeSnapshots"}] = {DescribeSnapshotsAction};
  t[{kEcsVersion, "DeleteSnapshot"}] = {DeleteSnapshotAction, false};
  t[{kEcsVersion, "CreateAutoSnapshotPolicy"}] = {CreateAutoSnapshotPolicyAction};
  t[{kEcsVersion, "ModifyAutoSnapshotPolicyEx"}] = {ModifyAutoSnapshotPolicyExAction};
  t[{kEcsVersion, "DeleteAutoSnapshotPolicy"}] = {DeleteAutoSnapshotPolicyAction};
  t[{kEcsVersion, "ApplyAutoSnapshotPolicy"}] = {ApplyAutoSnapshotPolicyAction};
  t[{kEcsVersion, "CancelAutoSnapshotPolicy"}] = {CancelAutoSnapshotPolicyAction};
  t[{kEcsVersion, "DescribeAutoSnapshotPolicyEx"}] = {DescribeAutoSnapshotPolicyExAction};
  t[{kEcsVersion, "ModifySnapshotAttribute"}] = {ModifySnapshotAttributeAction, false};
}

}  // namespace openecs
