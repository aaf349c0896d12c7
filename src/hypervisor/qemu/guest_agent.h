#pragma once
// A blocking client for qemu-guest-agent (QGA) through QEMU's chardev socket for the guest's
// virtio-serial port org.qemu.guest_agent.0 (<instance dir>/qga.sock).
//
// The channel has no greeting and no framing beyond one JSON object per line, and it outlives
// its clients: a reply meant for an earlier client (one that timed out and left) may still be
// in the pipe. Connect therefore resynchronises with guest-sync-delimited: the agent answers
// with a 0xFF byte and then the reply carrying our random id; everything before is dropped.
//
// Every read has a deadline, so a guest without an agent (or a hung one) costs at most the
// given timeout and never blocks a thread. On a timeout or a broken socket the client closes
// itself (a late reply would be taken for the next command's); the next use must Connect again.
//
// Not thread-safe, and QEMU's chardev serves one client at a time while the agent serves one
// conversation: the owner (QemuDriver) holds a per-instance lock for the whole time it is
// connected.
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace openecs {

class GuestAgentClient {
 public:
  GuestAgentClient() = default;
  ~GuestAgentClient();
  GuestAgentClient(const GuestAgentClient&) = delete;
  GuestAgentClient& operator=(const GuestAgentClient&) = delete;

  // Connects to the socket and resyncs with the agent; fails after `timeout_ms` if the socket
  // is missing (QEMU not running) or no agent answers (guest still booting, no agent).
  Status Connect(const std::string& socket_path, int timeout_ms);
  // Sends {"execute": command, "arguments": arguments} and returns the reply's "return". An
  // error reply ("error": {"desc"}) is returned as an error with the client still connected.
  Result<nlohmann::json> Execute(const std::string& command,
                                 const nlohmann::json& arguments = nullptr, int timeout_ms = 5000);
  void Close();
  bool connected() const { return fd_ >= 0; }

 private:
  Status Send(const nlohmann::json& request);
  // The next complete JSON line, waiting until `deadline_ms` (steady clock, ms).
  Result<nlohmann::json> ReadLine(int64_t deadline_ms);
  // Reads and drops input up to and including the first 0xFF byte.
  Status SkipToDelimiter(int64_t deadline_ms);
  Status Fill(int64_t deadline_ms);  // one read() into buffer_

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace openecs
