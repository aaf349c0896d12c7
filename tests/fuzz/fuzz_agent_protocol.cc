// Fuzz target: the agent protocol decoder (model/agent_protocol_json.h) and the server's agent
// endpoint (api/agent_endpoint.h) that applies it to requests from remote hosts. The input's
// first byte picks what it is:
//   even: JSON text decoded as each message the two sides exchange: HostInfo (register), a
//         report {"observations": [...]} and one Observation (report), DesiredState (pull);
//   odd:  an HTTP request to AgentEndpoint::Handle (method, route, query, body; the right
//         agent token and host key or not) of a fresh server (AgentService on an in-memory,
//         empty Cloud) where one host is enrolled.
//
// Invariants: no crash; decoding throws nothing but std::exception (what both callers catch);
// a decoded message encodes, decodes and encodes again to the same JSON (nothing is lost or
// invented on the way), and its encoding dumps without throwing; the endpoint answers every
// request with 200, 400, 401, 403, 404 or 409 and a JSON body (never 5xx: its store never
// fails, so nothing is the server's fault).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/agent_endpoint.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"
#include "service/agent_service.h"
#include "service/cloud.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_util.h"

namespace openecs {
namespace {

using json = nlohmann::json;

constexpr char kToken[] = "fuzz-agent-token";

// A store with nothing in it that accepts every commit (nothing reaches a disk).
class EmptyStore : public Store {
 public:
  Status Commit(const WriteBatch&) override { return Ok(); }
  Result<std::vector<Doc>> LoadAll(std::string_view) override { return std::vector<Doc>(); }
  Status ClaimForServer() override { return Ok(); }
};

// Decodes `j` as T if it is one; checks the round trip.
template <typename T>
void RoundTrip(const json& j, const char* what) {
  T v;
  try {
    v = j.get<T>();
  } catch (const std::exception&) {
    return;  // malformed: the caller answers 400 (server) or retries (agent)
  }
  json once = v;
  std::string text = DumpJson(once);
  T again = json::parse(text).get<T>();
  json twice = again;
  FUZZ_CHECK(once == twice, std::string(what) + ": " + text + "\n  " + DumpJson(twice));
}

void Decode(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  RoundTrip<HostInfo>(j, "HostInfo");
  RoundTrip<Observation>(j, "Observation");
  RoundTrip<DesiredState>(j, "DesiredState");
  if (j.is_object() && j.contains("observations"))
    RoundTrip<std::vector<Observation>>(j["observations"], "observations");
}

void Endpoint(FuzzedDataProvider& p) {
  // A fresh server per input (so that one input cannot depend on another), with one host
  // enrolled whose id and key the request may use.
  EmptyStore store;
  std::unique_ptr<Cloud> cloud = std::move(Cloud::Open(&store, CloudConfig{})).value();
  AgentService service(*cloud);
  AgentEndpoint endpoint(service, kToken);
  HostInfo host;
  host.name = "fuzz-host";
  host.zone_id = "local-a";
  auto [host_id, host_key] = service.Enrol(host, "").value();

  static const char* const kPaths[] = {"/openecs/agent/v1/register", "/openecs/agent/v1/desired",
                                       "/openecs/agent/v1/report", "/openecs/agent/v2/report"};
  HttpRequest req;
  req.method =
      p.ConsumeBool() ? (p.ConsumeBool() ? "GET" : "POST") : p.ConsumeRandomLengthString(8);
  req.target = p.ConsumeBool() ? p.PickValueInArray(kPaths) : p.ConsumeRandomLengthString(40);
  req.target += "?" + p.ConsumeRandomLengthString(80);
  if (p.ConsumeBool()) req.target += "&host_id=" + host_id;
  req.target += "&wait_ms=0";  // the last value counts: a long-poll would stall the fuzzer
  if (p.ConsumeIntegralInRange(0, 7) != 0)
    req.headers["authorization"] = std::string("Bearer ") + kToken;
  else
    req.headers["authorization"] = p.ConsumeRandomLengthString(32);
  if (p.ConsumeIntegralInRange(0, 7) != 0)
    req.headers["x-openecs-host-key"] = host_key;
  else
    req.headers["x-openecs-host-key"] = p.ConsumeRandomLengthString(32);
  req.body = p.ConsumeRemainingBytesAsString();
  HttpResponse r = endpoint.Handle(req);
  if (r.deferred) r = r.deferred();
  if (r.async) {  // a pull: answered from the agent service's builders (wait_ms=0: at once)
    std::promise<HttpResponse> answer;
    auto answered = answer.get_future();
    r.async([&answer](HttpResponse a) { answer.set_value(std::move(a)); });
    r = answered.get();
  }
  FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == 401 || r.status == 403 ||
                 r.status == 404 || r.status == 409,
             std::to_string(r.status) + " " + r.body + " for " + req.method + " " +
                 PercentEncode(req.target) + " " + PercentEncode(req.body));
  FUZZ_CHECK(!json::parse(r.body, nullptr, false).is_discarded(), PercentEncode(r.body));
}

}  // namespace
}  // namespace openecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    openecs::Decode(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    FuzzedDataProvider p(data + 1, size - 1);
    openecs::Endpoint(p);
  }
  return 0;
}
