#include "sys/exec.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace openecs {

namespace {
CommandRunner* test_runner = nullptr;  // set only by ScopedCommandRunner (tests)
}  // namespace

ScopedCommandRunner::ScopedCommandRunner(CommandRunner runner) {
  test_runner = new CommandRunner(std::move(runner));
}
ScopedCommandRunner::~ScopedCommandRunner() {
  delete test_runner;
  test_runner = nullptr;
}

Result<std::string> Run(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError(ErrorCode::kInternalError, "exec: empty command");
  if (test_runner) return (*test_runner)(argv);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0)
    return MakeError(ErrorCode::kInternalError, std::string("exec: pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // Nothing else of ours reaches the child: a daemonised QEMU must not keep the API's
  // listening socket (or any other descriptor) open after ecsd exits.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return MakeError(ErrorCode::kInternalError,
                     "exec: cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    if (out.size() > 2000) out = out.substr(out.size() - 2000);
    return MakeError(ErrorCode::kInternalError,
                     cmd + " failed (" +
                         (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                            : std::string("signal")) +
                         "): " + out);
  }
  return out;
}

bool HaveProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    std::string dir =
        p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

Status RunOk(const std::vector<std::string>& argv) {
  auto r = Run(argv);
  if (!r.ok()) return r.error();
  return Ok();
}

}  // namespace openecs
