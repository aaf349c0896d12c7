#pragma once
// The API front door: parses an HTTP request, authenticates it, dispatches on (action,
// version) through the action table, and renders the reply or the ECS error envelope as JSON
// (or XML when Format=XML). Paths under /openecs/ are OpenECS's own routes (health, emulator
// controls), served only to loopback callers and unsigned.
#include <map>
#include <string>

#include "api/action.h"
#include "api/audit.h"
#include "api/auth.h"
#include "api/client_token.h"
#include "common/http_server.h"

namespace openecs {

class ApiServer {
 public:
  ApiServer(Cloud& cloud, Authenticator& auth);
  // Adds an OpenECS route (exact path, e.g. "/openecs/fake/faults").
  void AddRoute(const std::string& path, HttpHandler handler) {
    routes_[path] = std::move(handler);
  }
  HttpResponse Handle(const HttpRequest& req);
  const ActionTable& actions() const { return actions_; }
  ClientTokens& client_tokens() { return tokens_; }

 private:
  // `note` learns the identity, action and parameters once the call is authenticated.
  HttpResponse Dispatch(const HttpRequest& req, const std::string& request_id, bool* xml,
                        AuditNote* note);
  Cloud& cloud_;
  Authenticator& auth_;
  ClientTokens tokens_;
  ActionTable actions_;
  std::map<std::string, HttpHandler> routes_;
};

// Renders an error in the ECS envelope.
HttpResponse ErrorResponse(const Error& e, const std::string& request_id, bool xml);
// JSON -> the legacy XML shape (<Root><Key>..</Key></Root>, arrays as repeated elements).
std::string JsonToXml(const std::string& root, const nlohmann::json& j);

}  // namespace openecs
