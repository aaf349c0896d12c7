#include "service/session_service.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "common/crypto.h"
#include "common/fd_io.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/websocket.h"

namespace openecs {

namespace {

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

SessionSpec SessionSpecOf(const Principal& caller, const std::string& region_id,
                          const std::string& instance_id) {
  SessionSpec spec;
  spec.account_id = caller.account_id;
  spec.region_id = region_id;
  spec.instance_id = instance_id;
  switch (caller.type) {
    case Principal::Type::kRoot:
      spec.identity_type = "Account";
      spec.principal_id = caller.account_id;
      break;
    case Principal::Type::kUser:
      spec.identity_type = "RamUser";
      spec.principal_id = caller.user_id;
      break;
    case Principal::Type::kAssumedRole:
      spec.identity_type = "AssumedRoleUser";
      spec.principal_id = caller.role_id + ":" + caller.session_name;
      break;
  }
  spec.client_ip = caller.source_ip;
  return spec;
}

Result<StartedSession> StartTerminalSession(Cloud& cloud, const SessionSpec& spec) {
  StartedSession out;
  out.token = RandomAlnum(48);
  int64_t now_ms = cloud.NowMillis();
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    const State& s = txn.state();
    const Instance* inst = FindOwned(s.instances, spec.instance_id, spec.account_id);
    if (!inst || inst->region_id != spec.region_id)
      return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                       "The specified instance " + spec.instance_id + " does not exist.");
    if (inst->status != InstanceStatus::kRunning)
      return MakeError(
          ErrorCode::kIncorrectInstanceStatus,
          "The instance must be Running; it is " + std::string(ToString(inst->status)) + ".");
    int screens = 0;
    for (const auto& [id, t] : s.terminal_sessions) {
      if (t.instance_id != spec.instance_id || !SessionOpen(t) || t.kind != spec.kind) continue;
      if (spec.kind == "shell")
        return MakeError(
            ErrorCode::kSessionLimitExceeded,
            "The instance already has open session " + id + "; end it first (EndTerminalSession).");
      if (++screens >= kScreenSessionsPerInstance)
        return MakeError(ErrorCode::kSessionLimitExceeded,
                         "The instance's screen is open in " +
                             std::to_string(kScreenSessionsPerInstance) +
                             " viewers already; close one first.");
    }
    TerminalSession t;
    t.id = NewId("s");
    t.account_id = spec.account_id;
    t.region_id = spec.region_id;
    t.instance_id = spec.instance_id;
    t.principal_id = spec.principal_id;
    t.identity_type = spec.identity_type;
    t.token_sha256 = Sha256Hex(out.token);
    t.username = spec.username;
    t.command_line = spec.command_line;
    t.kind = spec.kind;
    t.client_ip = spec.client_ip;
    t.creation_time = now_ms;
    out.session = txn.Put(std::move(t));
    return Ok();
  }));
  return out;
}

Status EndTerminalSession(Cloud& cloud, const std::string& account_id,
                          const std::string& session_id) {
  int64_t now_ms = cloud.NowMillis();
  return cloud.Write([&](Txn& txn) -> Status {
    TerminalSession* t = FindOwned(txn.state().terminal_sessions, session_id, account_id);
    if (t && t->kind != "shell") t = nullptr;  // the console's screen streams are not the API's
    if (!t)
      return MakeError(ErrorCode::kInvalidSessionIdNotFound,
                       "The specified session " + session_id + " does not exist.");
    if (!SessionOpen(*t)) return Ok();
    t->state = "Closed";
    t->closed_reason = "ended";
    t->end_time = now_ms;
    txn.Touch(*t);
    return Ok();
  });
}

std::vector<DesiredSession> SessionsFor(const State& s, const std::string& host_id) {
  std::vector<DesiredSession> out;
  for (const std::string& id : s.index.open_sessions()) {
    auto found = s.terminal_sessions.find(id);
    if (found == s.terminal_sessions.end()) continue;
    const TerminalSession& t = found->second;
    auto it = s.instances.find(t.instance_id);
    if (it == s.instances.end() || it->second.host_id != host_id ||
        it->second.status != InstanceStatus::kRunning)
      continue;
    out.push_back({id, t.instance_id, t.kind});
  }
  return out;
}

// --- SessionHub

struct SessionHub::Link {
  int user_fd = -1;
  std::string user_early;
  int guest_fd = -1;
  std::string guest_early;
  int wake_fd = -1;          // an eventfd: written to end a pumping link
  bool pumping = false;      // both ends here, bytes moving
  std::string close_reason;  // why it is being ended from outside
  std::string command_line;  // typed into the guest once paired
  ~Link() {
    CloseFd(user_fd);
    CloseFd(guest_fd);
    CloseFd(wake_fd);
  }
};

SessionHub::SessionHub(Cloud& cloud) : cloud_(cloud) {}

SessionHub::~SessionHub() { Stop(); }

void SessionHub::Start() {
  watcher_ = std::thread([this] {
    int64_t rev = 0;
    while (!stop_) {
      rev = cloud_.WaitForRevision(rev, 1000);
      if (!stop_) Sweep();
    }
  });
}

void SessionHub::Stop() {
  if (stop_.exchange(true)) return;
  if (watcher_.joinable()) watcher_.join();
  std::unique_lock<std::mutex> lock(mu_);
  for (auto& [id, link] : links_) {
    link->close_reason = "stopping";
    if (link->pumping) {
      uint64_t one = 1;
      (void)!::write(link->wake_fd, &one, sizeof(one));
    }
  }
  pumps_done_.wait(lock, [this] { return pumps_ == 0; });
  links_.clear();
}

Status SessionHub::CheckUser(const std::string& session_id, const std::string& token) {
  auto hash = cloud_.Read<std::optional<TerminalSession>>(
      [&](const State& s) -> std::optional<TerminalSession> {
        auto it = s.terminal_sessions.find(session_id);
        if (it == s.terminal_sessions.end()) return std::nullopt;
        return it->second;
      });
  if (!hash)
    return MakeError(ErrorCode::kInvalidSessionIdNotFound,
                     "The specified session " + session_id + " does not exist.");
  if (token.empty() || !ConstantTimeEquals(Sha256Hex(token), hash->token_sha256))
    return MakeError(ErrorCode::kForbidden, "Wrong or missing session token.");
  if (!SessionOpen(*hash))
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "The session is closed (" + hash->closed_reason + ").");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = links_.find(session_id);
  if (it != links_.end() && it->second->user_fd >= 0)
    return MakeError(ErrorCode::kIncorrectInstanceStatus, "The session already has its user.");
  return Ok();
}

Status SessionHub::CheckGuest(const std::string& host_id, const std::string& session_id) {
  bool ok = cloud_.Read<bool>([&](const State& s) {
    auto it = s.terminal_sessions.find(session_id);
    if (it == s.terminal_sessions.end() || !SessionOpen(it->second)) return false;
    auto inst = s.instances.find(it->second.instance_id);
    return inst != s.instances.end() && inst->second.host_id == host_id;
  });
  if (!ok)
    return MakeError(ErrorCode::kForbidden,
                     "no open session " + session_id + " for a guest on this host");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = links_.find(session_id);
  if (it != links_.end() && it->second->guest_fd >= 0)
    return MakeError(ErrorCode::kForbidden, "session " + session_id + " has its guest stream");
  return Ok();
}

void SessionHub::AttachUser(const std::string& session_id, int fd, std::string early) {
  if (stop_) return (void)::close(fd);
  // A user that stops reading must not hold the guest's output forever.
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::shared_ptr<Link> link;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = links_[session_id];
    if (!slot) slot = std::make_shared<Link>();
    if (slot->user_fd >= 0) {
      ::close(fd);
      return;
    }
    slot->user_fd = fd;
    slot->user_early = std::move(early);
    link = slot;
  }
  MaybePair(session_id, link);
}

Status SessionHub::AttachGuest(const std::string& host_id, const std::string& session_id, int fd,
                               std::string early) {
  if (Status st = CheckGuest(host_id, session_id); !st.ok() || stop_) {
    ::close(fd);
    return st.ok() ? MakeError(ErrorCode::kServiceUnavailable, "the server is stopping") : st;
  }
  std::shared_ptr<Link> link;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = links_[session_id];
    if (!slot) slot = std::make_shared<Link>();
    if (slot->guest_fd >= 0) {
      ::close(fd);
      return MakeError(ErrorCode::kForbidden, "session " + session_id + " has its guest stream");
    }
    slot->guest_fd = fd;
    slot->guest_early = std::move(early);
    link = slot;
  }
  MaybePair(session_id, link);
  return Ok();
}

void SessionHub::MaybePair(const std::string& id, const std::shared_ptr<Link>& link) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (link->pumping || link->user_fd < 0 || link->guest_fd < 0) return;
    link->wake_fd = ::eventfd(0, EFD_CLOEXEC);
    if (link->wake_fd < 0) return;
    link->pumping = true;
    ++pumps_;
  }
  int64_t now_ms = cloud_.NowMillis();
  bool open = false;
  (void)cloud_.Write([&](Txn& txn) -> Status {
    auto it = txn.state().terminal_sessions.find(id);
    if (it == txn.state().terminal_sessions.end() || !SessionOpen(it->second)) return Ok();
    open = true;
    link->command_line = it->second.command_line;
    it->second.state = "Connected";
    it->second.start_time = now_ms;
    txn.Touch(it->second);
    return Ok();
  });
  if (!open) {
    std::lock_guard<std::mutex> lock(mu_);
    link->close_reason = "ended";
  }
  std::thread([this, id, link] { Pump(id, link); }).detach();
}

void SessionHub::Pump(std::string id, std::shared_ptr<Link> link) {
  std::string reason, detail;
  WsReader reader;
  reader.Feed(link->user_early);
  {
    std::lock_guard<std::mutex> lock(mu_);
    reason = link->close_reason;
  }
  if (reason.empty() && !link->command_line.empty() &&
      !SendAll(link->guest_fd, link->command_line + "\n"))
    reason = "guest";
  if (reason.empty() && !link->guest_early.empty() &&
      !SendAll(link->user_fd, WsEncode(WsOpcode::kBinary, link->guest_early)))
    reason = "user";
  char buf[16384];
  // Frames already read (early bytes) are handled before the first poll.
  bool check_frames = true;
  while (reason.empty()) {
    if (!check_frames) {
      pollfd fds[3] = {
          {link->user_fd, POLLIN, 0}, {link->guest_fd, POLLIN, 0}, {link->wake_fd, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        reason = "lost";
        break;
      }
      if (fds[2].revents) {
        std::lock_guard<std::mutex> lock(mu_);
        reason = link->close_reason.empty() ? "ended" : link->close_reason;
        break;
      }
      if (fds[1].revents) {
        ssize_t n = ::recv(link->guest_fd, buf, sizeof(buf), 0);
        if (n <= 0) {
          reason = "guest";
          (void)SendAll(link->user_fd, WsCloseFrame(1000, "the guest's end closed"));
          break;
        }
        if (!SendAll(link->user_fd, WsEncode(WsOpcode::kBinary, std::string_view(buf, n)))) {
          reason = "user";
          break;
        }
      }
      if (!fds[0].revents) continue;
      ssize_t n = ::recv(link->user_fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        reason = "user";
        break;
      }
      reader.Feed(std::string_view(buf, n));
    }
    check_frames = false;
    for (;;) {
      auto frame = reader.Next();
      if (!frame.ok()) {
        reason = "user";
        detail = "protocol error: " + frame.error().message;
        (void)SendAll(link->user_fd, WsCloseFrame(1002, frame.error().message));
        break;
      }
      if (!*frame) break;
      WsFrame& f = **frame;
      if (f.opcode == WsOpcode::kClose) {
        reason = "user";
        (void)SendAll(link->user_fd, WsCloseFrame(1000, ""));
        break;
      }
      if (f.opcode == WsOpcode::kPing) {
        (void)SendAll(link->user_fd, WsEncode(WsOpcode::kPong, f.payload));
        continue;
      }
      if (f.opcode == WsOpcode::kPong) continue;
      if (!SendAll(link->guest_fd, f.payload)) {
        reason = "guest";
        (void)SendAll(link->user_fd, WsCloseFrame(1000, "the guest's end closed"));
        break;
      }
    }
  }
  if (reason != "user" && reason != "guest")
    (void)SendAll(link->user_fd,
                  WsCloseFrame(reason == "stopping" ? 1001 : 1000, "session " + reason));
  ::shutdown(link->user_fd, SHUT_RDWR);
  ::shutdown(link->guest_fd, SHUT_RDWR);
  LOG_INFO("session {}: closed ({})", id, reason);
  if (reason != "stopping") MarkClosed(id, reason, detail);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = links_.find(id);
  if (it != links_.end() && it->second == link) links_.erase(it);
  if (--pumps_ == 0) pumps_done_.notify_all();
}

void SessionHub::CloseLink(const std::string& id, const std::string& reason) {
  std::shared_ptr<Link> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = links_.find(id);
    if (it == links_.end()) return;
    it->second->close_reason = reason;
    if (it->second->pumping) {
      uint64_t one = 1;
      (void)!::write(it->second->wake_fd, &one, sizeof(one));
      return;
    }
    waiting = std::move(it->second);
    links_.erase(it);
  }
  // A user waiting for its guest learns why before its socket closes.
  if (waiting->user_fd >= 0)
    (void)SendAll(waiting->user_fd, WsCloseFrame(1000, "session " + reason));
}

void SessionHub::MarkClosed(const std::string& id, const std::string& reason,
                            const std::string& detail) {
  int64_t now_ms = cloud_.NowMillis();
  (void)cloud_.Write([&](Txn& txn) -> Status {
    auto it = txn.state().terminal_sessions.find(id);
    if (it == txn.state().terminal_sessions.end() || !SessionOpen(it->second)) return Ok();
    it->second.state = "Closed";
    it->second.closed_reason = reason;
    it->second.failed_detail = detail;
    it->second.end_time = now_ms;
    txn.Touch(it->second);
    return Ok();
  });
}

void SessionHub::Sweep() {
  int64_t now_ms = cloud_.NowMillis();
  std::set<std::string> pumping, live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, link] : links_) {
      live.insert(id);
      if (link->pumping) pumping.insert(id);
    }
  }
  std::vector<std::pair<std::string, std::string>> to_close;  // (id, reason)
  std::vector<std::string> to_forget;
  cloud_.Read<int>([&](const State& s) {
    for (const auto& [id, t] : s.terminal_sessions) {
      if (!SessionOpen(t)) {
        if (live.count(id)) to_close.push_back({id, t.closed_reason});
        if (now_ms - t.end_time > int64_t{kSessionRetentionDays} * 86400 * 1000)
          to_forget.push_back(id);
        continue;
      }
      auto inst = s.instances.find(t.instance_id);
      if (inst == s.instances.end() || inst->second.status != InstanceStatus::kRunning)
        to_close.push_back({id, "instance"});
      else if (t.state == "Pending" && !pumping.count(id) &&
               now_ms - t.creation_time > kSessionConnectTimeoutMs)
        to_close.push_back({id, "timeout"});
      else if (t.state == "Connected" && !pumping.count(id))
        to_close.push_back({id, "lost"});
    }
    for (const auto& id : live)
      if (!s.terminal_sessions.count(id)) to_close.push_back({id, "ended"});
    return 0;
  });
  for (const auto& [id, reason] : to_close) {
    CloseLink(id, reason);
    MarkClosed(id, reason, "");
  }
  if (!to_forget.empty())
    (void)cloud_.Write([&](Txn& txn) -> Status {
      for (const auto& id : to_forget) txn.Erase<TerminalSession>(id);
      return Ok();
    });
}

}  // namespace openecs
