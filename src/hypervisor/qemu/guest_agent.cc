#include "hypervisor/qemu/guest_agent.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "common/clock.h"
#include "common/json_dump.h"

namespace openecs {
namespace {
Error QgaError(const std::string& what) {
  return MakeError(ErrorCode::kInternalError, "guest agent: " + what);
}
}  // namespace

GuestAgentClient::~GuestAgentClient() { Close(); }

void GuestAgentClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status GuestAgentClient::Connect(const std::string& path, int timeout_ms) {
  Close();
  int64_t deadline = SteadyMillis() + timeout_ms;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return QgaError("socket path too long: " + path);
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return QgaError(std::string("socket: ") + std::strerror(errno));
  // QEMU listens from its start (server=on,wait=off): no retry, a missing socket means no QEMU.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return QgaError("the guest's agent channel is not open (is the instance running?)");
  }
  fd_ = fd;
  // The 0xFF first makes the agent drop whatever half request an earlier client left behind.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t id = static_cast<int64_t>(rng() >> 2);
  if (::send(fd_, "\xff", 1, MSG_NOSIGNAL) != 1) {
    Close();
    return QgaError("write failed");
  }
  OPENECS_RETURN_IF_ERROR(Send({{"execute", "guest-sync-delimited"}, {"arguments", {{"id", id}}}}));
  // Replies to earlier clients (and their sync replies) may come first: skip to each 0xFF and
  // take the line after it until it carries our id.
  while (true) {
    if (Status st = SkipToDelimiter(deadline); !st.ok()) {
      Close();
      return QgaError("no answer from the guest's agent (not installed or not started yet)");
    }
    auto reply = ReadLine(deadline);
    if (!reply.ok()) {
      Close();
      return reply.error();
    }
    if (reply->contains("return") && (*reply)["return"] == id) return Ok();
  }
}

Status GuestAgentClient::Send(const nlohmann::json& request) {
  if (fd_ < 0) return QgaError("not connected");
  std::string line = DumpJson(request) + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Close();
      return QgaError("write failed");
    }
    off += static_cast<size_t>(n);
  }
  return Ok();
}

Status GuestAgentClient::Fill(int64_t deadline_ms) {
  while (true) {
    int64_t left = deadline_ms - SteadyMillis();
    if (left <= 0) return QgaError("timed out waiting for the guest's agent");
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char buf[16384];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return QgaError("the agent channel closed (QEMU exited)");
    buffer_.append(buf, static_cast<size_t>(n));
    return Ok();
  }
}

Status GuestAgentClient::SkipToDelimiter(int64_t deadline_ms) {
  while (true) {
    size_t ff = buffer_.find('\xff');
    if (ff != std::string::npos) {
      buffer_.erase(0, ff + 1);
      return Ok();
    }
    buffer_.clear();
    OPENECS_RETURN_IF_ERROR(Fill(deadline_ms));
  }
}

Result<nlohmann::json> GuestAgentClient::ReadLine(int64_t deadline_ms) {
  while (true) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      return j;
    }
    if (Status st = Fill(deadline_ms); !st.ok()) {
      Close();
      return st.error();
    }
  }
}

Result<nlohmann::json> GuestAgentClient::Execute(const std::string& command,
                                                 const nlohmann::json& arguments, int timeout_ms) {
  nlohmann::json req = {{"execute", command}};
  if (!arguments.is_null()) req["arguments"] = arguments;
  OPENECS_RETURN_IF_ERROR(Send(req));
  int64_t deadline = SteadyMillis() + timeout_ms;
  while (true) {
    OPENECS_ASSIGN_OR_RETURN(auto msg, ReadLine(deadline));
    if (msg.contains("error")) {
      const auto& e = msg["error"];
      return QgaError(command + ": " +
                      (e.is_object() ? e.value("desc", std::string("error")) : "error"));
    }
    if (msg.contains("return")) return msg["return"];
  }
}

}  // namespace openecs
