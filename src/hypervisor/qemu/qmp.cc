#include "hypervisor/qemu/qmp.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "common/clock.h"
#include "common/json_dump.h"
#include "common/prom_metrics.h"

namespace openecs {
namespace {
Error QmpError(const std::string& what) {
  return MakeError(ErrorCode::kInternalError, "qmp: " + what);
}
}  // namespace

QmpClient::~QmpClient() { Close(); }

void QmpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status QmpClient::Connect(const std::string& path, int timeout_ms) {
  Close();
  int64_t deadline = SteadyMillis() + timeout_ms;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return QmpError("socket path too long: " + path);
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  while (true) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return QmpError(std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      fd_ = fd;
      break;
    }
    ::close(fd);
    if (SteadyMillis() > deadline) return QmpError("cannot connect to " + path);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  OPENECS_ASSIGN_OR_RETURN(auto greeting,
                           ReadMessage(std::max<int64_t>(deadline - SteadyMillis(), 1000)));
  if (!greeting.contains("QMP")) return QmpError("unexpected greeting");
  OPENECS_ASSIGN_OR_RETURN(auto caps, Execute("qmp_capabilities"));
  (void)caps;
  return Ok();
}

Result<nlohmann::json> QmpClient::ReadMessage(int timeout_ms) {
  int64_t deadline = SteadyMillis() + timeout_ms;
  while (true) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      return j;
    }
    int64_t left = deadline - SteadyMillis();
    if (left <= 0) return QmpError("timed out waiting for QEMU");
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0) {
      Close();
      return QmpError("connection closed (QEMU exited)");
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

Result<nlohmann::json> QmpClient::Execute(const std::string& command,
                                          const nlohmann::json& arguments, int timeout_ms) {
  // Latency per command (the names are the code's own: a closed set), QEMU's refusals and
  // broken connections counted apart.
  static HistogramFamily& duration = DefaultMetrics().Histogram(
      "openecs_qmp_command_duration_seconds",
      "QMP commands sent to QEMU, from sending to the answer (failed ones included).", {"command"},
      MetricsRegistry::FastBuckets());
  static CounterFamily& failures = DefaultMetrics().Counter(
      "openecs_qmp_command_failures_total", "QMP commands that QEMU refused or that got no answer.",
      {"command"});
  Stopwatch watch;
  auto result = ExecuteOnce(command, arguments, timeout_ms);
  duration.Observe({command}, watch.Seconds());
  if (!result.ok()) failures.Inc({command});
  return result;
}

Result<nlohmann::json> QmpClient::ExecuteOnce(const std::string& command,
                                              const nlohmann::json& arguments, int timeout_ms) {
  if (fd_ < 0) return QmpError("not connected");
  nlohmann::json req = {{"execute", command}};
  if (!arguments.is_null()) req["arguments"] = arguments;
  std::string line = DumpJson(req) + "\n";
  if (::send(fd_, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    Close();
    return QmpError("write failed");
  }
  int64_t deadline = SteadyMillis() + timeout_ms;
  while (true) {
    auto read = ReadMessage(static_cast<int>(std::max<int64_t>(deadline - SteadyMillis(), 1)));
    if (!read.ok()) {
      Close();  // timed out: a late answer would be taken for the next command's
      return read.error();
    }
    nlohmann::json msg = std::move(*read);
    if (msg.contains("event")) {
      events_.push_back(std::move(msg));
      continue;
    }
    if (msg.contains("error"))
      return QmpError(command + ": " + msg["error"].value("desc", std::string("error")));
    if (msg.contains("return")) return msg["return"];
  }
}

Result<nlohmann::json> QmpClient::NextEvent(int timeout_ms) {
  if (!events_.empty()) {
    auto e = std::move(events_.front());
    events_.erase(events_.begin());
    return e;
  }
  if (fd_ < 0) return QmpError("not connected");
  int64_t deadline = SteadyMillis() + timeout_ms;
  while (true) {
    OPENECS_ASSIGN_OR_RETURN(
        auto msg, ReadMessage(static_cast<int>(std::max<int64_t>(deadline - SteadyMillis(), 1))));
    if (msg.contains("event")) return msg;
  }
}

}  // namespace openecs
