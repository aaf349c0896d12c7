#pragma once
// Tasks: the records DescribeTasks shows for long work (snapshots, disks rebuilt from
// snapshots or images). A task is started in the same transaction as the work's own record
// change and followed to Finished or Failed by whoever settles that work (the host reports),
// so it survives restarts with the work it tracks.
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

// A new Processing task.
Task& StartTask(Txn& txn, const std::string& account_id, const std::string& region_id,
                const std::string& action, const std::string& resource_id);
// Records progress of a Processing task (ignored for an unknown or settled one).
void TaskProgress(Txn& txn, const std::string& task_id, int percent);
// Settles a Processing task: Finished, or Failed with an error (its wire code, as DescribeTasks
// shows it, comes from the error table) and a message saying what happened.
void FinishTask(Txn& txn, const std::string& task_id);
void FailTask(Txn& txn, const std::string& task_id, ErrorCode code, const std::string& message);

struct TaskQuery {
  std::string account_id, region_id;
  std::vector<std::string> task_ids;  // empty: any
  std::vector<std::string> resource_ids;
  std::string action, status;
  int64_t start_time = 0, end_time = 0;  // creation time window, seconds (0: open)
};
// Matching tasks, newest first.
std::vector<Task> FindTasks(const State& s, const TaskQuery& q);

}  // namespace openecs
