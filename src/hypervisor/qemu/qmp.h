#pragma once
// A blocking client for QEMU's QMP monitor over a unix socket: connect (reads the greeting and
// negotiates capabilities), Execute a command and wait for its return, collecting events that
// arrive in between. Not thread-safe: one owner per connection.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"

namespace openecs {

class QmpClient {
 public:
  QmpClient() = default;
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Connects, retrying until `timeout_ms` passes (QEMU creates the socket as it starts).
  Status Connect(const std::string& socket_path, int timeout_ms);
  // An error with the client still connected is QEMU's answer (it refused the command); a
  // timeout or a broken connection closes the client.
  // Records openecs_qmp_command_duration_seconds{command} (common/prom_metrics.h).
  Result<nlohmann::json> Execute(const std::string& command,
                                 const nlohmann::json& arguments = nullptr, int timeout_ms = 10000);
  // Waits up to `timeout_ms` for the next event (or EOF: returns an error). Events already
  // received while executing commands are returned first.
  Result<nlohmann::json> NextEvent(int timeout_ms);
  void Close();
  bool connected() const { return fd_ >= 0; }

 private:
  Result<nlohmann::json> ExecuteOnce(const std::string& command, const nlohmann::json& arguments,
                                     int timeout_ms);
  Result<nlohmann::json> ReadMessage(int timeout_ms);
  int fd_ = -1;
  std::string buffer_;
  std::vector<nlohmann::json> events_;
};

}  // namespace openecs
