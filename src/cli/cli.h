#pragma once
// The `ecs` command: `ecs <Action> --Param value ...` for any action, like the aliyun CLI.
// Signs with v1 HMAC-SHA1, sends to the endpoint, prints the JSON reply. Credentials come from
// (in order) --access-key-id/--access-key-secret, the OPENECS_ACCESS_KEY_ID/SECRET environment,
// a profile in ~/.openecs/config.json (--profile), or the credentials file that `ecsd dev`
// writes (<data-dir>/credentials; --data-dir, default ./data).
#include <string>
#include <vector>

namespace openecs {

// Returns the process exit code: 0 on success, 1 on an API error (code and message on
// stderr), 2 on a usage or connection error.
int RunCli(const std::vector<std::string>& args);

// Which API version an action belongs to (VPC actions go to 2016-04-28).
std::string VersionFor(const std::string& action);

}  // namespace openecs
