#pragma once
// Running programs: the OS seam the drivers use for qemu-img, mkfs and QEMU itself.
#include <string>
#include <vector>

#include "common/result.h"

namespace openecs {

// Runs argv[0] (looked up in PATH) with the arguments, waits, and returns its combined
// stdout/stderr. A non-zero exit is an error whose message names the program and quotes its
// output. Never throws; thread-safe.
Result<std::string> Run(const std::vector<std::string>& argv);

// Run() for commands whose output does not matter.
Status RunOk(const std::vector<std::string>& argv);

// True if `name` is an executable in PATH.
bool HaveProgram(const std::string& name);

}  // namespace openecs
