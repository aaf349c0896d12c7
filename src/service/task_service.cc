#include "service/task_service.h"

#include <algorithm>

#include "common/clock.h"
#include "common/ids.h"

namespace openecs {

Task& StartTask(Txn& txn, const std::string& account_id, const std::string& region_id,
                const std::string& action, const std::string& resource_id) {
  Task t;
  t.id = NewId("t");
  t.account_id = account_id;
  t.region_id = region_id;
  t.action = action;
  t.resource_id = resource_id;
  t.creation_time = txn.now();
  return txn.Put(t);
}

namespace {
Task* Processing(Txn& txn, const std::string& task_id) {
  auto it = txn.state().tasks.find(task_id);
  if (it == txn.state().tasks.end() || it->second.status != "Processing") return nullptr;
  return &it->second;
}
}  // namespace

void TaskProgress(Txn& txn, const std::string& task_id, int percent) {
  Task* t = Processing(txn, task_id);
  if (!t || percent <= t->progress) return;
  t->progress = std::min(percent, 99);
  txn.Touch(*t);
}

void FinishTask(Txn& txn, const std::string& task_id) {
  Task* t = Processing(txn, task_id);
  if (!t) return;
  t->status = "Finished";
  t->progress = 100;
  t->finished_time = txn.now();
  txn.Touch(*t);
}

void FailTask(Txn& txn, const std::string& task_id, ErrorCode code, const std::string& message) {
  Task* t = Processing(txn, task_id);
  if (!t) return;
  t->status = "Failed";
  t->error_code = std::string(Describe(code).code);
  t->error_message = message;
  t->finished_time = txn.now();
  txn.Touch(*t);
}

std::vector<Task> FindTasks(const State& s, const TaskQuery& q) {
  auto listed = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  std::vector<Task> out;
  for (const auto& [id, t] : Owned(s.tasks, q.account_id)) {
    if (t.region_id != q.region_id) continue;
    if (!listed(q.task_ids, id) || !listed(q.resource_ids, t.resource_id)) continue;
    if (!q.action.empty() && t.action != q.action) continue;
    if (!q.status.empty() && t.status != q.status) continue;
    if (q.start_time && t.creation_time < q.start_time) continue;
    if (q.end_time && t.creation_time > q.end_time) continue;
    out.push_back(t);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Task& a, const Task& b) { return a.creation_time > b.creation_time; });
  return out;
}

}  // namespace openecs
