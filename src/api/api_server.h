#pragma once
// The API front door: parses an HTTP request, authenticates it, dispatches on (action,
// version) through the action table, and renders the reply or the ECS error envelope as JSON
// (or XML when Format=XML). Paths under /openecs/ are OpenECS's own routes (health, emulator
// controls), served only to loopback callers and unsigned; so is /metrics, the process's
// Prometheus metrics (common/prom_metrics.h; `ecsd dev --metrics-listen` serves them to others).
//
// Metrics of the API (in DefaultMetrics()):
//   openecs_api_requests_total{product,action,code}       every call answered; code is the ECS
//       error code or "OK". Errors per code: sum by (code) (...{code!="OK"}); no family of its own.
//   openecs_api_request_duration_seconds{product,action}  time in Handle (parse to reply).
//   openecs_instances{status}            instances by API status, read from the state at scrape
//   openecs_instance_operations{task}    instances with an operation in flight, by task
//   openecs_tasks{status}                Task records (DescribeTasks) by status; Processing is
//                                        the queue of long work not settled yet
// product is ecs, vpc, ram, sts, ... (ProductOfVersion) and action an action of the table; a
// call naming anything else counts as product or action "unknown", so that callers cannot
// grow the label sets. Calls to /openecs/ routes and /metrics are not counted.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/action.h"
#include "api/audit.h"
#include "api/auth.h"
#include "api/client_token.h"
#include "common/http_server.h"
#include "common/prom_metrics.h"

namespace openecs {

class ApiServer {
 public:
  ApiServer(Cloud& cloud, Authenticator& auth);
  // Adds an OpenECS route (exact path, e.g. "/openecs/fake/faults").
  void AddRoute(const std::string& path, HttpHandler handler) {
    routes_[path] = std::move(handler);
  }
  HttpResponse Handle(const HttpRequest& req);
  // The web console's identities (api/console_endpoint.h): a request the hook claims (it
  // returns a value) acts as the identity it answers, instead of being verified as a signed
  // call. Set before serving.
  using ConsoleAuth = std::function<std::optional<Result<Principal>>(const HttpRequest&)>;
  void SetConsoleAuth(ConsoleAuth hook) { console_auth_ = std::move(hook); }
  const ActionTable& actions() const { return actions_; }
  ClientTokens& client_tokens() { return tokens_; }

 private:
  // What the metrics learn of one call (Dispatch fills it in).
  struct CallLabels {
    bool counted = true;                  // an API call (not a route of ours, not /metrics)
    std::string product = "unknown";      // ProductOfVersion, or "unknown"
    std::string_view action = "unknown";  // the action table's own string, or "unknown"
    std::string_view code = "OK";         // the ECS error code (common/errors.h), or "OK"
  };
  // The state gauges (openecs_instances, ...) in DefaultMetrics(), evaluated at scrape time.
  void RegisterStateGauges();
  // `note` learns the identity, action and parameters once the call is authenticated.
  HttpResponse Dispatch(const HttpRequest& req, const std::string& request_id, bool* xml,
                        AuditNote* note, CallLabels* labels);
  Cloud& cloud_;
  Authenticator& auth_;
  ClientTokens tokens_;
  ActionTable actions_;
  std::map<std::string, HttpHandler> routes_;
  ConsoleAuth console_auth_;
  // The state gauges (openecs_instances, ...), read from cloud_ at scrape time.
  std::vector<MetricsCallback> gauges_;
};

// Renders an error in the ECS envelope.
HttpResponse ErrorResponse(const Error& e, const std::string& request_id, bool xml);
// JSON -> the legacy XML shape (<Root><Key>..</Key></Root>, arrays as repeated elements).
std::string JsonToXml(const std::string& root, const nlohmann::json& j);

}  // namespace openecs
