// Tasks, ECS API: DescribeTasks and DescribeTaskAttribute (service/task_service.h).
#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/task_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

Result<int64_t> TimeOf(const Params& p, const std::string& key) {
  auto v = p.Get(key);
  if (!v) return int64_t{0};
  auto t = ParseIso(*v);
  if (!t)
    return MakeError(ErrorCode::kInvalidParameter,
                     "The specified " + key + " is not a valid time (yyyy-MM-ddTHH:mmZ).");
  return *t;
}

Result<json> DescribeTasksAction(ApiContext& c) {
  const Params& p = c.params;
  TaskQuery q;
  q.account_id = c.account_id;
  q.region_id = c.region_id;
  for (const auto& id : Split(p.GetOr("TaskIds", ""), ','))
    if (!Trim(id).empty()) q.task_ids.push_back(Trim(id));
  q.resource_ids = p.RepeatList("ResourceIds");
  q.action = p.GetOr("TaskAction", "");
  OPENECS_ASSIGN_OR_RETURN(auto status, p.Enum("TaskStatus", {"Finished", "Processing", "Failed"}));
  q.status = status.value_or("");
  OPENECS_ASSIGN_OR_RETURN(q.start_time, TimeOf(p, "StartTime"));
  OPENECS_ASSIGN_OR_RETURN(q.end_time, TimeOf(p, "EndTime"));
  std::vector<Task> tasks =
      c.cloud.Read<std::vector<Task>>([&](const State& s) { return FindTasks(s, q); });
  PageSpec spec;
  spec.token_style = false;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, tasks.size(), spec));
  json arr = json::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    const Task& t = tasks[i];
    arr.push_back({{"TaskId", t.id},
                   {"TaskAction", t.action},
                   {"TaskStatus", t.status},
                   {"ResourceId", t.resource_id},
                   {"SupportCancel", "false"},
                   {"CreationTime", FormatIso(t.creation_time)},
                   {"FinishedTime", t.finished_time ? FormatIso(t.finished_time) : ""}});
  }
  json reply = {{"TaskSet", Wrap("Task", arr)}, {"RegionId", c.region_id}};
  page.Render(reply, tasks.size());
  return reply;
}

Result<json> DescribeTaskAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("TaskId"));
  TaskQuery q;
  q.account_id = c.account_id;
  q.region_id = c.region_id;
  q.task_ids = {id};
  std::vector<Task> found =
      c.cloud.Read<std::vector<Task>>([&](const State& s) { return FindTasks(s, q); });
  if (found.empty()) return MakeError(ErrorCode::kInvalidTaskIdNotFound);
  const Task& t = found[0];
  bool failed = t.status == "Failed", finished = t.status == "Finished";
  json progress = {
      {"OperationStatus", failed     ? "Failed"
                          : finished ? "Success"
                                     : "Processing"},
      {"ErrorCode", t.error_code},
      {"ErrorMsg", t.error_message},
      {"RelatedItemSet",
       Wrap("RelatedItem", json::array({{{"Name", "ResourceId"}, {"Value", t.resource_id}}}))}};
  return json{{"TaskId", t.id},
              {"RegionId", t.region_id},
              {"TaskAction", t.action},
              {"TaskStatus", t.status},
              {"TaskProcess", std::to_string(t.progress) + "%"},
              {"SupportCancel", "false"},
              {"TotalCount", 1},
              {"SuccessCount", finished ? 1 : 0},
              {"FailedCount", failed ? 1 : 0},
              {"CreationTime", FormatIso(t.creation_time)},
              {"FinishedTime", t.finished_time ? FormatIso(t.finished_time) : ""},
              {"OperationProgressSet", Wrap("OperationProgress", json::array({progress}))}};
}

}  // namespace

void RegisterTaskActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeTasks"}] = {DescribeTasksAction};
  t[{kEcsVersion, "DescribeTaskAttribute"}] = {DescribeTaskAttributeAction};
}

}  // namespace openecs
