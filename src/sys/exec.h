#pragma once
// Running programs: the OS seam the drivers use for qemu-img, mkfs and QEMU itself, and the
// network code for ip, nft, tc and dnsmasq. Tests replace it with ScopedCommandRunner.
#include <functional>
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

// The test seam: while one lives, Run (and RunOk) call `runner` instead of starting the program,
// so code that runs commands (the VPC data plane needs root for them) is unit-tested with a
// fake that records the commands and answers them. One at a time, installed before the code
// under test starts any thread; restores the real Run when it goes. Never used by the product.
using CommandRunner = std::function<Result<std::string>(const std::vector<std::string>& argv)>;
class ScopedCommandRunner {
 public:
  explicit ScopedCommandRunner(CommandRunner runner);
  ~ScopedCommandRunner();
  ScopedCommandRunner(const ScopedCommandRunner&) = delete;
  ScopedCommandRunner& operator=(const ScopedCommandRunner&) = delete;
};

// True if `name` is an executable in PATH.
bool HaveProgram(const std::string& name);

}  // namespace openecs
