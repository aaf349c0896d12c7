// Session Manager actions: StartTerminalSession, EndTerminalSession, DescribeTerminalSessions.
// Rules and the data path live in service/session_service.h; the WebSocket in
// api/session_endpoint.h. Port forwarding (PortNumber, TargetServer), Windows users
// (PasswordName) and encrypted sessions are refused (InvalidParameter), not ignored.
#include <algorithm>
#include <cctype>

#include "api/action.h"
#include "api/session_endpoint.h"
#include "common/clock.h"
#include "service/session_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

std::string IsoMs(int64_t ms) { return ms ? FormatIso(ms / 1000) : ""; }

Status NotSupported(const Params& p, const char* name, const char* what) {
  if (auto v = p.Get(name); v && !v->empty())
    return MakeError(ErrorCode::kInvalidParameter,
                     std::string(name) + ": " + what + " is not supported by OpenECS.");
  return Ok();
}

Result<json> StartTerminalSessionAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_RETURN_IF_ERROR(NotSupported(p, "PortNumber", "port forwarding"));
  OPENECS_RETURN_IF_ERROR(NotSupported(p, "TargetServer", "port forwarding"));
  OPENECS_RETURN_IF_ERROR(NotSupported(p, "PasswordName", "a Windows user's password"));
  OPENECS_RETURN_IF_ERROR(NotSupported(p, "EncryptionOptions", "session encryption"));
  OPENECS_ASSIGN_OR_RETURN(auto connection, p.Enum("ConnectionType", {"Internet", "Intranet"}));
  (void)connection;  // one URL: the address the caller reached this API on
  OPENECS_ASSIGN_OR_RETURN(auto ids, RequiredRepeatList(p, "InstanceId"));
  if (ids.size() != 1)
    return MakeError(ErrorCode::kInvalidParameter,
                     "InstanceId: give exactly one instance (InstanceId.1).");
  SessionSpec spec = SessionSpecOf(c.principal, c.region_id, ids[0]);
  spec.command_line = p.GetOr("CommandLine", "");
  if (spec.command_line.size() > kSessionCommandLineMax)
    return MakeError(ErrorCode::kInvalidParameter, "CommandLine must be at most 512 characters.");
  if (spec.command_line.find_first_of("\r\n") != std::string::npos)
    return MakeError(ErrorCode::kInvalidParameter, "CommandLine must be one line.");
  spec.username = p.GetOr("Username", "root");
  if (spec.username.empty()) spec.username = "root";
  if (spec.username != "root")
    return MakeError(ErrorCode::kInvalidParameter,
                     "Username: the session shell runs as root; other users are not supported.");
  OPENECS_ASSIGN_OR_RETURN(StartedSession started, StartTerminalSession(c.cloud, spec));
  // The Host the caller reached us on, if it looks like one (it is echoed into a URL).
  std::string host = c.host;
  if (host.empty() || host.size() > 255 || !std::all_of(host.begin(), host.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
               ch == ':' || ch == '[' || ch == ']';
      }))
    host = "127.0.0.1";
  return json{{"SessionId", started.session.id},
              {"SecurityToken", started.token},
              {"WebSocketUrl", "ws://" + host + kSessionPathPrefix + started.session.id +
                                   "?token=" + started.token}};
}

Result<json> EndTerminalSessionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SessionId"));
  OPENECS_RETURN_IF_ERROR(EndTerminalSession(c.cloud, c.account_id, id));
  return json::object();
}

// ECS's connection Status: Connecting | Connected | Closed (and Failed, which OpenECS reports
// as Closed with a FailedDetail).
std::string ConnectionStatus(const TerminalSession& t) {
  return t.state == "Pending" ? "Connecting" : t.state;
}

Result<json> DescribeTerminalSessionsAction(ApiContext& c) {
  const Params& p = c.params;
  auto instance_id = p.Get("InstanceId");
  auto session_id = p.Get("SessionId");
  OPENECS_ASSIGN_OR_RETURN(int64_t max, p.IntOr("MaxResults", 10, 1, 100));
  size_t begin = 0;
  if (auto token = p.Get("NextToken"); token && !token->empty()) {
    if (token->size() > 9 ||
        !std::all_of(token->begin(), token->end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return MakeError(ErrorCode::kInvalidParameter, "NextToken is not one this API returned.");
    begin = std::stoul(*token);
  }
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const TerminalSession*> matched;
    for (const auto& [id, t] : Owned(s.terminal_sessions, c.account_id))
      if (t.region_id == c.region_id && t.kind == "shell" &&
          (!instance_id || instance_id->empty() || t.instance_id == *instance_id) &&
          (!session_id || session_id->empty() || t.id == *session_id))
        matched.push_back(&t);
    // Newest first, as ECS lists them.
    std::sort(matched.begin(), matched.end(), [](const auto* a, const auto* b) {
      return a->creation_time != b->creation_time ? a->creation_time > b->creation_time
                                                  : a->id > b->id;
    });
    size_t end = std::min(matched.size(), begin + static_cast<size_t>(max));
    json arr = json::array();
    for (size_t k = std::min(begin, matched.size()); k < end; ++k) {
      const TerminalSession& t = *matched[k];
      json conn = {{"InstanceId", t.instance_id},      {"Status", ConnectionStatus(t)},
                   {"StartTime", IsoMs(t.start_time)}, {"EndTime", IsoMs(t.end_time)},
                   {"ClosedReason", t.closed_reason},  {"FailedDetail", t.failed_detail}};
      arr.push_back({{"SessionId", t.id},
                     {"CreationTime", IsoMs(t.creation_time)},
                     {"ClientIP", t.client_ip},
                     {"IdentityType", t.identity_type},
                     {"PrincipalId", t.principal_id},
                     {"Username", t.username},
                     {"PortNumber", 0},
                     {"TargetServer", ""},
                     {"Connections", {{"Connection", json::array({conn})}}}});
    }
    return json{{"Sessions", {{"Session", arr}}},
                {"NextToken", end < matched.size() ? std::to_string(end) : ""}};
  });
}

}  // namespace

void RegisterSessionActions(ActionTable& t) {
  t[{kEcsVersion, "StartTerminalSession"}] = {StartTerminalSessionAction, true, true};
  t[{kEcsVersion, "EndTerminalSession"}] = {EndTerminalSessionAction};
  t[{kEcsVersion, "DescribeTerminalSessions"}] = {DescribeTerminalSessionsAction};
}

}  // namespace openecs
