#pragma once
// The user's end of a Session Manager session (service/session_service.h): the WebSocketUrl
// StartTerminalSession returns,
//
//   GET /openecs/session/v1/<session id>?token=<SecurityToken>   Upgrade: websocket
//
// on the API server's plain listener (an upgrade on the TLS listener is answered 501). The token
// goes in the query string, not in a first message, so that a wrong one is refused before the
// upgrade: 401 without a token or with a wrong one, 404 for an unknown session, 409 for a closed
// session or one that already has its user, 400 for a request that is no WebSocket upgrade.
// After the upgrade every message the client sends (text or binary) is typed into the guest as
// it is; the guest's output comes back as binary messages. Unsigned (the token is the
// credential) and open to every client address, as the API is.
#include <string>

#include "common/http_server.h"
#include "service/session_service.h"

namespace openecs {

inline constexpr const char* kSessionPathPrefix = "/openecs/session/v1/";

HttpResponse HandleSessionUpgrade(SessionHub& hub, const HttpRequest& req);

}  // namespace openecs
