#include "agent/http_channel.h"

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"

namespace openecs {

using json = nlohmann::json;

Result<std::string> HttpAgentChannel::Call(const std::string& method, const std::string& target,
                                           const std::string& body, int timeout_ms) {
  HttpClientRequest req;
  req.method = method;
  req.endpoint = server_;
  req.target = target;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  OPENECS_ASSIGN_OR_RETURN(HttpClientResponse res, HttpCall(req));
  if (res.status == 200) return std::move(res.body);
  std::string message = res.body;
  json j = json::parse(res.body, nullptr, false);
  if (j.is_object() && j.contains("error")) message = j.value("error", "");
  // 409: the server does not know this host (say, its database was reset): register again.
  return MakeError(res.status == 409 ? ErrorCode::kInvalidParameter : ErrorCode::kInternalError,
                   "server answered " + std::to_string(res.status) + ": " + message);
}

Result<std::string> HttpAgentChannel::Register(const HostInfo& host) {
  OPENECS_ASSIGN_OR_RETURN(std::string body,
                           Call("POST", "/openecs/agent/v1/register", DumpJson(json(host)), 10000));
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("host_id"))
    return MakeError(ErrorCode::kInternalError, "server sent no host_id");
  return j.value("host_id", "");
}

Result<DesiredState> HttpAgentChannel::Pull(const std::string& host_id, int64_t since,
                                            int wait_ms) {
  std::string target = "/openecs/agent/v1/desired?host_id=" + PercentEncode(host_id) +
                       "&since=" + std::to_string(since) + "&wait_ms=" + std::to_string(wait_ms);
  OPENECS_ASSIGN_OR_RETURN(std::string body, Call("GET", target, "", wait_ms + 15000));
  try {
    return json::parse(body).get<DesiredState>();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternalError, std::string("bad desired state: ") + e.what());
  }
}

Status HttpAgentChannel::Report(const std::string& host_id, const std::vector<Observation>& obs) {
  json body = {{"observations", obs}};
  auto res = Call("POST", "/openecs/agent/v1/report?host_id=" + PercentEncode(host_id),
                  DumpJson(body), 15000);
  if (!res.ok()) return res.error();
  return Ok();
}

}  // namespace openecs
