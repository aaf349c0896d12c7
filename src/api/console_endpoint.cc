#include "api/console_endpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/action.h"
#include "api/authorizer.h"
#include "api/params.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/websocket.h"
#include "service/ram_service.h"

namespace openecs {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int64_t kFailureWindowMs = 5 * 60 * 1000;
constexpr size_t kMaxAssetBytes = 8 << 20;

// Headers on everything the console serves: its pages load only what this server serves.
void Harden(HttpResponse& r) {
  r.headers["Content-Security-Policy"] =
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
      "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["X-Frame-Options"] = "DENY";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["Cache-Control"] = "no-cache";
}

HttpResponse JsonError(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(json{{"Code", code}, {"Message", message}});
  Harden(r);
  return r;
}

HttpResponse NotFound() { return JsonError(404, "NotFound", "No such page in the console."); }

// The value of cookie `name` in the request's Cookie header ("" when absent).
std::string CookieValue(const HttpRequest& req, std::string_view name) {
  auto it = req.headers.find("cookie");
  if (it == req.headers.end()) return "";
  std::string_view all = it->second;
  while (!all.empty()) {
    size_t end = all.find(';');
    std::string_view part = all.substr(0, end);
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
  }
  return "";
}

std::string Header(const HttpRequest& req, const char* name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? "" : it->second;
}

// A relative path of plain segments ([A-Za-z0-9._-], none starting with a dot), or false.
bool SafeRelativePath(std::string_view p) {
  if (p.empty() || p.size() > 200) return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view seg = p.substr(start, end - start);
    if (seg.empty() || seg.front() == '.') return false;
    for (char ch : seg)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-')
        return false;
    start = end + 1;
  }
  return true;
}

const char* ContentType(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html;charset=utf-8"},
      {".js", "text/javascript;charset=utf-8"},
      {".css", "text/css;charset=utf-8"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".json", "application/json;charset=utf-8"}};
  for (const auto& [ext, type] : kTypes)
    if (path.size() > std::strlen(ext) &&
        path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return type;
  return nullptr;
}

json PrincipalJson(const Principal& p) {
  json j{{"Type", p.type == Principal::Type::kUser ? "RamUser" : "Account"},
         {"AccountId", p.account_id}};
  if (p.type == Principal::Type::kUser) j["UserName"] = p.user_name;
  return j;
}

}  // namespace

std::string DefaultConsoleDir() {
  std::error_code ec;
  if (fs::exists("console/index.html", ec)) return fs::absolute("console", ec).string();
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    fs::path p =
        fs::path(std::string(exe, n)).parent_path().parent_path().parent_path() / "console";
    if (fs::exists(p / "index.html", ec)) return p.string();
  }
  return fs::absolute("console", ec).string();
}

ConsoleEndpoint::ConsoleEndpoint(Cloud& cloud, CredentialLookup lookup, SessionHub& hub,
                                 ConsoleOptions options)
    : cloud_(cloud), lookup_(std::move(lookup)), hub_(hub), options_(std::move(options)) {}

HttpResponse ConsoleEndpoint::Handle(const HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/favicon.ico") {  // browsers ask; the console has no icon
    HttpResponse r;
    r.status = 204;
    r.body = "";
    Harden(r);
    return r;
  }
  if (path == kConsolePath) {
    HttpResponse r;
    r.status = 301;
    r.headers["Location"] = "/console/";
    r.body = "";
    return r;
  }
  if (path.rfind("/console/api/", 0) == 0) {
    std::string what = path.substr(std::strlen("/console/api/"));
    if (what == "vnc") return Vnc(req);
    if (what == "session") return req.method == "GET" ? SessionInfo(req) : NotFound();
    if (what != "login" && what != "logout") return NotFound();
    if (req.method != "POST") return JsonError(405, "MethodNotAllowed", "Use POST.");
    return what == "login" ? Login(req) : Logout(req);
  }
  if (req.method != "GET" && req.method != "HEAD")
    return JsonError(405, "MethodNotAllowed", "The console's files are read with GET.");
  std::string rel = path.substr(std::strlen("/console/"));
  if (rel.rfind("novnc/", 0) == 0) {
    rel = rel.substr(6);
    // Only the modules a viewer imports; noVNC's own app and its links are not served.
    if (rel.rfind("core/", 0) != 0 && rel.rfind("vendor/", 0) != 0) return NotFound();
    return File(options_.novnc_dir, rel);
  }
  if (rel.empty()) rel = "index.html";
  return File(options_.assets_dir, rel);
}

HttpResponse ConsoleEndpoint::File(const std::string& root, const std::string& relative) {
  const char* type = ContentType(relative);
  if (!SafeRelativePath(relative) || !type) return NotFound();
  fs::path p = fs::path(root) / relative;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec) || fs::file_size(p, ec) > kMaxAssetBytes) return NotFound();
  HttpResponse r;
  r.content_type = type;
  std::ifstream in(p, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return NotFound();
  r.body = content.str();
  Harden(r);
  return r;
}

bool ConsoleEndpoint::LoginThrottled(const std::string& address, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = SteadyMillis();
  if (failures_.size() > 10000)
    std::erase_if(failures_,
                  [now](const auto& kv) { return now - kv.second.first > kFailureWindowMs; });
  auto& [start, count] = failures_[address];
  if (now - start > kFailureWindowMs) start = now, count = 0;
  if (failed) ++count;
  return count >= kConsoleLoginFailures;
}

HttpResponse ConsoleEndpoint::Login(const HttpRequest& req) {
  if (LoginThrottled(req.remote_address, false))
    return JsonError(429, "Throttling.Login",
                     "Too many failed logins from this address; wait a few minutes.");
  json body = req.body.size() <= 16384 ? json::parse(req.body, nullptr, false) : json();
  if (!body.is_object()) return JsonError(400, "InvalidParameter", "The login is a JSON object.");
  auto text = [&](const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto refuse = [&](const std::string& message) {
    LoginThrottled(req.remote_address, true);
    LOG_INFO("console: failed login from {}", req.remote_address);
    return JsonError(401, "InvalidCredentials", message);
  };
  Principal principal;
  std::string ak = text("AccessKeyId"), upn = text("UserPrincipalName");
  if (!ak.empty()) {
    std::string secret = text("AccessKeySecret");
    auto cred =
        ak.size() <= 128 ? lookup_(ak, "") : Result<Credential>(MakeError(ErrorCode::kForbidden));
    if (!cred.ok() || !ConstantTimeEquals(cred->secret, secret))
      return refuse("The AccessKey ID or secret is wrong, or the key is disabled.");
    principal = cred->principal;
    principal.access_key_id = ak;
  } else if (!upn.empty()) {
    // alice@<AccountId>, alice@<AccountName>, or either followed by .onaliyun.com.
    size_t at = upn.find('@');
    std::string user = upn.substr(0, at);
    std::string domain = at == std::string::npos ? "" : upn.substr(at + 1);
    if (domain.size() > 13 && domain.ends_with(".onaliyun.com")) domain.resize(domain.size() - 13);
    std::string password = text("Password");
    bool ok = cloud_.Read<bool>([&](const State& s) {
      std::string account;
      for (const auto& [id, a] : s.accounts)
        if (!domain.empty() && (a.id == domain || a.name == domain)) account = a.id;
      if (account.empty() || user.empty() || user.size() > 64 || password.size() > 128) {
        CheckConsolePassword(s, "", "", password);  // the same work either way
        return false;
      }
      if (!CheckConsolePassword(s, account, user, password)) return false;
      auto u = GetRamUser(s, account, user);
      if (!u.ok()) return false;
      principal.type = Principal::Type::kUser;
      principal.account_id = account;
      principal.user_name = u->name;
      principal.user_id = u->user_id;
      return true;
    });
    if (!ok) return refuse("The user name or password is wrong, or the user has no console login.");
  } else {
    return JsonError(400, "MissingParameter",
                     "Give AccessKeyId and AccessKeySecret, or UserPrincipalName and Password.");
  }
  std::string token = RandomAlnum(43);
  Session session{principal, RandomHex(16), SteadyMillis() + kConsoleSessionTtlMs, SteadyMillis()};
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t now = SteadyMillis();
    if (sessions_.size() >= kConsoleMaxSessions) {
      std::erase_if(sessions_, [now](const auto& kv) {
        return now >= kv.second.expires_ms || now - kv.second.last_used_ms >= kConsoleIdleMs;
      });
      while (sessions_.size() >= kConsoleMaxSessions)
        sessions_.erase(
            std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
              return a.second.last_used_ms < b.second.last_used_ms;
            }));
    }
    sessions_[Sha256Hex(token)] = session;
  }
  LOG_INFO("console: {} logged in from {}",
           principal.type == Principal::Type::kUser ? principal.user_name : principal.account_id,
           req.remote_address);
  HttpResponse r;
  r.body = DumpJson(json{{"Csrf", session.csrf},
                         {"Principal", PrincipalJson(principal)},
                         {"ExpiresAt", NowMillis() + kConsoleSessionTtlMs}});
  r.headers["Set-Cookie"] =
      std::string(kConsoleCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
      std::to_string(kConsoleSessionTtlMs / 1000) + (req.secure ? "; Secure" : "");
  Harden(r);
  return r;
}

std::optional<ConsoleEndpoint::Session> ConsoleEndpoint::Find(const HttpRequest& req) {
  std::string token = CookieValue(req, kConsoleCookie);
  if (token.empty() || token.size() > 128) return std::nullopt;
  std::string key = Sha256Hex(token);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  int64_t now = SteadyMillis();
  if (now >= it->second.expires_ms || now - it->second.last_used_ms >= kConsoleIdleMs) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ms = now;
  return it->second;
}

bool ConsoleEndpoint::StillValid(const Principal& p) {
  if (!p.access_key_id.empty()) return lookup_(p.access_key_id, "").ok();
  return cloud_.Read<bool>([&](const State& s) {
    auto u = GetRamUser(s, p.account_id, p.user_name);
    return u.ok() && u->user_id == p.user_id && u->login_profile.present;
  });
}

HttpResponse ConsoleEndpoint::SessionInfo(const HttpRequest& req) {
  auto session = Find(req);
  if (!session || !StillValid(session->principal))
    return JsonError(401, "ConsoleSessionExpired", "Not logged in.");
  HttpResponse r;
  r.body = DumpJson(json{{"Csrf", session->csrf},
                         {"Principal", PrincipalJson(session->principal)},
                         {"ExpiresAt", NowMillis() + (session->expires_ms - SteadyMillis())}});
  Harden(r);
  return r;
}

HttpResponse ConsoleEndpoint::Logout(const HttpRequest& req) {
  auto session = Find(req);
  if (session) {
    if (!ConstantTimeEquals(Header(req, "x-openecs-csrf"), session->csrf))
      return JsonError(403, "ConsoleCsrfMissing", "Logout needs the session's X-OpenECS-CSRF.");
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(Sha256Hex(CookieValue(req, kConsoleCookie)));
  }
  HttpResponse r;
  r.status = 204;
  r.body = "";
  r.headers["Set-Cookie"] = std::string(kConsoleCookie) +
                            "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
                            (req.secure ? "; Secure" : "");
  Harden(r);
  return r;
}

std::optional<Result<Principal>> ConsoleEndpoint::Authenticate(const HttpRequest& req) {
  // A console call carries the cookie, or at least the CSRF header (a page whose cookie expired
  // or was cleared: it must hear that its session ended, not that a signature is missing).
  if ((CookieValue(req, kConsoleCookie).empty() && Header(req, "x-openecs-csrf").empty()) ||
      req.headers.count("authorization"))
    return std::nullopt;
  std::map<std::string, std::string> params;
  size_t q = req.target.find('?');
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &params);
  if (Header(req, "content-type").find("application/x-www-form-urlencoded") != std::string::npos)
    ParseUrlEncoded(req.body, true, &params);
  if (params.count("Signature")) return std::nullopt;  // a signed call: its signature decides
  auto session = Find(req);
  if (!session || !StillValid(session->principal)) {
    if (session) {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_.erase(Sha256Hex(CookieValue(req, kConsoleCookie)));
    }
    return Result<Principal>(MakeError(ErrorCode::kConsoleSessionExpired));
  }
  std::string csrf = Header(req, "x-openecs-csrf");
  if (csrf.empty() || !ConstantTimeEquals(csrf, session->csrf))
    return Result<Principal>(MakeError(ErrorCode::kConsoleCsrfMissing));
  Principal p = session->principal;
  p.source_ip = req.remote_address;
  p.secure_transport = req.secure;
  return Result<Principal>(std::move(p));
}

HttpResponse ConsoleEndpoint::Vnc(const HttpRequest& req) {
  auto accept = WebSocketAcceptKey(req);
  if (!accept)
    return JsonError(400, "InvalidParameter", "This URL takes a WebSocket upgrade (RFC 6455).");
  auto session = Find(req);
  if (!session || !StillValid(session->principal))
    return JsonError(401, "ConsoleSessionExpired", "Not logged in.");
  // A browser sends the cookie with a WebSocket from any page (SameSite aside): only pages of
  // this server may open one.
  std::string origin = Header(req, "origin"), host = Header(req, "host");
  if (host.empty() || origin != std::string(req.secure ? "https://" : "http://") + host)
    return JsonError(403, "Forbidden", "The console's VNC socket opens only from its own pages.");
  if (req.secure)
    return JsonError(501, "NotImplemented",
                     "The VNC viewer is served on the plain HTTP listener (ws://), not over TLS.");
  std::map<std::string, std::string> query;
  size_t q = req.target.find('?');
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &query);
  std::string id = query["InstanceId"];
  if (id.empty() || id.size() > 64)
    return JsonError(400, "MissingParameter", "InstanceId names the instance to view.");
  Principal caller = session->principal;
  caller.source_ip = req.remote_address;
  const std::string& region = cloud_.config().region_id;
  Params params(std::map<std::string, std::string>{{"InstanceId", id}, {"RegionId", region}});
  if (Status allowed =
          Authorize(cloud_, caller, kEcsVersion, "DescribeInstanceVncUrl", params, region);
      !allowed.ok())
    return JsonError(403, "Forbidden", allowed.error().message);
  SessionSpec spec = SessionSpecOf(caller, region, id);
  spec.kind = "screen";
  auto started = StartTerminalSession(cloud_, spec);
  if (!started.ok()) {
    ErrorCode code = started.error().code;
    return JsonError(code == ErrorCode::kInvalidInstanceIdNotFound ? 404
                     : code == ErrorCode::kSessionLimitExceeded    ? 429
                                                                   : 409,
                     std::string(Describe(code).code), started.error().message);
  }
  std::string sid = started->session.id;
  if (Status st = hub_.CheckUser(sid, started->token); !st.ok())
    return JsonError(409, std::string(Describe(st.error().code).code), st.error().message);
  HttpResponse r = WebSocketUpgradeResponse(*accept);
  // noVNC may ask for the "binary" subprotocol; echo it (a browser drops a socket whose
  // server does not pick one it offered).
  std::string offered = Header(req, "sec-websocket-protocol");
  if (offered.find("binary") != std::string::npos) r.headers["Sec-WebSocket-Protocol"] = "binary";
  SessionHub* hub = &hub_;
  r.takeover = [hub, sid](int fd, std::string early) {
    hub->AttachUser(sid, fd, std::move(early));
  };
  return r;
}

}  // namespace openecs
