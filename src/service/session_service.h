#pragma once
// Session Manager (StartTerminalSession): a shell in a guest through a WebSocket on the API
// server, with no SSH and no public address.
//
//   user ──WebSocket── API server (SessionHub) ──stream── host agent ──console── guest shell
//
// - StartTerminalSession makes a TerminalSession record (model/assistant.h), Pending, with a
//   random SecurityToken of which only the sha256 is kept. The instance must be the caller's
//   and Running; one open session per instance (a guest has one session console).
// - The host of the instance finds the session in its desired state (SessionsFor), opens the
//   guest's session console (Driver::OpenGuestStream) and hands the stream to the server
//   (AgentChannel::AttachSession: in-process for `ecsd dev`, an HTTP Upgrade for a remote
//   agent). The user opens the WebSocket (api/session_endpoint.h) with the token. The hub pairs
//   the two, whichever comes first: then the session is Connected, the user's messages go to
//   the guest as bytes and the guest's bytes come back as binary messages.
// - Either end closing closes the other and the session (Closed, reason user | guest).
//   EndTerminalSession records Closed (reason ended); the hub sees the record and closes both
//   ends. A session not Connected within kSessionConnectTimeoutMs ends (timeout); one whose
//   instance stops or goes ends (instance); a Connected one with no stream after a server
//   restart ends (lost). Closed sessions are kept kSessionRetentionDays for
//   DescribeTerminalSessions.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/agent_protocol.h"
#include "model/assistant.h"
#include "service/cloud.h"
#include "service/principal.h"

namespace openecs {

inline constexpr int64_t kSessionConnectTimeoutMs = 60 * 1000;
inline constexpr int kSessionRetentionDays = 30;
inline constexpr size_t kSessionCommandLineMax = 512;
// Open screen streams (the web console's VNC viewers) per instance.
inline constexpr int kScreenSessionsPerInstance = 4;

struct SessionSpec {
  std::string account_id;
  std::string region_id;
  std::string instance_id;
  std::string principal_id;
  std::string identity_type = "Account";
  std::string username = "root";
  std::string command_line;
  std::string client_ip;
  std::string kind = "shell";  // shell | screen (TerminalSession::kind)
};

struct StartedSession {
  TerminalSession session;
  std::string token;  // the SecurityToken, returned once
};

// A spec for `instance_id` started by `caller` (account, region, identity and address filled).
SessionSpec SessionSpecOf(const Principal& caller, const std::string& region_id,
                          const std::string& instance_id);

// InvalidInstanceId.NotFound (not the caller's), IncorrectInstanceStatus (not Running),
// SessionLimitExceeded (an open shell session on the instance, or kScreenSessionsPerInstance
// open screen streams).
Result<StartedSession> StartTerminalSession(Cloud& cloud, const SessionSpec& spec);
// Records the session Closed (reason ended); the hub closes its streams. Closing a Closed
// session again is fine. InvalidSessionId.NotFound unless it is the caller's.
Status EndTerminalSession(Cloud& cloud, const std::string& account_id,
                          const std::string& session_id);
// The Pending and Connected sessions of the running guests on `host_id`.
std::vector<DesiredSession> SessionsFor(const State& s, const std::string& host_id);

// Pairs users' WebSockets with guests' session streams and moves the bytes, one thread per
// Connected session. Thread-safe. Every Attach takes ownership of its descriptor (closed on
// failure).
class SessionHub {
 public:
  explicit SessionHub(Cloud& cloud);
  ~SessionHub();  // Stop()
  // Starts the watcher (ends sessions as the header says, on every revision and each second).
  void Start();
  // Closes every stream (the sessions stay Connected in the records; the next start finds them
  // lost) and waits for the threads.
  void Stop();

  // Ok if `token` opens session `session_id`: InvalidSessionId.NotFound (no such session),
  // Forbidden (wrong token), IncorrectInstanceStatus (Closed, or a user is already on it).
  Status CheckUser(const std::string& session_id, const std::string& token);
  // The user's side, upgraded to a WebSocket (`early`: bytes already read after the request).
  void AttachUser(const std::string& session_id, int fd, std::string early);
  // Ok if host `host_id` has the guest of open session `session_id`.
  Status CheckGuest(const std::string& host_id, const std::string& session_id);
  // The guest's side: a stream to its session console.
  Status AttachGuest(const std::string& host_id, const std::string& session_id, int fd,
                     std::string early = "");
  // One pass of the watcher (tests call it directly).
  void Sweep();

 private:
  struct Link;
  void MaybePair(const std::string& id, const std::shared_ptr<Link>& link);
  void Pump(std::string id, std::shared_ptr<Link> link);
  // Ends a live link: a pumping one is woken to close both ends; a waiting one closed now.
  void CloseLink(const std::string& id, const std::string& reason);
  void MarkClosed(const std::string& id, const std::string& reason, const std::string& detail);

  Cloud& cloud_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Link>> links_;  // by session id; guarded by mu_
  int pumps_ = 0;                                       // guarded by mu_
  std::condition_variable pumps_done_;
  std::atomic<bool> stop_{false};
  std::thread watcher_;
};

}  // namespace openecs
