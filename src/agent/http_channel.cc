#include "agent/http_channel.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/fd_io.h"
#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"
#include "model/guest_sample_json.h"
#include "model/guest_sample_text.h"
#include "model/state_delta.h"
#include "sys/files.h"

namespace openecs {

using json = nlohmann::json;

HttpAgentChannel::HttpAgentChannel(std::string server, std::string token, std::string key_file,
                                   TlsTrust trust)
    : token_(std::move(token)), key_file_(std::move(key_file)), trust_(std::move(trust)) {
  if (!key_file_.empty()) key_ = Trim(ReadFile(key_file_));
  for (const auto& one : Split(server, ','))
    if (!Trim(one).empty()) servers_.push_back(Trim(one));
  if (servers_.empty()) servers_.push_back(server);
}

std::string HttpAgentChannel::Server() const { return servers_[current_ % servers_.size()]; }

Result<std::string> HttpAgentChannel::Call(const std::string& method, const std::string& target,
                                           const std::string& body, int timeout_ms,
                                           const char* content_type) {
  HttpClientRequest req;
  req.method = method;
  req.target = target;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.tls = trust_;
  req.source_address = source_address_;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", content_type}};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!key_.empty()) req.headers["X-OpenECS-Host-Key"] = key_;
  }
  // Each server once, from the current one; one that cannot be reached hands over to the next.
  size_t first = current_;
  Result<HttpClientResponse> call = MakeError(ErrorCode::kInternalError, "no server");
  for (size_t k = 0; k < servers_.size(); ++k) {
    size_t at = first + k;
    req.endpoint = servers_[at % servers_.size()];
    // A pull going over to another server asks for the whole state: its revisions are the
    // other server's own.
    if (k > 0) {
      for (const char* name : {"&since=", "&base="}) {
        size_t at = req.target.find(name);
        if (at == std::string::npos) continue;
        size_t end = req.target.find('&', at + 1);
        req.target.replace(at, end == std::string::npos ? std::string::npos : end - at,
                           std::string(name) + "0");
      }
    }
    call = connections_.Call(req);
    if (call.ok()) {
      if (k > 0 && current_.compare_exchange_strong(first, at)) {
        switched_ = true;
        LOG_WARN("agent: {} cannot be reached; now talking to {}",
                 servers_[first % servers_.size()], req.endpoint);
      }
      break;
    }
  }
  if (!call.ok()) return call.error();
  HttpClientResponse res = std::move(*call);
  if (res.status == 200) return std::move(res.body);
  std::string message = res.body;
  json j = json::parse(res.body, nullptr, false);
  if (j.is_object() && j.contains("error")) message = j.value("error", "");
  // 409: the server does not know this host (say, its database was reset): register again.
  // 400: it could not read the request (an older server, say).
  ErrorCode code = res.status == 409   ? ErrorCode::kUnknownHost
                   : res.status == 400 ? ErrorCode::kInvalidParameter
                   : res.status == 403 ? ErrorCode::kForbidden
                   : res.status == 503 ? ErrorCode::kServiceUnavailable
                                       : ErrorCode::kInternalError;
  return MakeError(code, "server answered " + std::to_string(res.status) + ": " + message);
}

Result<std::string> HttpAgentChannel::Register(const HostInfo& host) {
  OPENECS_ASSIGN_OR_RETURN(std::string body,
                           Call("POST", "/openecs/agent/v1/register", DumpJson(json(host)), 10000));
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("host_id") || !j["host_id"].is_string() ||
      !j.contains("host_key") || !j["host_key"].is_string())
    return MakeError(ErrorCode::kInternalError, "server sent no host_id and host_key");
  std::string key = j["host_key"].get<std::string>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key != key_ && !key_file_.empty())
      OPENECS_RETURN_IF_ERROR(WriteFileAtomic(key_file_, key + "\n", 0600));
    key_ = key;
  }
  return j["host_id"].get<std::string>();
}

Result<DesiredState> HttpAgentChannel::Pull(const std::string& host_id, int64_t since,
                                            int wait_ms) {
  if (switched_.exchange(false)) since = 0;
  for (int attempt = 0;; ++attempt) {
    // The state this host holds, which the server answers a delta of (model/state_delta.h).
    int64_t base = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = held_.find(host_id); it != held_.end()) base = it->second.revision;
    }
    std::string target = "/openecs/agent/v1/desired?host_id=" + PercentEncode(host_id) +
                         "&since=" + std::to_string(since) + "&wait_ms=" + std::to_string(wait_ms) +
                         "&base=" + std::to_string(base);
    OPENECS_ASSIGN_OR_RETURN(std::string body, Call("GET", target, "", wait_ms + 15000));
    json j = json::parse(body, nullptr, false);
    if (!j.is_object()) return MakeError(ErrorCode::kInternalError, "bad desired state: not JSON");
    bool unfit = false;
    // The whole state answered, held (moved, not copied: with ten guests a host's state is tens
    // of KiB, and it comes at every change): `j`, or the state held with the delta applied.
    Held* kept = nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    auto held = held_.find(host_id);
    if (j.contains("delta_from")) {
      // Of the state held, if the server still means that one (after a failover it cannot).
      bool fits =
          held != held_.end() && j["delta_from"] == held->second.revision && j.contains("delta");
      int64_t revision = j.value("revision", int64_t{0});
      if (fits && held->second.parsed && j["delta"].is_object() && j["delta"].empty()) {
        // Nothing of it changed: the state given back, at this revision (lent out again).
        Held& h = held->second;
        h.revision = revision;
        h.state["revision"] = revision;
        h.state["changed"] = true;
        DesiredState out = std::move(*h.parsed);
        h.parsed.reset();
        out.revision = revision;
        out.changed = true;
        return out;
      }
      std::optional<json> applied;
      if (fits) applied = ApplyStateDelta(std::move(held->second.state), j["delta"]);
      if (!applied) {
        if (held != held_.end()) held_.erase(held);
        unfit = true;
      } else {
        (*applied)["revision"] = j["revision"];
        (*applied)["changed"] = true;
        held->second = {revision, std::move(*applied), std::nullopt};
        kept = &held->second;
      }
    } else if (!j.value("changed", true)) {
      // Nothing changed: the state held is this revision's too.
      if (held != held_.end() && held->second.revision == base) {
        held->second.revision = j.value("revision", int64_t{0});
        if (held->second.parsed) held->second.parsed->revision = held->second.revision;
      }
    } else {
      Held& h = held_[host_id];
      h = {j.value("revision", int64_t{0}), std::move(j), std::nullopt};
      kept = &h;
    }
    if (unfit) {
      if (attempt == 1)
        return MakeError(ErrorCode::kInternalError, "the server's delta fits no state held");
      since = 0;  // the whole state, at once
      continue;
    }
    try {
      return (kept ? kept->state : j).get<DesiredState>();
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternalError, std::string("bad desired state: ") + e.what());
    }
  }
}

void HttpAgentChannel::GiveBack(const std::string& host_id, DesiredState used) {
  std::lock_guard<std::mutex> lock(mu_);
  auto held = held_.find(host_id);
  // Only the state of the revision held: one answered before a later pull is not that state.
  if (held == held_.end() || held->second.revision != used.revision || !used.changed) return;
  held->second.parsed = std::move(used);
}

void HttpAgentChannel::Interrupt(const std::string& host_id) {
  auto res = Call("POST", "/openecs/agent/v1/release?host_id=" + PercentEncode(host_id), "", 2000);
  if (!res.ok()) LOG_DEBUG("agent: the pull of {} not released: {}", host_id, res.error().message);
}

Status HttpAgentChannel::Report(const std::string& host_id, const std::vector<Observation>& obs) {
  json body = {{"observations", obs}};
  auto res = Call("POST", "/openecs/agent/v1/report?host_id=" + PercentEncode(host_id),
                  DumpJson(body), 15000);
  if (!res.ok()) return res.error();
  return Ok();
}

Status HttpAgentChannel::ReportMetrics(const std::string& host_id,
                                       std::vector<GuestSample> samples) {
  std::string target = "/openecs/agent/v1/metrics?host_id=" + PercentEncode(host_id);
  // As text (model/guest_sample_text.h), unless an id cannot be written so or the server
  // refused text once (a server older than the text): then JSON, as before.
  std::optional<std::string> text;
  if (!samples_as_json_) text = DumpSamplesText(samples);
  if (text) {
    auto res = Call("POST", target, *text, 15000, "text/plain");
    if (res.ok()) return Ok();
    if (res.error().code != ErrorCode::kInvalidParameter) return res.error();
    LOG_WARN("agent: {} refused samples as text ({}); sending them as JSON from now on", Server(),
             res.error().message);
    samples_as_json_ = true;
  }
  auto res = Call("POST", target, DumpSamples(samples), 15000);
  if (!res.ok()) return res.error();
  return Ok();
}

Result<RoleCredentials> HttpAgentChannel::RoleCredentialsOf(const std::string& host_id,
                                                            const std::string& instance_id) {
  OPENECS_ASSIGN_OR_RETURN(std::string body,
                           Call("GET",
                                "/openecs/agent/v1/credentials?host_id=" + PercentEncode(host_id) +
                                    "&instance_id=" + PercentEncode(instance_id),
                                "", 10000));
  try {
    return json::parse(body).get<RoleCredentials>();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternalError, std::string("bad credentials: ") + e.what());
  }
}

namespace {

// A TCP connection to "host:port" with send and receive timeouts, or -1.
int ConnectTcp(const std::string& host_port, int timeout_ms) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return -1;
  std::string host = host_port.substr(0, colon), port = host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  return fd;
}

// Moves bytes both ways until either side closes, then closes both.
void Splice(int a, int b) {
  char buf[16384];
  for (;;) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!fds[i].revents) continue;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
      done = n <= 0 || !SendAll(fds[1 - i].fd, std::string_view(buf, n));
    }
    if (done) break;
  }
  ::close(a);
  ::close(b);
}

}  // namespace

Status HttpAgentChannel::AttachSession(const std::string& host_id, const std::string& session_id,
                                       int fd) {
  auto fail = [fd](const std::string& why) {
    ::close(fd);
    return MakeError(ErrorCode::kInternalError, "session stream: " + why);
  };
  std::string endpoint = Server();
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.rfind("https://", 0) == 0)
    return fail("session streams are not carried over an https:// agent channel yet");
  if (endpoint.rfind("http://", 0) == 0) endpoint = endpoint.substr(7);
  int sock = ConnectTcp(endpoint, 10000);
  if (sock < 0) return fail("cannot connect to " + endpoint);
  std::string request = "GET /openecs/agent/v1/session?host_id=" + PercentEncode(host_id) +
                        "&session_id=" + PercentEncode(session_id) +
                        " HTTP/1.1\r\nHost: " + endpoint + "\r\nAuthorization: Bearer " + token_ +
                        "\r\nConnection: Upgrade\r\nUpgrade: " + kSessionUpgrade + "\r\n";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!key_.empty()) request += "X-OpenECS-Host-Key: " + key_ + "\r\n";
  }
  request += "\r\n";
  if (!SendAll(sock, request)) {
    ::close(sock);
    return fail("the server closed the connection");
  }
  // The answer's head, byte by byte so that no stream byte after it is taken.
  std::string head;
  char ch;
  while (head.size() < 16384 && head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(sock, &ch, 1, 0);
    if (n <= 0) break;
    head.push_back(ch);
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0) {
    ::close(sock);
    return fail("server answered " + head.substr(0, head.find('\r')));
  }
  timeval none{0, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
  std::thread(Splice, fd, sock).detach();
  return Ok();
}

}  // namespace openecs
