#pragma once
// The web console (issue 19), served on the API listener:
//
//   GET  /console/<file>          the console's own files (--console-dir; index.html for /console/)
//   GET  /console/novnc/<file>    noVNC's ES modules (core/, vendor/) from Debian's novnc package
//   POST /console/api/login       {"AccessKeyId","AccessKeySecret"} or
//                                 {"UserPrincipalName":"alice@<AccountId>","Password"} (a RAM
//                                 user's console password, CreateLoginProfile)
//   GET  /console/api/session     the logged-in identity, 401 without one
//   POST /console/api/logout
//   GET  /console/api/vnc?InstanceId=i-...   WebSocket: the guest's screen, RFB with security
//                                 type None (the session is the credential)
//   GET  /favicon.ico             204 (browsers ask for it; it is not an API call)
//
// A login answers {"Csrf","Principal":{"Type","AccountId","UserName"},"ExpiresAt"} and sets the
// cookie `openecs_console` (HttpOnly, SameSite=Strict, Path=/, Secure over TLS): a random token
// of which the server keeps only the sha256, in memory (a restart of ecsd logs everyone out).
// Sessions end kConsoleSessionTtlMs after login, after kConsoleIdleMs unused, at logout, and when
// their identity goes (the AccessKey is deleted or disabled, the RAM user or its login profile
// is deleted). The browser never holds a secret: the AccessKey pair is checked at login and
// forgotten.
//
// Every action goes through the API the SDKs use: the console POSTs ECS/VPC/... calls to the
// API path like any client, unsigned, with the cookie and the header `X-OpenECS-CSRF: <Csrf>`;
// ApiServer asks Authenticate() for the identity (RAM policies, operation locks, audit and
// metrics apply as to a signed call). Without the header: ConsoleCsrfMissing (403); with an
// unknown or ended session: ConsoleSessionExpired (401). The WebSocket, which a browser cannot
// give headers, is checked by its Origin instead (it must be this server), besides SameSite.
// Failed logins are limited per client address (kConsoleLoginFailures per 5 minutes: 429).
//
// The VNC stream is a Session Manager session of kind "screen" (service/session_service.h): the
// instance's host opens the guest's password-less VNC display (Driver::GuestStream::kScreen)
// and the session hub splices it to the WebSocket. The caller must be allowed
// ecs:DescribeInstanceVncUrl on the instance. Plain listener only (TLS answers 501).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/auth.h"
#include "common/http_server.h"
#include "service/cloud.h"
#include "service/principal.h"
#include "service/session_service.h"

namespace openecs {

inline constexpr const char* kConsolePath = "/console";
inline constexpr const char* kConsoleCookie = "openecs_console";
inline constexpr int64_t kConsoleSessionTtlMs = 8LL * 3600 * 1000;
inline constexpr int64_t kConsoleIdleMs = 3600 * 1000;
inline constexpr int kConsoleLoginFailures = 10;
inline constexpr size_t kConsoleMaxSessions = 10000;

struct ConsoleOptions {
  std::string assets_dir;                      // the console's files (index.html, js/, css/)
  std::string novnc_dir = "/usr/share/novnc";  // Debian's novnc package
};

class ConsoleEndpoint {
 public:
  ConsoleEndpoint(Cloud& cloud, CredentialLookup lookup, SessionHub& hub, ConsoleOptions options);
  // Every request whose path is /console or under /console/.
  HttpResponse Handle(const HttpRequest& req);
  // For the API server: nullopt unless `req` is a console call (it carries the console cookie
  // or the X-OpenECS-CSRF header, and no signature); else the session's identity or
  // ConsoleSessionExpired / ConsoleCsrfMissing.
  std::optional<Result<Principal>> Authenticate(const HttpRequest& req);

 private:
  struct Session {
    Principal principal;
    std::string csrf;
    int64_t expires_ms = 0;
    int64_t last_used_ms = 0;
  };
  HttpResponse Login(const HttpRequest& req);
  HttpResponse SessionInfo(const HttpRequest& req);
  HttpResponse Logout(const HttpRequest& req);
  HttpResponse Vnc(const HttpRequest& req);
  HttpResponse File(const std::string& root, const std::string& relative);
  // The live session the request's cookie names (its idle clock restarted), or nullopt.
  std::optional<Session> Find(const HttpRequest& req);
  // Whether the identity a session was made for still exists and may log in.
  bool StillValid(const Principal& p);
  bool LoginThrottled(const std::string& address, bool failed);

  Cloud& cloud_;
  CredentialLookup lookup_;
  SessionHub& hub_;
  ConsoleOptions options_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;  // by the token's sha256
  // Failed logins per client address: (window start ms, count).
  std::map<std::string, std::pair<int64_t, int>> failures_;
};

// The directory the console's files are in when --console-dir is not given: ./console if it
// holds index.html, else the repository's console/ next to the build (<exe>/../../console).
std::string DefaultConsoleDir();

}  // namespace openecs
