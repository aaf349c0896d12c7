#pragma once
// Cloud Assistant (issue 18): commands, their invocations on instances, files sent to
// instances, and one-shot requests to a guest's host (screenshot, diagnostic interrupt).
//
// - A command is a script an account keeps (model/assistant.h Command). Invoking it makes an
//   Invocation with one target per instance; each target starts Pending. A target whose
//   instance is not Running when invoked fails at once (ErrorCode InstanceNotRunning).
// - The host of each target's instance finds it in its desired state (InvocationsFor), runs it
//   in the guest through the guest's agent (Driver::RunGuestCommand) and reports Running, then
//   the outcome (ApplyInvocationReport): Success (exit 0), Failed (ExitCodeNonzero), Timeout
//   (ExecutionTimeout), Stopped (StopInvocation), Failed with ClientNotRunning when the guest's
//   agent does not answer.
// - RunAssistantPass (the server's main loop) ends targets whose instance stopped or was
//   released while Pending or Running, fails those no host took up in time (DeliveryTimeout),
//   forgets invocations older than kInvocationRetentionDays and unanswered guest requests.
// - Parameters: `{{name}}` in a command's content (spaces inside the braces ignored) is filled
//   from the invocation's Parameters when the command has EnableParameter; the built-in
//   `{{ACS::InstanceId}}`, `{{ACS::InstanceName}}`, `{{ACS::RegionId}}`, `{{ACS::InvokeId}}` and
//   `{{ACS::CommandId}}` are filled per instance by the server when it hands the work out.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/agent_protocol.h"
#include "model/assistant.h"
#include "service/cloud.h"

namespace openecs {

inline constexpr size_t kCommandContentMaxBase64 = 24 * 1024;  // ECS: 24 KB once Base64-encoded
inline constexpr size_t kFileContentMaxBase64 = 32 * 1024;     // SendFile: 32 KB
inline constexpr int kInvocationInstancesMax = 100;
inline constexpr int kCommandParametersMax = 20;
inline constexpr int kInvocationRetentionDays = 30;
// How long a Pending target may wait for its host before it fails (DeliveryTimeout), beyond
// the command's own timeout.
inline constexpr int64_t kDeliveryGraceMs = 120 * 1000;
// Guest requests (screenshot, NMI) unanswered after this are dropped.
inline constexpr int64_t kGuestRequestTtlMs = 60 * 1000;

struct CommandSpec {
  std::string name;
  std::string description;
  std::string type = "RunShellScript";
  std::string content;  // decoded
  std::string working_dir;
  int timeout = 60;
  bool enable_parameter = false;
  std::string launcher;
};

// Checks a command's fields (types, lengths, parameter names); `content_base64_size` is the
// size of the content once Base64-encoded (ECS's limit is on that).
Status CheckCommandSpec(const CommandSpec& spec);
Result<Command> CreateCommand(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const CommandSpec& spec);

struct CommandChanges {
  std::optional<std::string> name, description, working_dir, launcher;
  std::optional<int> timeout;
};
Status ModifyCommand(Cloud& cloud, const std::string& account_id, const std::string& command_id,
                     const CommandChanges& changes);
Status DeleteCommand(Cloud& cloud, const std::string& account_id, const std::string& command_id);

struct InvokeSpec {
  std::vector<std::string> instance_ids;
  std::map<std::string, std::string> parameters;
  std::string parameters_text;  // as given, for DescribeInvocations
  std::string username = "root";
  std::optional<int> timeout;  // overrides the command's
  std::optional<std::string> working_dir;
};

// Runs a kept command on instances. InvalidCmdId.NotFound, InvalidInstance.NotFound (any
// instance not the caller's), Parameter.Disabled / Parameter.NotMatched, InvalidInstance.NotMatch
// (a Windows script on a Linux guest), InstanceIds.ExceedLimit.
Result<Invocation> InvokeCommand(Cloud& cloud, const std::string& account_id,
                                 const std::string& region_id, const std::string& command_id,
                                 const InvokeSpec& invoke);
// CreateCommand + InvokeCommand in one write; without `keep` the command is not kept (its
// invocation still names its id).
Result<Invocation> RunCommand(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const CommandSpec& spec, bool keep,
                              const InvokeSpec& invoke);

struct FileSpec {
  std::string name;
  std::string description;
  std::string content;  // decoded
  std::string target_dir;
  std::string mode = "0644";
  std::string owner = "root";
  std::string group = "root";
  bool overwrite = false;
  int timeout = 60;
};
Result<Invocation> SendFile(Cloud& cloud, const std::string& account_id,
                            const std::string& region_id, const FileSpec& file,
                            const std::vector<std::string>& instance_ids);

// Stops the invocation's Pending and Running targets (those of `instance_ids`, or all): a
// Pending one ends Stopped at once, a Running one becomes Stopping until its host has killed it.
Status StopInvocation(Cloud& cloud, const std::string& account_id, const std::string& invoke_id,
                      const std::vector<std::string>& instance_ids);

// ECS's overall status of an invocation from its targets: Pending, Running, Stopping, Success,
// Failed, PartialFailed, Stopped.
std::string InvocationStatusOf(const Invocation& inv);

// --- Hosts
std::vector<DesiredInvocation> InvocationsFor(const State& s, const std::string& host_id);
void ApplyInvocationReport(Txn& txn, const std::string& host_id, const InvocationReport& report);
std::vector<DesiredGuestRequest> GuestRequestsFor(const State& s, const std::string& host_id);
void ApplyGuestRequestReport(Txn& txn, const std::string& host_id,
                             const GuestRequestReport& report);

// --- Screenshot and NMI: asks the host of the caller's running instance and waits up to
// `wait_ms` for its answer (the request is deleted once answered). IncorrectInstanceStatus
// unless Running; InvalidInstanceId.NotFound.
Result<GuestRequest> AskGuestHost(Cloud& cloud, const std::string& account_id,
                                  const std::string& instance_id, const std::string& kind,
                                  int wait_ms);

// Once a second from the server's loop (see the header comment).
void RunAssistantPass(Cloud& cloud);

}  // namespace openecs
