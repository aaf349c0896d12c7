#include "service/assistant_service.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "common/ids.h"

namespace openecs {
namespace {

bool IsWindowsType(const std::string& type) {
  return type == "RunBatScript" || type == "RunPowerShellScript";
}

bool ValidParamName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char ch) { return std::isalnum(ch) || ch == '-' || ch == '_'; });
}

// Calls f(name, begin, end) for every {{ name }} in text ([begin, end) spans the braces).
template <typename F>
void ForEachPlaceholder(const std::string& text, F&& f) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    size_t close = text.find("}}", pos + 2);
    if (close == std::string::npos) return;
    std::string inner = text.substr(pos + 2, close - pos - 2);
    size_t a = inner.find_first_not_of(" \t\r\n");
    size_t b = inner.find_last_not_of(" \t\r\n");
    std::string name = a == std::string::npos ? "" : inner.substr(a, b - a + 1);
    f(name, pos, close + 2);
    pos = close + 2;
  }
}

bool IsBuiltIn(const std::string& name) { return name.rfind("ACS::", 0) == 0; }

// The user's parameter names of a command, first seen first (built-ins left out).
Result<std::vector<std::string>> ParameterNames(const std::string& content) {
  std::vector<std::string> names;
  Status bad = Ok();
  ForEachPlaceholder(content, [&](const std::string& name, size_t, size_t) {
    if (IsBuiltIn(name) || !bad.ok()) return;
    if (!ValidParamName(name)) {
      bad = MakeError(ErrorCode::kCmdParamInvalidName,
                      "Invalid parameter name \"" + name + "\": letters, digits, - and _.");
      return;
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  });
  OPENECS_RETURN_IF_ERROR(bad);
  if (static_cast<int>(names.size()) > kCommandParametersMax)
    return MakeError(ErrorCode::kParameterCountExceedLimit);
  return names;
}

// Fills placeholders whose names `values` has; leaves the others as they are.
std::string Fill(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t last = 0;
  ForEachPlaceholder(text, [&](const std::string& name, size_t begin, size_t end) {
    auto it = values.find(name);
    if (it == values.end()) return;
    out.append(text, last, begin - last);
    out += it->second;
    last = end;
  });
  out.append(text, last, std::string::npos);
  return out;
}

Status CheckTimeout(int timeout) {
  if (timeout < 10 || timeout > 86400)
    return MakeError(ErrorCode::kInvalidParameter, "Timeout must be 10 to 86400 seconds.");
  return Ok();
}

Status CheckInvokeSpec(const InvokeSpec& invoke) {
  if (invoke.instance_ids.empty())
    return MakeError(ErrorCode::kMissingParameter, "InstanceId.N is mandatory for this action.");
  if (static_cast<int>(invoke.instance_ids.size()) > kInvocationInstancesMax)
    return MakeError(ErrorCode::kInstanceIdsExceedLimit,
                     "At most 100 instances in one invocation.");
  if (invoke.username.size() > 255) return MakeError(ErrorCode::kUsernameExceedLimit);
  if (invoke.timeout) OPENECS_RETURN_IF_ERROR(CheckTimeout(*invoke.timeout));
  return Ok();
}

// The invocation's targets, one per instance (the caller's, in the region):
// InvalidInstance.NotFound otherwise. A target whose instance is not Running ends at once
// (InstanceNotRunning).
Result<std::vector<InvocationTarget>> TargetsOf(const State& s, const std::string& account_id,
                                                const std::string& region_id,
                                                const std::vector<std::string>& ids,
                                                int64_t now_ms) {
  std::vector<InvocationTarget> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (!seen.insert(id).second) continue;
    const Instance* inst = FindOwned(s.instances, id, account_id);
    if (!inst || inst->region_id != region_id)
      return MakeError(ErrorCode::kInvalidInstanceNotFound,
                       "The specified instance " + id + " does not exist.");
    InvocationTarget t;
    t.instance_id = id;
    t.update_time = now_ms;
    if (inst->status != InstanceStatus::kRunning) {
      t.status = "Failed";
      t.error_code = "InstanceNotRunning";
      t.error_info = "the instance is " + std::string(ToString(inst->status)) + ", not Running";
      t.finish_time = now_ms;
    }
    out.push_back(std::move(t));
  }
  return out;
}

// The invocation of `cmd` (made or kept), checked against its parameters.
Result<Invocation> NewInvocation(const State& s, const std::string& account_id,
                                 const std::string& region_id, const Command& cmd,
                                 const InvokeSpec& invoke, int64_t now_ms) {
  OPENECS_RETURN_IF_ERROR(CheckInvokeSpec(invoke));
  if (!cmd.enable_parameter && !invoke.parameters.empty())
    return MakeError(ErrorCode::kParameterDisabled);
  if (cmd.enable_parameter) {
    std::set<std::string> want(cmd.parameter_names.begin(), cmd.parameter_names.end());
    std::set<std::string> given;
    for (const auto& [k, v] : invoke.parameters) given.insert(k);
    if (given != want)
      return MakeError(ErrorCode::kParameterNotMatched,
                       "Parameters must give exactly the command's parameters.");
  }
  if (IsWindowsType(cmd.type))
    return MakeError(ErrorCode::kInvalidInstanceNotMatch,
                     cmd.type + " runs on Windows instances; OpenECS guests run Linux.");
  OPENECS_ASSIGN_OR_RETURN(auto targets,
                           TargetsOf(s, account_id, region_id, invoke.instance_ids, now_ms));
  Invocation inv;
  inv.id = NewId("t");
  inv.account_id = account_id;
  inv.region_id = region_id;
  inv.command_id = cmd.id;
  inv.command_name = cmd.name;
  inv.command_type = cmd.type;
  inv.command_content = cmd.enable_parameter ? Fill(cmd.content, invoke.parameters) : cmd.content;
  inv.parameters = invoke.parameters_text;
  inv.working_dir = invoke.working_dir.value_or(cmd.working_dir);
  inv.username = invoke.username.empty() ? "root" : invoke.username;
  inv.timeout = invoke.timeout.value_or(cmd.timeout);
  inv.targets = std::move(targets);
  inv.creation_time = now_ms;
  return inv;
}

Command MakeCommand(const std::string& account_id, const std::string& region_id,
                    const CommandSpec& spec, std::vector<std::string> names, int64_t now) {
  Command c;
  c.id = NewId("c");
  c.account_id = account_id;
  c.region_id = region_id;
  c.name = spec.name;
  c.description = spec.description;
  c.type = spec.type;
  c.content = spec.content;
  c.working_dir = spec.working_dir;
  c.timeout = spec.timeout;
  c.enable_parameter = spec.enable_parameter;
  c.parameter_names = spec.enable_parameter ? std::move(names) : std::vector<std::string>{};
  c.launcher = spec.launcher;
  c.creation_time = now;
  return c;
}

void Finish(InvocationTarget& t, const std::string& status, const std::string& code,
            const std::string& info, int64_t now_ms) {
  t.status = status;
  t.error_code = code;
  t.error_info = info;
  t.finish_time = now_ms;
  t.update_time = now_ms;
}

}  // namespace

Status CheckCommandSpec(const CommandSpec& spec) {
  if (spec.type != "RunShellScript" && !IsWindowsType(spec.type))
    return MakeError(ErrorCode::kInvalidCmdTypeNotFound,
                     "Type must be RunShellScript, RunBatScript or RunPowerShellScript.");
  if (spec.name.empty())
    return MakeError(ErrorCode::kMissingParameter, "Name is mandatory for this action.");
  if (spec.name.size() > 128) return MakeError(ErrorCode::kCmdNameExceedLimit);
  if (spec.description.size() > 512) return MakeError(ErrorCode::kCmdDescExceedLimit);
  if (spec.content.empty())
    return MakeError(ErrorCode::kMissingParameter, "CommandContent is mandatory for this action.");
  if ((spec.content.size() + 2) / 3 * 4 > kCommandContentMaxBase64)
    return MakeError(ErrorCode::kCmdContentExceedLimit);
  if (spec.working_dir.size() > 200)
    return MakeError(ErrorCode::kInvalidParameter, "WorkingDir is at most 200 characters.");
  if (spec.launcher.size() > 1024)
    return MakeError(ErrorCode::kInvalidParameter, "Launcher is at most 1 KB.");
  OPENECS_RETURN_IF_ERROR(CheckTimeout(spec.timeout));
  if (spec.enable_parameter) {
    auto names = ParameterNames(spec.content);
    if (!names.ok()) return names.error();
  }
  return Ok();
}

Result<Command> CreateCommand(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const CommandSpec& spec) {
  OPENECS_RETURN_IF_ERROR(CheckCommandSpec(spec));
  OPENECS_ASSIGN_OR_RETURN(auto names, ParameterNames(spec.content));
  Command made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    made = txn.Put(MakeCommand(account_id, region_id, spec, names, txn.now()));
    return Ok();
  }));
  return made;
}

Status ModifyCommand(Cloud& cloud, const std::string& account_id, const std::string& command_id,
                     const CommandChanges& changes) {
  if (changes.name && changes.name->size() > 128) return MakeError(ErrorCode::kCmdNameExceedLimit);
  if (changes.description && changes.description->size() > 512)
    return MakeError(ErrorCode::kCmdDescExceedLimit);
  if (changes.timeout) OPENECS_RETURN_IF_ERROR(CheckTimeout(*changes.timeout));
  if (changes.working_dir && changes.working_dir->size() > 200)
    return MakeError(ErrorCode::kInvalidParameter, "WorkingDir is at most 200 characters.");
  return cloud.Write([&](Txn& txn) -> Status {
    Command* c = FindOwned(txn.state().commands, command_id, account_id);
    if (!c) return MakeError(ErrorCode::kInvalidCmdIdNotFound);
    if (changes.name && !changes.name->empty()) c->name = *changes.name;
    if (changes.description) c->description = *changes.description;
    if (changes.working_dir) c->working_dir = *changes.working_dir;
    if (changes.launcher) c->launcher = *changes.launcher;
    if (changes.timeout) c->timeout = *changes.timeout;
    txn.Touch(*c);
    return Ok();
  });
}

Status DeleteCommand(Cloud& cloud, const std::string& account_id, const std::string& command_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    if (!FindOwned(txn.state().commands, command_id, account_id))
      return MakeError(ErrorCode::kInvalidCmdIdNotFound);
    txn.Erase<Command>(command_id);
    return Ok();
  });
}

Result<Invocation> InvokeCommand(Cloud& cloud, const std::string& account_id,
                                 const std::string& region_id, const std::string& command_id,
                                 const InvokeSpec& invoke) {
  Invocation made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Command* cmd = FindOwned(s.commands, command_id, account_id);
    if (!cmd || cmd->region_id != region_id) return MakeError(ErrorCode::kInvalidCmdIdNotFound);
    OPENECS_ASSIGN_OR_RETURN(
        made, NewInvocation(s, account_id, region_id, *cmd, invoke, txn.now() * 1000));
    ++cmd->invoke_times;
    txn.Touch(*cmd);
    made = txn.Put(made);
    return Ok();
  }));
  return made;
}

Result<Invocation> RunCommand(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const CommandSpec& spec, bool keep,
                              const InvokeSpec& invoke) {
  OPENECS_RETURN_IF_ERROR(CheckCommandSpec(spec));
  OPENECS_ASSIGN_OR_RETURN(auto names, ParameterNames(spec.content));
  Invocation made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    Command cmd = MakeCommand(account_id, region_id, spec, names, txn.now());
    OPENECS_ASSIGN_OR_RETURN(
        made, NewInvocation(txn.state(), account_id, region_id, cmd, invoke, txn.now() * 1000));
    if (keep) {
      cmd.invoke_times = 1;
      txn.Put(std::move(cmd));
    }
    made = txn.Put(made);
    return Ok();
  }));
  return made;
}

Result<Invocation> SendFile(Cloud& cloud, const std::string& account_id,
                            const std::string& region_id, const FileSpec& file,
                            const std::vector<std::string>& instance_ids) {
  if (file.name.empty())
    return MakeError(ErrorCode::kMissingParameter, "Name is mandatory for this action.");
  if (file.name.size() > 255 || file.name.find('/') != std::string::npos)
    return MakeError(ErrorCode::kFileNameExceedLimit,
                     "Name is a file name of at most 255 characters, without '/'.");
  if (file.description.size() > 512) return MakeError(ErrorCode::kFileDescExceedLimit);
  if ((file.content.size() + 2) / 3 * 4 > kFileContentMaxBase64)
    return MakeError(ErrorCode::kFileSizeExceedLimit);
  if (file.target_dir.empty() || file.target_dir[0] != '/' || file.target_dir.size() > 255 ||
      file.target_dir.find("..") != std::string::npos ||
      file.target_dir.find_first_of(std::string("\0\n\r", 3)) != std::string::npos)
    return MakeError(ErrorCode::kFileTargetDirInvalid,
                     "TargetDir must be an absolute directory path without '..'.");
  bool mode_ok = (file.mode.size() == 3 || file.mode.size() == 4) &&
                 std::all_of(file.mode.begin(), file.mode.end(),
                             [](char ch) { return ch >= '0' && ch <= '7'; });
  if (!mode_ok) return MakeError(ErrorCode::kFileModeInvalid, "FileMode is octal, like 0644.");
  for (const std::string* who : {&file.owner, &file.group})
    if (who->empty() || who->size() > 32 || !ValidParamName(*who))
      return MakeError(ErrorCode::kInvalidParameter, "FileOwner and FileGroup are user names.");
  OPENECS_RETURN_IF_ERROR(CheckTimeout(file.timeout));
  InvokeSpec invoke;
  invoke.instance_ids = instance_ids;
  OPENECS_RETURN_IF_ERROR(CheckInvokeSpec(invoke));
  Invocation made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    int64_t now_ms = txn.now() * 1000;
    OPENECS_ASSIGN_OR_RETURN(auto targets,
                             TargetsOf(txn.state(), account_id, region_id, instance_ids, now_ms));
    Invocation inv;
    inv.id = NewId("f");
    inv.account_id = account_id;
    inv.region_id = region_id;
    inv.kind = "file";
    inv.name = file.name;
    inv.description = file.description;
    inv.content = file.content;
    inv.target_dir = file.target_dir;
    inv.file_mode = file.mode;
    inv.file_owner = file.owner;
    inv.file_group = file.group;
    inv.overwrite = file.overwrite;
    inv.timeout = file.timeout;
    inv.targets = std::move(targets);
    inv.creation_time = now_ms;
    made = txn.Put(std::move(inv));
    return Ok();
  }));
  return made;
}

Status StopInvocation(Cloud& cloud, const std::string& account_id, const std::string& invoke_id,
                      const std::vector<std::string>& instance_ids) {
  std::set<std::string> which(instance_ids.begin(), instance_ids.end());
  return cloud.Write([&](Txn& txn) -> Status {
    Invocation* inv = FindOwned(txn.state().invocations, invoke_id, account_id);
    if (!inv || inv->kind != "command") return MakeError(ErrorCode::kInvalidInvokeIdNotFound);
    int64_t now_ms = txn.now() * 1000;
    for (auto& t : inv->targets) {
      if (!which.empty() && !which.count(t.instance_id)) continue;
      if (t.status == "Pending") {
        Finish(t, "Stopped", "", "stopped before it started", now_ms);
      } else if (t.status == "Running") {
        t.status = "Stopping";
        t.stop = true;
        t.update_time = now_ms;
      }
    }
    txn.Touch(*inv);
    return Ok();
  });
}

std::string InvocationStatusOf(const Invocation& inv) {
  int pending = 0, running = 0, stopping = 0, success = 0, failed = 0, stopped = 0;
  for (const auto& t : inv.targets) {
    if (t.status == "Pending")
      ++pending;
    else if (t.status == "Running")
      ++running;
    else if (t.status == "Stopping")
      ++stopping;
    else if (t.status == "Success")
      ++success;
    else if (t.status == "Stopped")
      ++stopped;
    else
      ++failed;  // Failed, Error, Timeout
  }
  int n = static_cast<int>(inv.targets.size());
  if (running) return "Running";
  if (stopping) return "Stopping";
  if (pending) return running + success + failed + stopped ? "Running" : "Pending";
  if (success == n) return "Success";
  if (stopped == n) return "Stopped";
  if (failed == n) return "Failed";
  if (success) return "PartialFailed";
  return stopped ? "Stopped" : "Failed";
}

std::vector<DesiredInvocation> InvocationsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredInvocation> out;
  for (const std::string& id : s.index.open_invocations()) {
    auto found = s.invocations.find(id);
    if (found == s.invocations.end()) continue;
    const Invocation& inv = found->second;
    for (const auto& t : inv.targets) {
      if (TargetFinished(t)) continue;
      auto it = s.instances.find(t.instance_id);
      if (it == s.instances.end() || it->second.host_id != host_id) continue;
      const Instance& inst = it->second;
      DesiredInvocation d;
      d.invoke_id = id;
      d.instance_id = t.instance_id;
      d.kind = inv.kind;
      d.timeout_s = inv.timeout;
      d.stop = t.stop;
      d.started = t.status != "Pending";
      if (inv.kind == "command") {
        d.script = Fill(inv.command_content, {{"ACS::InstanceId", inst.id},
                                              {"ACS::InstanceName", inst.name},
                                              {"ACS::RegionId", inst.region_id},
                                              {"ACS::InvokeId", inv.id},
                                              {"ACS::CommandId", inv.command_id}});
        d.working_dir = inv.working_dir;
        d.username = inv.username;
      } else {
        d.directory = inv.target_dir;
        d.name = inv.name;
        d.content = inv.content;
        d.mode = inv.file_mode;
        d.owner = inv.file_owner;
        d.group = inv.file_group;
        d.overwrite = inv.overwrite;
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

void ApplyInvocationReport(Txn& txn, const std::string& host_id, const InvocationReport& r) {
  State& s = txn.state();
  auto inv = s.invocations.find(r.invoke_id);
  auto inst = s.instances.find(r.instance_id);
  if (inv == s.invocations.end() || inst == s.instances.end() || inst->second.host_id != host_id)
    return;
  for (auto& t : inv->second.targets) {
    if (t.instance_id != r.instance_id || TargetFinished(t)) continue;
    int64_t now_ms = txn.now() * 1000;
    if (r.state == "running") {
      if (t.status == "Pending") {
        t.status = "Running";
        t.start_time = now_ms;
        t.update_time = now_ms;
      }
    } else if (r.state == "failed") {
      if (r.agent_down)
        Finish(t, "Failed", "ClientNotRunning", "the guest's agent does not answer: " + r.error,
               now_ms);
      else if (t.status != "Pending")
        Finish(t, "Failed", "ExecutionInterrupted", r.error, now_ms);
      else
        Finish(t, "Error", "ExecutionException", r.error, now_ms);
    } else {  // done
      if (!t.start_time) t.start_time = now_ms;
      t.exit_code = r.exit_code;
      t.output = r.output;
      t.dropped = r.dropped;
      if (r.stopped)
        Finish(t, "Stopped", "", "stopped by StopInvocation", now_ms);
      else if (r.timed_out)
        Finish(t, "Timeout", "ExecutionTimeout",
               "killed after " + std::to_string(inv->second.timeout) + " s", now_ms);
      else if (r.exit_code != 0)
        Finish(t, "Failed", "ExitCodeNonzero", "exited with " + std::to_string(r.exit_code),
               now_ms);
      else
        Finish(t, "Success", "", "", now_ms);
    }
    txn.Touch(inv->second);
  }
}

std::vector<DesiredGuestRequest> GuestRequestsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredGuestRequest> out;
  for (const std::string& id : s.index.pending_guest_requests()) {
    auto found = s.guest_requests.find(id);
    if (found == s.guest_requests.end()) continue;
    const GuestRequest& r = found->second;
    auto it = s.instances.find(r.instance_id);
    if (it == s.instances.end() || it->second.host_id != host_id) continue;
    out.push_back({id, r.instance_id, r.kind});
  }
  return out;
}

void ApplyGuestRequestReport(Txn& txn, const std::string& host_id,
                             const GuestRequestReport& report) {
  State& s = txn.state();
  auto it = s.guest_requests.find(report.request_id);
  if (it == s.guest_requests.end() || it->second.state != "pending") return;
  auto inst = s.instances.find(it->second.instance_id);
  if (inst == s.instances.end() || inst->second.host_id != host_id) return;
  it->second.state = report.failed ? "failed" : "done";
  it->second.error = report.error;
  it->second.result = report.result;
  txn.Touch(it->second);
}

Result<GuestRequest> AskGuestHost(Cloud& cloud, const std::string& account_id,
                                  const std::string& instance_id, const std::string& kind,
                                  int wait_ms) {
  std::string id = NewId("gr");
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    const Instance* inst = FindOwned(txn.state().instances, instance_id, account_id);
    if (!inst) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    if (inst->status != InstanceStatus::kRunning)
      return MakeError(
          ErrorCode::kIncorrectInstanceStatus,
          "The instance must be Running; it is " + std::string(ToString(inst->status)) + ".");
    GuestRequest r;
    r.id = id;
    r.account_id = account_id;
    r.instance_id = instance_id;
    r.kind = kind;
    r.creation_time = txn.now() * 1000;
    txn.Put(std::move(r));
    return Ok();
  }));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  int64_t rev = 0;
  for (;;) {
    auto done = cloud.Read<std::optional<GuestRequest>>([&](const State& s) {
      auto it = s.guest_requests.find(id);
      if (it == s.guest_requests.end() || it->second.state == "pending")
        return std::optional<GuestRequest>();
      return std::optional<GuestRequest>(it->second);
    });
    if (done || std::chrono::steady_clock::now() >= deadline) {
      (void)cloud.Write([&](Txn& txn) -> Status {
        txn.Erase<GuestRequest>(id);
        return Ok();
      });
      if (!done)
        return MakeError(ErrorCode::kInternalError,
                         "The instance's host did not answer in time; try again.");
      if (done->state == "failed")
        return MakeError(ErrorCode::kIncorrectInstanceStatus, "The host says: " + done->error);
      return *done;
    }
    // A report bumps the revision: wait for the next one (or a short while).
    rev = cloud.WaitForRevision(rev, 200);
  }
}

void RunAssistantPass(Cloud& cloud) {
  int64_t retention_ms = int64_t{kInvocationRetentionDays} * 86400 * 1000;
  // Read first: most passes change nothing and must not take the write lock.
  bool work = cloud.Read<bool>([&](const State& s) {
    int64_t now_ms = cloud.Now() * 1000;
    for (const auto& [id, r] : s.guest_requests)
      if (now_ms - r.creation_time > kGuestRequestTtlMs) return true;
    for (const auto& [id, inv] : s.invocations) {
      if (now_ms - inv.creation_time > retention_ms) return true;
      for (const auto& t : inv.targets) {
        if (TargetFinished(t)) continue;
        auto it = s.instances.find(t.instance_id);
        if (it == s.instances.end() || it->second.status != InstanceStatus::kRunning) return true;
        if (t.status == "Pending" &&
            now_ms - inv.creation_time > inv.timeout * 1000 + kDeliveryGraceMs)
          return true;
      }
    }
    return false;
  });
  if (!work) return;
  (void)cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    int64_t now_ms = txn.now() * 1000;
    std::vector<std::string> drop;
    for (const auto& [id, r] : s.guest_requests)
      if (now_ms - r.creation_time > kGuestRequestTtlMs) drop.push_back(id);
    for (const auto& id : drop) txn.Erase<GuestRequest>(id);
    drop.clear();
    for (auto& [id, inv] : s.invocations) {
      if (now_ms - inv.creation_time > retention_ms) {
        drop.push_back(id);
        continue;
      }
      bool changed = false;
      for (auto& t : inv.targets) {
        if (TargetFinished(t)) continue;
        auto it = s.instances.find(t.instance_id);
        if (it == s.instances.end()) {
          Finish(t, "Failed", "InstanceReleased", "the instance was released", now_ms);
          changed = true;
        } else if (it->second.status != InstanceStatus::kRunning) {
          Finish(t, "Failed", "InstanceNotRunning",
                 "the instance is " + std::string(ToString(it->second.status)) + ", not Running",
                 now_ms);
          changed = true;
        } else if (t.status == "Pending" &&
                   now_ms - inv.creation_time > inv.timeout * 1000 + kDeliveryGraceMs) {
          Finish(t, "Failed", "DeliveryTimeout", "no host took the command up in time", now_ms);
          changed = true;
        }
      }
      if (changed) txn.Touch(inv);
    }
    for (const auto& id : drop) txn.Erase<Invocation>(id);
    return Ok();
  });
}

}  // namespace openecs
