#pragma once
// `ecsd operator ...` and `ecsd prices`: the operator's commands to a running server, over its
// operator routes (api/operator_endpoint.h), found through <data-dir>/credentials (endpoint)
// and <data-dir>/operator-token.
#include <CLI/CLI.hpp>
#include <functional>

namespace openecs {

// Adds the subcommands to `app`; returns the function that runs the one parsed (or null).
std::function<int()> AddOperatorCommands(CLI::App& app);

}  // namespace openecs
