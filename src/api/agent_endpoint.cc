#include "api/agent_endpoint.h"

#include <nlohmann/json.hpp>

#include "api/params.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"
#include "sys/files.h"

namespace openecs {
namespace {

using json = nlohmann::json;

HttpResponse Reply(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

HttpResponse Fail(int status, const std::string& message) {
  return Reply(status, {{"error", message}});
}

HttpResponse FromError(const Error& e) {
  int status = e.code == ErrorCode::kInvalidParameter ? 409 : 500;
  return Fail(status, e.message);
}

}  // namespace

HttpResponse AgentEndpoint::Handle(const HttpRequest& req) {
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0 ||
      !ConstantTimeEquals(Trim(auth->second.substr(7)), token_))
    return Fail(401, "missing or wrong agent token");

  size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  std::map<std::string, std::string> query;
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &query);
  auto host_id = query["host_id"];

  try {
    if (path == "/openecs/agent/v1/register" && req.method == "POST") {
      HostInfo host = json::parse(req.body).get<HostInfo>();
      if (host.name.empty() || host.zone_id.empty())
        return Fail(400, "a host needs a name and a zone_id");
      auto id = channel_.Register(host);
      if (!id.ok()) return FromError(id.error());
      return Reply(200, {{"host_id", *id}});
    }
    if (path == "/openecs/agent/v1/desired" && req.method == "GET") {
      int64_t since = std::stoll(query.count("since") ? query["since"] : "0");
      int wait_ms =
          std::clamp(std::stoi(query.count("wait_ms") ? query["wait_ms"] : "0"), 0, 30000);
      HttpResponse r;
      r.deferred = [this, host_id, since, wait_ms] {
        auto desired = channel_.Pull(host_id, since, wait_ms);
        if (!desired.ok()) return FromError(desired.error());
        return Reply(200, *desired);
      };
      return r;
    }
    if (path == "/openecs/agent/v1/report" && req.method == "POST") {
      auto obs = json::parse(req.body).at("observations").get<std::vector<Observation>>();
      Status st = channel_.Report(host_id, obs);
      if (!st.ok()) return FromError(st.error());
      return Reply(200, json::object());
    }
  } catch (const std::exception& e) {
    return Fail(400, std::string("malformed agent request: ") + e.what());
  }
  return Fail(404, "no such agent route: " + req.method + " " + path);
}

}  // namespace openecs
