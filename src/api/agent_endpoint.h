#pragma once
// The agent protocol over HTTP/JSON: how `ecsd agent` on another host reaches the server.
// Every request carries `Authorization: Bearer <agent token>` (the token `ecsd` keeps in
// <data-dir>/agent-token); a missing or wrong token gets 401 and nothing else.
//
//   POST /openecs/agent/v1/register                      body HostInfo  -> {"host_id": ...}
//   GET  /openecs/agent/v1/desired?host_id=&since=&wait_ms=             -> DesiredState
//   POST /openecs/agent/v1/report?host_id=               body {"observations": [...]} -> {}
//
// `desired` is a long-poll (wait_ms at most 30 s); it is answered off the I/O threads.
// Errors: 400 for malformed input, 401 for auth, 404 for an unknown path, 409 for an unknown
// host (the agent registers again), 500 when the server cannot do what was asked.
#include <string>

#include "common/http_server.h"
#include "model/agent_protocol.h"

namespace openecs {

inline constexpr const char* kAgentPathPrefix = "/openecs/agent/";

class AgentEndpoint {
 public:
  AgentEndpoint(AgentChannel& channel, std::string token)
      : channel_(channel), token_(std::move(token)) {}
  HttpResponse Handle(const HttpRequest& req);

 private:
  AgentChannel& channel_;
  std::string token_;
};

}  // namespace openecs
