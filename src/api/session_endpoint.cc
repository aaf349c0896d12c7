#include "api/session_endpoint.h"

#include <map>
#include <nlohmann/json.hpp>

#include "api/params.h"
#include "common/json_dump.h"
#include "common/websocket.h"

namespace openecs {

namespace {
HttpResponse Fail(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(nlohmann::json{{"error", message}});
  return r;
}
}  // namespace

HttpResponse HandleSessionUpgrade(SessionHub& hub, const HttpRequest& req) {
  size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  std::string id = path.substr(std::string(kSessionPathPrefix).size());
  std::map<std::string, std::string> query;
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &query);
  if (id.empty() || id.size() > 64 || id.find('/') != std::string::npos)
    return Fail(404, "no such session");
  auto accept = WebSocketAcceptKey(req);
  if (!accept) return Fail(400, "this URL takes a WebSocket upgrade (RFC 6455, version 13)");
  if (Status st = hub.CheckUser(id, query["token"]); !st.ok()) {
    ErrorCode code = st.error().code;
    return Fail(code == ErrorCode::kInvalidSessionIdNotFound ? 404
                : code == ErrorCode::kForbidden              ? 401
                                                             : 409,
                st.error().message);
  }
  if (req.secure)
    return Fail(501, "sessions are served on the plain HTTP listener (ws://), not over TLS");
  HttpResponse r = WebSocketUpgradeResponse(*accept);
  r.takeover = [&hub, id](int fd, std::string early) { hub.AttachUser(id, fd, std::move(early)); };
  return r;
}

}  // namespace openecs
