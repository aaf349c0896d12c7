#include "agent/http_channel.h"

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"
#include "sys/files.h"

namespace openecs {

using json = nlohmann::json;

HttpAgentChannel::HttpAgentChannel(std::string server, std::string token, std::string key_file,
                                   TlsTrust trust)
    : server_(std::move(server)),
      token_(std::move(token)),
      key_file_(std::move(key_file)),
      trust_(std::move(trust)) {
  if (!key_file_.empty()) key_ = Trim(ReadFile(key_file_));
}

Result<std::string> HttpAgentChannel::Call(const std::string& method, const std::string& target,
                                           const std::string& body, int timeout_ms) {
  HttpClientRequest req;
  req.method = method;
  req.endpoint = server_;
  req.target = target;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.tls = trust_;
  req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!key_.empty()) req.headers["X-OpenECS-Host-Key"] = key_;
  }
  OPENECS_ASSIGN_OR_RETURN(HttpClientResponse res, HttpCall(req));
  if (res.status == 200) return std::move(res.body);
  std::string message = res.body;
  json j = json::parse(res.body, nullptr, false);
  if (j.is_object() && j.contains("error")) message = j.value("error", "");
  // 409: the server does not know this host (say, its database was reset): register again.
  ErrorCode code = res.status == 409   ? ErrorCode::kInvalidParameter
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

Status HttpAgentChannel::ReportMetrics(const std::string& host_id,
                                       const std::vector<GuestSample>& samples) {
  json body = {{"samples", samples}};
  auto res = Call("POST", "/openecs/agent/v1/metrics?host_id=" + PercentEncode(host_id),
                  DumpJson(body), 15000);
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

}  // namespace openecs
