// Snapshots, ECS API (service/snapshot_service.h has the rules).
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
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
          {"SnapshotType", "user"},
          {"Encrypted", false},
          {"RetentionDays", s.retention_days},
          {"FullSnapshotSizeInBytes", s.size_bytes},
          {"CreationTime", FormatIso(s.creation_time)},
          {"LastModifiedTime", FormatIso(s.last_modified_time)},
          {"RegionId", s.region_id},
          {"ProductCode", ""},
          {"Tags", RenderTags(s.tags, false)}};
}

Result<json> DescribeSnapshotsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto ids_list, p.JsonList("SnapshotIds"));
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  auto disk = p.Get("DiskId"), instance = p.Get("InstanceId"), name = p.Get("SnapshotName");
  auto type = p.Get("SourceDiskType");
  OPENECS_ASSIGN_OR_RETURN(auto status,
                           p.Enum("Status", {"progressing", "accomplished", "failed", "all"}));
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Snapshot*> matched;
    for (const auto& [id, snap] : s.snapshots) {
      if (snap.account_id != c.account_id) continue;
      if (!ids.empty() && !ids.count(id)) continue;
      if (disk && snap.disk_id != *disk) continue;
      if (instance) {
        auto d = s.disks.find(snap.disk_id);
        if (d == s.disks.end() || d->second.instance_id != *instance) continue;
      }
      if (name && snap.name != *name) continue;
      if (type && ToLower(*type) != "all" && snap.source_disk_type != ToLower(*type)) continue;
      if (status && *status != "all" && snap.status != *status) continue;
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

}  // namespace

void RegisterSnapshotActions(ActionTable& t) {
  t[{kEcsVersion, "CreateSnapshot"}] = {CreateSnapshotAction, false, true};
  t[{kEcsVersion, "DescribeSnapshots"}] = {DescribeSnapshotsAction};
  t[{kEcsVersion, "DeleteSnapshot"}] = {DeleteSnapshotAction, false};
  t[{kEcsVersion, "ModifySnapshotAttribute"}] = {ModifySnapshotAttributeAction, false};
}

}  // namespace openecs
