#pragma once
// `ecsd audit export`: the audit trail (store/audit_log.h) of a server's data directory as JSON
// Lines on stdout, oldest first, one ActionTrail event (api/audit.h) a line. Reads the file
// directly, so it works whether or not the server runs.
#include <CLI/CLI.hpp>
#include <functional>

namespace openecs {

// Adds the subcommand; the function returned runs it if it was given (its exit code), else -1.
std::function<int()> AddAuditCommands(CLI::App& app);

}  // namespace openecs
