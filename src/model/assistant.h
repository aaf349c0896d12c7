#pragma once
// Cloud Assistant records (issue 18): commands an account keeps, invocations of them (and file
// sends) on instances with each instance's progress, and one-shot requests to a guest's host
// (a screenshot, a diagnostic interrupt). The rules live in service/assistant_service.h; hosts
// carry the work out through the Driver (hypervisor/driver.h: the guest's agent).
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace openecs {

// A saved command (CreateCommand, or RunCommand with KeepCommand=true).
struct Command {
  std::string id;  // c-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string name;
  std::string description;
  std::string type = "RunShellScript";  // RunShellScript | RunBatScript | RunPowerShellScript
  std::string content;                  // the script, decoded
  std::string working_dir;
  int timeout = 60;  // seconds
  bool enable_parameter = false;
  std::vector<std::string> parameter_names;  // the {{name}}s in content, first seen first
  std::string launcher;
  int invoke_times = 0;
  int64_t creation_time = 0;
};

// One instance's part of an invocation. `status` is ECS's per-instance InvocationStatus:
// Pending (not yet on the guest), Running, Success (exit 0), Failed (non-zero exit, or see
// error_code), Error (the guest's agent failed it), Timeout, Stopping, Stopped.
struct InvocationTarget {
  std::string instance_id;
  std::string status = "Pending";
  bool stop = false;  // StopInvocation asked while Pending or Running
  int exit_code = 0;
  std::string output;   // stdout then stderr (24 KiB at most)
  int64_t dropped = 0;  // output bytes left out
  // ECS's per-instance ErrorCode (InstanceNotRunning, ClientNotRunning, ExecutionTimeout,
  // ExitCodeNonzero, InstanceReleased, DeliveryTimeout...) and its words.
  std::string error_code;
  std::string error_info;
  int64_t start_time = 0;   // ms, the guest began it
  int64_t finish_time = 0;  // ms
  int64_t update_time = 0;  // ms
};

// A command run on instances (InvokeCommand, RunCommand: id t-...) or a file sent to them
// (SendFile: id f-...).
struct Invocation {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string kind = "command";  // command | file
  // kind command
  std::string command_id;
  std::string command_name;
  std::string command_type = "RunShellScript";
  std::string command_content;  // as the guest runs it: parameters filled in
  std::string parameters;       // the Parameters JSON as given ("" none)
  std::string working_dir;
  std::string username = "root";
  int timeout = 60;
  // kind file
  std::string name;  // the file's name
  std::string description;
  std::string content;  // the file's bytes
  std::string target_dir;
  std::string file_mode = "0644";
  std::string file_owner = "root";
  std::string file_group = "root";
  bool overwrite = false;

  std::vector<InvocationTarget> targets;
  int64_t creation_time = 0;  // ms
};

// One request to the host of a running guest (GetInstanceScreenshot, SendDiagnosticInterrupt);
// deleted once answered and read, or when it expires unanswered.
struct GuestRequest {
  std::string id;  // gr-...
  int64_t version = 0;
  std::string account_id;
  std::string instance_id;
  std::string kind;               // screenshot | nmi
  std::string state = "pending";  // pending | done | failed
  std::string result;             // screenshot: the PNG, Base64
  std::string error;              // failed: the host's reason
  int64_t creation_time = 0;      // ms
};

// A Session Manager session (StartTerminalSession): a shell in one guest, reached through a
// WebSocket on the API server (service/session_service.h). state: Pending (made, the user's
// WebSocket not yet paired with the guest's console), Connected, Closed.
struct TerminalSession {
  std::string id;  // s-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string instance_id;
  std::string principal_id;   // who started it (the account, or a RAM user's id)
  std::string identity_type;  // Account | RamUser | AssumedRoleUser
  std::string token_sha256;   // the SecurityToken's sha256 (the token itself is never kept)
  std::string username = "root";
  std::string command_line;  // typed into the shell once connected ("" none)
  // shell: Session Manager (StartTerminalSession). screen: the web console's VNC viewer
  // (api/console_endpoint.h), a stream of the guest's screen, never listed by the API.
  std::string kind = "shell";
  std::string client_ip;          // of the StartTerminalSession call
  std::string state = "Pending";  // Pending | Connected | Closed
  std::string closed_reason;      // Closed: ended | user | guest | timeout | instance | lost
  std::string failed_detail;
  int64_t creation_time = 0;  // ms
  int64_t start_time = 0;     // ms, connected
  int64_t end_time = 0;       // ms, closed
};

// The per-instance states that are over.
bool TargetFinished(const InvocationTarget& t);
// A session not Closed (Pending or Connected).
bool SessionOpen(const TerminalSession& t);

void to_json(nlohmann::json& j, const Command& v);
void from_json(const nlohmann::json& j, Command& v);
void to_json(nlohmann::json& j, const InvocationTarget& v);
void from_json(const nlohmann::json& j, InvocationTarget& v);
void to_json(nlohmann::json& j, const Invocation& v);
void from_json(const nlohmann::json& j, Invocation& v);
void to_json(nlohmann::json& j, const GuestRequest& v);
void from_json(const nlohmann::json& j, GuestRequest& v);
void to_json(nlohmann::json& j, const TerminalSession& v);
void from_json(const nlohmann::json& j, TerminalSession& v);

}  // namespace openecs
