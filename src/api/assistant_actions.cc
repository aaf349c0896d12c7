// Cloud Assistant actions (issue 18): CreateCommand, DescribeCommands, ModifyCommand,
// DeleteCommand, InvokeCommand, RunCommand, DescribeInvocations, DescribeInvocationResults,
// StopInvocation, SendFile, DescribeSendFileResults, DescribeCloudAssistantStatus; and the
// guest's screen and NMI: GetInstanceScreenshot, SendDiagnosticInterrupt. Rules live in
// service/assistant_service.h; this file parses parameters and renders the SDK's shapes.
#include <algorithm>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "service/assistant_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

std::string IsoMs(int64_t ms) { return ms ? FormatIso(ms / 1000) : ""; }

// ContentEncoding of replies (and of CommandContent in RunCommand): Base64 by default.
Result<bool> Base64Replies(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(auto enc, p.Enum("ContentEncoding", {"PlainText", "Base64"}));
  return !enc || *enc == "Base64";
}

std::string Encoded(const std::string& text, bool base64) {
  return base64 ? Base64Encode(text) : text;
}

// CommandContent: Base64 for CreateCommand; for RunCommand as ContentEncoding says.
Result<std::string> ContentOf(const Params& p, bool base64) {
  OPENECS_ASSIGN_OR_RETURN(std::string raw, p.Required("CommandContent"));
  if (raw.size() > kCommandContentMaxBase64 * 2)
    return MakeError(ErrorCode::kCmdContentExceedLimit);
  if (!base64) return raw;
  auto decoded = Base64Decode(raw);
  if (!decoded)
    return MakeError(
        ErrorCode::kInvalidCommandContent,
        "CommandContent is not valid Base64 (set ContentEncoding=PlainText for text).");
  return *decoded;
}

Result<CommandSpec> CommandSpecOf(const Params& p, bool content_base64) {
  CommandSpec spec;
  OPENECS_ASSIGN_OR_RETURN(spec.content, ContentOf(p, content_base64));
  OPENECS_ASSIGN_OR_RETURN(spec.type, p.Required("Type"));
  spec.name = p.GetOr("Name", "");
  spec.description = p.GetOr("Description", "");
  spec.working_dir = p.GetOr("WorkingDir", "");
  spec.launcher = p.GetOr("Launcher", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t timeout, p.IntOr("Timeout", 60, 10, 86400));
  spec.timeout = static_cast<int>(timeout);
  OPENECS_ASSIGN_OR_RETURN(spec.enable_parameter, p.Bool("EnableParameter", false));
  return spec;
}

// InstanceId.N, Parameters, Username, Timeout, WorkingDir of InvokeCommand / RunCommand. Only
// RepeatMode Once is carried out (scheduled and per-boot runs are refused, not ignored).
Result<InvokeSpec> InvokeSpecOf(const Params& p) {
  InvokeSpec spec;
  spec.instance_ids = p.RepeatList("InstanceId");
  if (auto mode = p.Get("RepeatMode"); mode && !mode->empty() && *mode != "Once")
    return MakeError(ErrorCode::kInvalidParameter,
                     "OpenECS runs commands once (RepeatMode=Once); Period, NextRebootOnly and "
                     "EveryReboot are not supported.");
  OPENECS_ASSIGN_OR_RETURN(bool timed, p.Bool("Timed", false));
  if (timed) return MakeError(ErrorCode::kInvalidParameter, "Timed commands are not supported.");
  if (auto text = p.Get("Parameters"); text && !text->empty()) {
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object())
      return MakeError(ErrorCode::kInvalidParameter, "Parameters must be a JSON object.");
    for (const auto& [k, v] : j.items())
      spec.parameters[k] = v.is_string() ? v.get<std::string>() : v.dump();
    spec.parameters_text = *text;
  }
  spec.username = p.GetOr("Username", "root");
  if (spec.username.size() > 255) return MakeError(ErrorCode::kUsernameExceedLimit);
  OPENECS_ASSIGN_OR_RETURN(auto timeout, p.Int("Timeout", 10, 86400));
  if (timeout) spec.timeout = static_cast<int>(*timeout);
  if (auto wd = p.Get("WorkingDir"); wd && !wd->empty()) spec.working_dir = *wd;
  return spec;
}

json CommandJson(const Command& c, bool base64) {
  json names = json::array();
  for (const auto& n : c.parameter_names) names.push_back(n);
  return {{"CommandId", c.id},
          {"Name", c.name},
          {"Description", c.description},
          {"Type", c.type},
          {"CommandContent", Encoded(c.content, base64)},
          {"WorkingDir", c.working_dir},
          {"Timeout", c.timeout},
          {"EnableParameter", c.enable_parameter},
          {"ParameterNames", {{"ParameterName", names}}},
          {"ParameterDefinitions", {{"ParameterDefinition", json::array()}}},
          {"InvokeTimes", c.invoke_times},
          {"CreationTime", FormatIso(c.creation_time)},
          {"Launcher", c.launcher},
          {"Provider", ""},
          {"Category", ""},
          {"Latest", true},
          {"Version", 1},
          {"ResourceGroupId", ""},
          {"Tags", {{"Tag", json::array()}}}};
}

// The deprecated per-instance InstanceInvokeStatus / InvokeRecordStatus of a target.
std::string RecordStatus(const InvocationTarget& t) {
  if (t.status == "Pending" || t.status == "Running") return "Running";
  if (t.status == "Stopping") return "Stopping";
  if (t.status == "Stopped") return "Stopped";
  if (t.status == "Success") return "Finished";
  return "Failed";
}

// The deprecated overall InvokeStatus: Running | Finished | Failed | PartialFinished | Stopped.
std::string InvokeStatusOf(const std::string& status) {
  if (status == "Success") return "Finished";
  if (status == "PartialFailed") return "PartialFinished";
  if (status == "Pending" || status == "Stopping") return "Running";
  return status;
}

// Fields of features OpenECS does not have (containers, OSS output delivery, termination modes),
// sent empty as ECS does when they are unused.
void Unused(json& j, std::initializer_list<const char*> fields) {
  for (const char* f : fields) j[f] = "";
}

json TargetJson(const InvocationTarget& t, bool base64, bool with_output) {
  json j = {{"InstanceId", t.instance_id},
            {"InvocationStatus", t.status},
            {"InstanceInvokeStatus", RecordStatus(t)},
            {"ExitCode", t.exit_code},
            {"Output", with_output ? Encoded(t.output, base64) : ""},
            {"Dropped", t.dropped},
            {"ErrorCode", t.error_code},
            {"ErrorInfo", t.error_info},
            {"CreationTime", IsoMs(t.update_time ? t.update_time : t.start_time)},
            {"StartTime", IsoMs(t.start_time)},
            {"FinishTime", IsoMs(t.finish_time)},
            {"StopTime", t.status == "Stopped" ? IsoMs(t.finish_time) : ""},
            {"UpdateTime", IsoMs(t.update_time)},
            {"Repeats", t.start_time ? 1 : 0},
            {"Timed", false}};
  Unused(j, {"OssOutputErrorCode", "OssOutputErrorInfo", "OssOutputStatus", "OssOutputUri"});
  return j;
}

// The caller's invocations of `kind`, newest first, filtered by `keep`.
template <typename F>
std::vector<const Invocation*> InvocationsOf(const State& s, const ApiContext& c,
                                             const std::string& kind, F&& keep) {
  std::vector<const Invocation*> out;
  for (const auto& [id, inv] : Owned(s.invocations, c.account_id))
    if (inv.kind == kind && inv.region_id == c.region_id && keep(inv)) out.push_back(&inv);
  std::sort(out.begin(), out.end(), [](const Invocation* a, const Invocation* b) {
    return a->creation_time != b->creation_time ? a->creation_time > b->creation_time
                                                : a->id > b->id;
  });
  return out;
}

bool HasTarget(const Invocation& inv, const std::string& instance_id) {
  return std::any_of(inv.targets.begin(), inv.targets.end(),
                     [&](const InvocationTarget& t) { return t.instance_id == instance_id; });
}

// These lists answer NextToken always ("" on the last page), as ECS does.
void WithToken(json& reply) {
  if (!reply.contains("NextToken")) reply["NextToken"] = "";
}

const PageSpec kAssistantPages{.page_size_default = 10,
                               .page_size_max = 50,
                               .max_results_default = 10,
                               .max_results_min = 1,
                               .max_results_max = 50};

Result<json> CreateCommandAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(bool base64, Base64Replies(c.params));
  OPENECS_ASSIGN_OR_RETURN(CommandSpec spec, CommandSpecOf(c.params, base64));
  OPENECS_ASSIGN_OR_RETURN(Command made, CreateCommand(c.cloud, c.account_id, c.region_id, spec));
  return json{{"CommandId", made.id}};
}

Result<json> DescribeCommandsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(bool base64, Base64Replies(p));
  if (auto provider = p.Get("Provider"); provider && !provider->empty()) {
    // OpenECS has no public commands: a provider's list is empty.
    json reply{{"Commands", {{"Command", json::array()}}}};
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, 0, kAssistantPages));
    page.Render(reply, 0);
    WithToken(reply);
    return reply;
  }
  auto id = p.Get("CommandId");
  auto name = p.Get("Name");
  auto type = p.Get("Type");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Command*> matched;
    for (const auto& [cid, cmd] : Owned(s.commands, c.account_id)) {
      if (cmd.region_id != c.region_id) continue;
      if (id && !id->empty() && cid != *id) continue;
      if (name && !name->empty() && cmd.name != *name) continue;
      if (type && !type->empty() && cmd.type != *type) continue;
      matched.push_back(&cmd);
    }
    std::reverse(matched.begin(), matched.end());  // newest first
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), kAssistantPages));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) arr.push_back(CommandJson(*matched[k], base64));
    json reply{{"Commands", {{"Command", arr}}}};
    page.Render(reply, matched.size());
    WithToken(reply);
    return reply;
  });
}

Result<json> ModifyCommandAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("CommandId"));
  CommandChanges changes;
  changes.name = p.Get("Name");
  changes.description = p.Get("Description");
  changes.working_dir = p.Get("WorkingDir");
  changes.launcher = p.Get("Launcher");
  OPENECS_ASSIGN_OR_RETURN(auto timeout, p.Int("Timeout", 10, 86400));
  if (timeout) changes.timeout = static_cast<int>(*timeout);
  OPENECS_RETURN_IF_ERROR(ModifyCommand(c.cloud, c.account_id, id, changes));
  return json::object();
}

Result<json> DeleteCommandAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("CommandId"));
  OPENECS_RETURN_IF_ERROR(DeleteCommand(c.cloud, c.account_id, id));
  return json::object();
}

Result<json> InvokeCommandAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("CommandId"));
  OPENECS_ASSIGN_OR_RETURN(InvokeSpec spec, InvokeSpecOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(Invocation inv,
                           InvokeCommand(c.cloud, c.account_id, c.region_id, id, spec));
  return json{{"InvokeId", inv.id}};
}

Result<json> RunCommandAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto enc, p.Enum("ContentEncoding", {"PlainText", "Base64"}));
  OPENECS_ASSIGN_OR_RETURN(CommandSpec spec, CommandSpecOf(p, enc && *enc == "Base64"));
  if (spec.name.empty()) spec.name = "RunCommand";  // optional here, unlike CreateCommand
  OPENECS_ASSIGN_OR_RETURN(bool keep, p.Bool("KeepCommand", false));
  OPENECS_ASSIGN_OR_RETURN(InvokeSpec invoke, InvokeSpecOf(p));
  OPENECS_ASSIGN_OR_RETURN(Invocation inv,
                           RunCommand(c.cloud, c.account_id, c.region_id, spec, keep, invoke));
  return json{{"CommandId", inv.command_id}, {"InvokeId", inv.id}};
}

Result<json> DescribeInvocationsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(bool base64, Base64Replies(p));
  OPENECS_ASSIGN_OR_RETURN(bool with_output, p.Bool("IncludeOutput", false));
  auto invoke_id = p.Get("InvokeId");
  auto command_id = p.Get("CommandId");
  auto command_name = p.Get("CommandName");
  auto command_type = p.Get("CommandType");
  auto instance_id = p.Get("InstanceId");
  auto status = p.Get("InvokeStatus");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    auto matched = InvocationsOf(s, c, "command", [&](const Invocation& inv) {
      std::string overall = InvocationStatusOf(inv);
      return (!invoke_id || invoke_id->empty() || inv.id == *invoke_id) &&
             (!command_id || command_id->empty() || inv.command_id == *command_id) &&
             (!command_name || command_name->empty() || inv.command_name == *command_name) &&
             (!command_type || command_type->empty() || inv.command_type == *command_type) &&
             (!instance_id || instance_id->empty() || HasTarget(inv, *instance_id)) &&
             (!status || status->empty() || overall == *status ||
              InvokeStatusOf(overall) == *status);
    });
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), kAssistantPages));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const Invocation& inv = *matched[k];
      json targets = json::array();
      for (const auto& t : inv.targets) targets.push_back(TargetJson(t, base64, with_output));
      std::string overall = InvocationStatusOf(inv);
      arr.push_back({{"InvokeId", inv.id},
                     {"CommandId", inv.command_id},
                     {"CommandName", inv.command_name},
                     {"CommandType", inv.command_type},
                     {"CommandContent", Encoded(inv.command_content, base64)},
                     {"CommandDescription", ""},
                     {"Parameters", inv.parameters},
                     {"InvocationStatus", overall},
                     {"InvokeStatus", InvokeStatusOf(overall)},
                     {"RepeatMode", "Once"},
                     {"Frequency", ""},
                     {"Timed", false},
                     {"Timeout", inv.timeout},
                     {"Username", inv.username},
                     {"WorkingDir", inv.working_dir},
                     {"CreationTime", IsoMs(inv.creation_time)},
                     {"InvokeInstances", {{"InvokeInstance", targets}}},
                     {"Tags", {{"Tag", json::array()}}}});
      Unused(arr.back(),
             {"ContainerId", "ContainerName", "Launcher", "OssOutputDelivery", "TerminationMode"});
    }
    json reply{{"Invocations", {{"Invocation", arr}}}};
    page.Render(reply, matched.size());
    WithToken(reply);
    return reply;
  });
}

Result<json> DescribeInvocationResultsAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(bool base64, Base64Replies(p));
  auto invoke_id = p.Get("InvokeId");
  auto command_id = p.Get("CommandId");
  auto instance_id = p.Get("InstanceId");
  auto record_status = p.Get("InvokeRecordStatus");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    auto invs = InvocationsOf(s, c, "command", [&](const Invocation& inv) {
      return (!invoke_id || invoke_id->empty() || inv.id == *invoke_id) &&
             (!command_id || command_id->empty() || inv.command_id == *command_id);
    });
    std::vector<std::pair<const Invocation*, const InvocationTarget*>> rows;
    for (const Invocation* inv : invs)
      for (const auto& t : inv->targets) {
        if (instance_id && !instance_id->empty() && t.instance_id != *instance_id) continue;
        if (record_status && !record_status->empty() && RecordStatus(t) != *record_status) continue;
        rows.push_back({inv, &t});
      }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, rows.size(), kAssistantPages));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const auto& [inv, t] = rows[k];
      arr.push_back({{"InvokeId", inv->id},
                     {"CommandId", inv->command_id},
                     {"InstanceId", t->instance_id},
                     {"InvocationStatus", t->status},
                     {"InvokeRecordStatus", RecordStatus(*t)},
                     {"ExitCode", t->exit_code},
                     {"Output", Encoded(t->output, base64)},
                     {"Dropped", t->dropped},
                     {"ErrorCode", t->error_code},
                     {"ErrorInfo", t->error_info},
                     {"StartTime", IsoMs(t->start_time)},
                     {"FinishedTime", IsoMs(t->finish_time)},
                     {"StopTime", t->status == "Stopped" ? IsoMs(t->finish_time) : ""},
                     {"Repeats", t->start_time ? 1 : 0},
                     {"Username", inv->username},
                     {"Tags", {{"Tag", json::array()}}}});
      Unused(arr.back(),
             {"ContainerId", "ContainerName", "Launcher", "OssOutputDelivery", "OssOutputErrorCode",
              "OssOutputErrorInfo", "OssOutputStatus", "OssOutputUri", "TerminationMode"});
    }
    json inner{{"InvocationResults", {{"InvocationResult", arr}}}};
    page.Render(inner, rows.size());
    WithToken(inner);
    return json{{"Invocation", inner}};
  });
}

Result<json> StopInvocationAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InvokeId"));
  OPENECS_RETURN_IF_ERROR(
      StopInvocation(c.cloud, c.account_id, id, c.params.RepeatList("InstanceId")));
  return json::object();
}

Result<json> SendFileAction(ApiContext& c) {
  const Params& p = c.params;
  FileSpec f;
  OPENECS_ASSIGN_OR_RETURN(f.name, p.Required("Name"));
  OPENECS_ASSIGN_OR_RETURN(f.target_dir, p.Required("TargetDir"));
  OPENECS_ASSIGN_OR_RETURN(std::string content, p.Required("Content"));
  auto type = p.GetOr("ContentType", "PlainText");
  if (type != "PlainText" && type != "Base64")
    return MakeError(ErrorCode::kInvalidParameter, "ContentType must be PlainText or Base64.");
  if (content.size() > kFileContentMaxBase64 * 2) return MakeError(ErrorCode::kFileSizeExceedLimit);
  if (type == "Base64") {
    auto decoded = Base64Decode(content);
    if (!decoded) return MakeError(ErrorCode::kFileContentDecodeError);
    f.content = *decoded;
  } else {
    f.content = content;
  }
  f.description = p.GetOr("Description", "");
  f.mode = p.GetOr("FileMode", "0644");
  f.owner = p.GetOr("FileOwner", "root");
  f.group = p.GetOr("FileGroup", "root");
  OPENECS_ASSIGN_OR_RETURN(f.overwrite, p.Bool("Overwrite", false));
  OPENECS_ASSIGN_OR_RETURN(int64_t timeout, p.IntOr("Timeout", 60, 10, 86400));
  f.timeout = static_cast<int>(timeout);
  OPENECS_ASSIGN_OR_RETURN(
      Invocation inv, SendFile(c.cloud, c.account_id, c.region_id, f, p.RepeatList("InstanceId")));
  return json{{"InvokeId", inv.id}};
}

Result<json> DescribeSendFileResultsAction(ApiContext& c) {
  const Params& p = c.params;
  auto invoke_id = p.Get("InvokeId");
  auto instance_id = p.Get("InstanceId");
  auto name = p.Get("Name");
  auto status = p.Get("InvocationStatus");
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    auto matched = InvocationsOf(s, c, "file", [&](const Invocation& inv) {
      return (!invoke_id || invoke_id->empty() || inv.id == *invoke_id) &&
             (!instance_id || instance_id->empty() || HasTarget(inv, *instance_id)) &&
             (!name || name->empty() || inv.name == *name) &&
             (!status || status->empty() || InvocationStatusOf(inv) == *status);
    });
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), kAssistantPages));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const Invocation& inv = *matched[k];
      json targets = json::array();
      for (const auto& t : inv.targets) {
        json tj = TargetJson(t, false, false);
        tj.erase("Output");
        targets.push_back(std::move(tj));
      }
      arr.push_back({{"InvokeId", inv.id},
                     {"Name", inv.name},
                     {"Description", inv.description},
                     {"Content", inv.content},
                     {"ContentType", "PlainText"},
                     {"TargetDir", inv.target_dir},
                     {"FileMode", inv.file_mode},
                     {"FileOwner", inv.file_owner},
                     {"FileGroup", inv.file_group},
                     {"Overwrite", inv.overwrite ? "true" : "false"},
                     {"InvocationStatus", InvocationStatusOf(inv)},
                     {"CreationTime", IsoMs(inv.creation_time)},
                     {"VmCount", inv.targets.size()},
                     {"InvokeInstances", {{"InvokeInstance", targets}}},
                     {"Tags", {{"Tag", json::array()}}}});
    }
    json reply{{"Invocations", {{"Invocation", arr}}}};
    page.Render(reply, matched.size());
    WithToken(reply);
    return reply;
  });
}

Result<json> DescribeCloudAssistantStatusAction(ApiContext& c) {
  const Params& p = c.params;
  std::vector<std::string> ids = p.RepeatList("InstanceId");
  if (ids.size() > 50) return MakeError(ErrorCode::kInstanceIdsExceedLimit);
  OPENECS_ASSIGN_OR_RETURN(auto os, p.Enum("OSType", {"Windows", "Linux", "FreeBSD"}));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Instance*> matched;
    if (!ids.empty()) {
      for (const auto& id : ids) {
        const Instance* inst = FindOwned(s.instances, id, c.account_id);
        if (!inst || inst->region_id != c.region_id)
          return MakeError(ErrorCode::kInvalidInstanceNotFound,
                           "The specified instance " + id + " does not exist.");
        matched.push_back(inst);
      }
    } else {
      for (const auto& [id, inst] : Owned(s.instances, c.account_id))
        if (inst.region_id == c.region_id) matched.push_back(&inst);
    }
    if (os && *os != "Linux") matched.clear();  // every OpenECS guest runs Linux
    // Per instance: invocations, those under way, the last one's time.
    std::map<std::string, std::tuple<int, int, int64_t>> use;
    for (const auto& [id, inv] : Owned(s.invocations, c.account_id))
      for (const auto& t : inv.targets) {
        auto& [count, active, last] = use[t.instance_id];
        ++count;
        if (!TargetFinished(t)) ++active;
        last = std::max(last, inv.creation_time);
      }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), kAssistantPages));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const Instance& inst = *matched[k];
      GuestHeartbeat beat = c.cloud.GuestAgent(inst.id);
      bool alive = beat.alive && inst.status == InstanceStatus::kRunning;
      auto [count, active, last] = use[inst.id];
      arr.push_back({{"InstanceId", inst.id},
                     {"CloudAssistantStatus", alive ? "true" : "false"},
                     {"CloudAssistantVersion", beat.last_alive_ms ? "qemu-guest-agent" : ""},
                     {"LastHeartbeatTime", IsoMs(beat.last_alive_ms)},
                     {"InvocationCount", count},
                     {"ActiveTaskCount", active},
                     {"LastInvokedTime", IsoMs(last)},
                     {"OSType", "Linux"},
                     {"SupportSessionManager", false}});
    }
    json reply{{"InstanceCloudAssistantStatusSet", {{"InstanceCloudAssistantStatus", arr}}}};
    page.Render(reply, matched.size());
    WithToken(reply);
    return reply;
  });
}

Result<json> GetInstanceScreenshotAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(GuestRequest r,
                           AskGuestHost(c.cloud, c.account_id, id, "screenshot", 20000));
  return json{{"InstanceId", id}, {"Screenshot", r.result}};
}

Result<json> SendDiagnosticInterruptAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(bool dry, DryRunOf(c.params));
  if (dry) {
    bool ok = c.cloud.Read<bool>([&](const State& s) {
      const Instance* inst = FindOwned(s.instances, id, c.account_id);
      return inst && inst->status == InstanceStatus::kRunning;
    });
    if (!ok) return MakeError(ErrorCode::kIncorrectInstanceStatus, "The instance must be Running.");
    return DryRunOk();
  }
  auto asked = AskGuestHost(c.cloud, c.account_id, id, "nmi", 20000);
  if (!asked.ok()) return asked.error();
  return json::object();
}

}  // namespace

void RegisterAssistantActions(ActionTable& t) {
  t[{kEcsVersion, "CreateCommand"}] = {CreateCommandAction, true, true};
  t[{kEcsVersion, "DescribeCommands"}] = {DescribeCommandsAction};
  t[{kEcsVersion, "ModifyCommand"}] = {ModifyCommandAction};
  t[{kEcsVersion, "DeleteCommand"}] = {DeleteCommandAction};
  t[{kEcsVersion, "InvokeCommand"}] = {InvokeCommandAction, true, true};
  t[{kEcsVersion, "RunCommand"}] = {RunCommandAction, true, true};
  t[{kEcsVersion, "DescribeInvocations"}] = {DescribeInvocationsAction};
  t[{kEcsVersion, "DescribeInvocationResults"}] = {DescribeInvocationResultsAction};
  t[{kEcsVersion, "StopInvocation"}] = {StopInvocationAction};
  t[{kEcsVersion, "SendFile"}] = {SendFileAction, true, true};
  t[{kEcsVersion, "DescribeSendFileResults"}] = {DescribeSendFileResultsAction};
  t[{kEcsVersion, "DescribeCloudAssistantStatus"}] = {DescribeCloudAssistantStatusAction};
  t[{kEcsVersion, "GetInstanceScreenshot"}] = {GetInstanceScreenshotAction};
  t[{kEcsVersion, "SendDiagnosticInterrupt"}] = {SendDiagnosticInterruptAction, false};
}

}  // namespace openecs
