// The fake hypervisor's session console (Session Manager in emulator mode): see fake_driver.h.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "hypervisor/fake/fake_driver.h"

namespace openecs {
namespace {

bool Put(int fd, const std::string& s) {
  return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// The emulated shell: echoes what is typed as a terminal does, answers a line when Enter comes.
void EmulatedShell(int fd, std::string hostname) {
  std::string line;
  bool ok = Put(fd, "# ");
  char buf[4096];
  while (ok) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && ok; ++i) {
      char ch = buf[i];
      if (ch == '\n' && !line.empty() && line.back() == '\r') continue;
      if (ch != '\r' && ch != '\n') {
        if (ch == 0x7f || ch == '\b') {
          if (!line.empty()) line.pop_back();
          ok = Put(fd, "\b \b");
        } else if (ch == 0x03) {  // Ctrl-C
          line.clear();
          ok = Put(fd, "^C\r\n# ");
        } else {
          line.push_back(ch);
          ok = Put(fd, std::string(1, ch));
        }
        continue;
      }
      std::string out = "\r\n";
      if (line == "exit") {
        (void)Put(fd, out);
        ok = false;
        break;
      }
      if (line.rfind("echo ", 0) == 0)
        out += line.substr(5) + "\r\n";
      else if (line == "hostname")
        out += hostname + "\r\n";
      else if (!line.empty())
        out += "sh: " + line.substr(0, line.find(' ')) + ": not found (emulated shell)\r\n";
      line.clear();
      ok = Put(fd, out + "# ");
    }
  }
  ::close(fd);
}

}  // namespace

Result<int> FakeDriver::OpenSessionStream(const std::string& id) {
  if (Info(id).power != PowerState::kRunning)
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "fake hypervisor: no running guest " + id);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return MakeError(ErrorCode::kInternalError, "socketpair failed");
  std::thread(EmulatedShell, fds[1], id).detach();
  return fds[0];
}

}  // namespace openecs
