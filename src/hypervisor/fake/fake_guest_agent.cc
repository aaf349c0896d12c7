// The fake hypervisor's guest agent (Cloud Assistant in emulator mode): see fake_driver.h.
#include <chrono>
#include <sstream>
#include <thread>

#include "common/crypto.h"
#include "hypervisor/fake/fake_driver.h"

namespace openecs {
namespace {

Error NotRunning(const std::string& id) {
  return MakeError(ErrorCode::kIncorrectInstanceStatus, "fake hypervisor: no running guest " + id);
}

std::string Trim(std::string s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// `echo` with its words as a shell would print them: quotes removed.
std::string EchoWords(const std::string& args) {
  std::string out;
  for (char ch : args)
    if (ch != '"' && ch != '\'') out += ch;
  return out;
}

}  // namespace

bool FakeDriver::GuestAgentAlive(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vms_.find(id);
  return it != vms_.end() && it->second.power == PowerState::kRunning && !agent_silent_.count(id);
}

void FakeDriver::SetAgentAlive(const std::string& id, bool alive) {
  std::lock_guard<std::mutex> lock(mu_);
  if (alive)
    agent_silent_.erase(id);
  else
    agent_silent_.insert(id);
}

Result<GuestCommandResult> FakeDriver::RunGuestCommand(const std::string& id,
                                                       const GuestCommand& cmd,
                                                       const std::atomic<bool>& stop,
                                                       const std::function<void()>& started) {
  if (!GuestAgentAlive(id))
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "fake hypervisor: the guest agent of " + id + " does not answer");
  if (started) started();
  GuestCommandResult r;
  std::string out, err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cmd.timeout_s);
  std::istringstream lines(cmd.script);
  for (std::string line; std::getline(lines, line);) {
    line = Trim(line);
    auto word_end = line.find(' ');
    std::string verb = line.substr(0, word_end);
    std::string args = word_end == std::string::npos ? "" : Trim(line.substr(word_end + 1));
    if (verb == "echo") {
      bool to_err = args.size() >= 3 && args.compare(args.size() - 3, 3, ">&2") == 0;
      if (to_err) args = Trim(args.substr(0, args.size() - 3));
      (to_err ? err : out) += EchoWords(args) + "\n";
    } else if (verb == "cat") {
      std::lock_guard<std::mutex> lock(mu_);
      auto files = files_.find(id);
      auto f = files == files_.end() ? decltype(files->second.end()){} : files->second.find(args);
      if (files != files_.end() && f != files->second.end())
        out += f->second;
      else
        err += "cat: can't open '" + args + "': No such file or directory\n";
    } else if (verb == "sleep") {
      double seconds = std::atof(args.c_str());
      auto until = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
      while (std::chrono::steady_clock::now() < until) {
        if (stop) {
          r.stopped = true;
          break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          r.timed_out = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (r.stopped || r.timed_out) {
        r.exit_code = -1;
        break;
      }
    } else if (verb == "exit") {
      r.exit_code = std::atoi(args.c_str());
      break;
    }
    if (!GuestAgentAlive(id))
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "fake hypervisor: " + id + " stopped while the command ran");
  }
  r.output = out + err;
  if (r.output.size() > kGuestOutputMax) {
    r.dropped = static_cast<int64_t>(r.output.size() - kGuestOutputMax);
    r.output.resize(kGuestOutputMax);
  }
  return r;
}

Status FakeDriver::WriteGuestFile(const std::string& id, const GuestFile& file) {
  if (!GuestAgentAlive(id))
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "fake hypervisor: the guest agent of " + id + " does not answer");
  std::string path = file.directory;
  if (path.empty() || path.back() != '/') path += '/';
  path += file.name;
  std::lock_guard<std::mutex> lock(mu_);
  auto& files = files_[id];
  if (!file.overwrite && files.count(path))
    return MakeError(ErrorCode::kInvalidParameter, "the file " + path + " exists");
  files[path] = file.content;
  return Ok();
}

Result<std::string> FakeDriver::Screenshot(const std::string& id) {
  if (Info(id).power != PowerState::kRunning) return NotRunning(id);
  // A black 1x1 PNG.
  return *Base64Decode(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJg"
      "gg==");
}

Status FakeDriver::DiagnosticInterrupt(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vms_.find(id);
  if (it == vms_.end() || it->second.power != PowerState::kRunning) return NotRunning(id);
  ++nmis_[id];
  return Ok();
}

}  // namespace openecs
