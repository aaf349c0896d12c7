// JSON persistence of the Cloud Assistant records (model/assistant.h). Field names are storage
// keys.
#include "model/assistant.h"
#include "model/json_macros.h"

namespace openecs {

bool TargetFinished(const InvocationTarget& t) {
  return t.status != "Pending" && t.status != "Running" && t.status != "Stopping";
}

bool SessionOpen(const TerminalSession& t) { return t.state != "Closed"; }

OPENECS_JSON(Command, id, version, account_id, region_id, name, description, type, content,
             working_dir, timeout, enable_parameter, parameter_names, launcher, invoke_times,
             creation_time)
OPENECS_JSON(InvocationTarget, instance_id, status, stop, exit_code, output, dropped, error_code,
             error_info, start_time, finish_time, update_time)
OPENECS_JSON(Invocation, id, version, account_id, region_id, kind, command_id, command_name,
             command_type, command_content, parameters, working_dir, username, timeout, name,
             description, content, target_dir, file_mode, file_owner, file_group, overwrite,
             targets, creation_time)
OPENECS_JSON(GuestRequest, id, version, account_id, instance_id, kind, state, result, error,
             creation_time)
OPENECS_JSON(TerminalSession, id, version, account_id, region_id, instance_id, principal_id, kind,
             identity_type, token_sha256, username, command_line, client_ip, state, closed_reason,
             failed_detail, creation_time, start_time, end_time)

}  // namespace openecs
