#include "cli/cli.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "api/signature.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/http_client.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "model/console_state.h"

namespace openecs {
namespace {
using json = nlohmann::json;

void Usage() {
  std::cerr
      << "usage: ecs <Action> [--Param value ...] [--endpoint host:port] [--version V]\n"
         "           [--data-dir DIR] [--profile NAME] [--access-key-id ID --access-key-secret S]\n"
         "example: ecs DescribeInstances --RegionId local\n"
         "         ecs RunInstances --RegionId local --ImageId debian_12_tiny_x64_openecs \\\n"
         "             --InstanceType ecs.t5-lc2m1.nano --VSwitchId vsw-... --SecurityGroupId "
         "sg-...\n"
         "Lists use the flattened form: --SecurityGroupIds.1 sg-a --Tag.1.Key env --Tag.1.Value "
         "dev\n";
}

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json();
  return json::parse(in, nullptr, false);
}

// Prints the system events of an instance (DescribeInstanceHistoryEvents) to stderr: why the
// platform released or stopped it, in the host's words.
template <typename Call>
void PrintInstanceEvents(Call& call, const std::string& instance_id, const std::string& region) {
  auto res =
      call("DescribeInstanceHistoryEvents",
           std::map<std::string, std::string>{{"InstanceId", instance_id}, {"RegionId", region}});
  if (!res.ok() || res->status >= 400) return;
  json reply = json::parse(res->body, nullptr, false);
  if (!reply.is_object()) return;
  json events = reply.value("InstanceSystemEventSet", json::object())
                    .value("InstanceSystemEventType", json::array());
  for (const auto& e : events)
    std::cerr << "  event " << e.value("EventPublishTime", "") << " "
              << e.value("EventType", json::object()).value("Name", "") << ": "
              << e.value("Reason", "") << "\n";
}

// After DescribeInstances' JSON, one line per instance on stderr with the state a person reads
// (model/console_state.h): "i-...  web-1  Running  Expiring (expires 2026-12-20T00:00Z)".
void PrintInstanceStates(const json& reply) {
  if (!reply.is_object() || !reply.contains("Instances")) return;
  json list = reply["Instances"].value("Instance", json::array());
  for (const auto& i : list) {
    if (!i.is_object()) continue;
    std::vector<std::string> locks;
    for (const auto& l :
         i.value("OperationLocks", json::object()).value("LockReason", json::array()))
      if (l.is_object()) locks.push_back(l.value("LockReason", ""));
    std::string charge = i.value("InstanceChargeType", "");
    std::string expires = i.value("ExpiredTime", "");
    int64_t expired_time = charge == "PrePaid" ? ParseIso(expires).value_or(0) : 0;
    std::string state =
        ConsoleStateOf(i.value("Status", ""), charge, expired_time, locks, NowSeconds());
    std::cerr << i.value("InstanceId", "") << "  " << i.value("InstanceName", "") << "  "
              << i.value("Status", "") << "  " << state;
    if (charge == "PrePaid") std::cerr << " (subscription, expires " << expires << ")";
    if (i.value("SpotStrategy", "NoSpot") != "NoSpot") std::cerr << " (spot)";
    if (i.value("StoppedMode", "") == "StopCharging") std::cerr << " (economical stop)";
    std::cerr << "\n";
  }
}

}  // namespace

std::string VersionFor(const std::string& action) {
  static const std::set<std::string> kVpc = {"CreateVpc",
                                             "DescribeVpcs",
                                             "ModifyVpcAttribute",
                                             "DeleteVpc",
                                             "CreateVSwitch",
                                             "DescribeVSwitches",
                                             "DeleteVSwitch",
                                             "ModifyVSwitchAttribute",
                                             "AllocateEipAddress",
                                             "AssociateEipAddress",
                                             "UnassociateEipAddress",
                                             "ReleaseEipAddress",
                                             "DescribeEipAddresses",
                                             "ModifyEipAddressAttribute"};
  return kVpc.count(action) ? "2016-04-28" : "2014-05-26";
}

int RunCli(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    Usage();
    return 2;
  }
  std::string action = args[0];
  std::map<std::string, std::string> params, opts;
  static const std::set<std::string> kOptions = {"endpoint", "version",       "data-dir",
                                                 "profile",  "access-key-id", "access-key-secret"};
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      std::cerr << "ecs: expected --Param, got '" << a << "'\n";
      return 2;
    }
    std::string key = a.substr(2), value;
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::cerr << "ecs: --" << key << " needs a value\n";
      return 2;
    }
    (kOptions.count(key) ? opts : params)[key] = value;
  }

  std::string data_dir = opts.count("data-dir")            ? opts["data-dir"]
                         : std::getenv("OPENECS_DATA_DIR") ? std::getenv("OPENECS_DATA_DIR")
                                                           : "data";
  json creds = ReadJson(data_dir + "/credentials");
  if (opts.count("profile")) {
    const char* home = std::getenv("HOME");
    json cfg = ReadJson(std::string(home ? home : ".") + "/.openecs/config.json");
    if (!cfg.is_object() || !cfg.contains(opts["profile"])) {
      std::cerr << "ecs: no profile '" << opts["profile"] << "' in ~/.openecs/config.json\n";
      return 2;
    }
    creds = cfg[opts["profile"]];
  }
  auto pick = [&](const char* opt, const char* env, const char* key) -> std::string {
    if (opts.count(opt)) return opts[opt];
    if (env && std::getenv(env) && *std::getenv(env)) return std::getenv(env);
    if (creds.is_object() && creds.contains(key) && creds[key].is_string()) return creds[key];
    return "";
  };
  std::string ak = pick("access-key-id", "OPENECS_ACCESS_KEY_ID", "access_key_id");
  std::string secret = pick("access-key-secret", "OPENECS_ACCESS_KEY_SECRET", "access_key_secret");
  std::string endpoint = pick("endpoint", "OPENECS_ENDPOINT", "endpoint");
  if (endpoint.empty()) endpoint = "127.0.0.1:8080";
  if (ak.empty() || secret.empty()) {
    std::cerr << "ecs: no credentials: run `ecsd dev` (it writes " << data_dir
              << "/credentials), or pass --access-key-id and --access-key-secret\n";
    return 2;
  }
  if (!params.count("RegionId") && creds.is_object() && creds.contains("region_id") &&
      action != "DescribeRegions")
    params["RegionId"] = creds["region_id"].get<std::string>();

  auto call = [&](const std::string& act,
                  const std::map<std::string, std::string>& ps) -> Result<HttpClientResponse> {
    std::multimap<std::string, std::string> signed_params(ps.begin(), ps.end());
    signed_params.insert({"Action", act});
    signed_params.insert({"Version", opts.count("version") ? opts["version"] : VersionFor(act)});
    signed_params.insert({"Format", "JSON"});
    signed_params.insert({"AccessKeyId", ak});
    signed_params.insert({"SignatureMethod", "HMAC-SHA1"});
    signed_params.insert({"SignatureVersion", "1.0"});
    signed_params.insert({"SignatureNonce", RandomHex(16)});
    signed_params.insert({"Timestamp", FormatIso(NowSeconds())});
    std::string signature = V1Signature(V1StringToSign("POST", signed_params), secret);
    std::string body;
    for (const auto& [k, v] : signed_params)
      body += PercentEncode(k) + "=" + PercentEncode(v) + "&";
    body += "Signature=" + PercentEncode(signature);
    HttpClientRequest req;
    req.method = "POST";
    req.endpoint = endpoint;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"User-Agent", "openecs-cli/0.1"}};
    req.body = body;
    return HttpCall(req);
  };
  auto res = call(action, params);
  if (!res.ok()) {
    std::cerr << "ecs: " << res.error().message << "\n";
    return 2;
  }
  json reply = json::parse(res->body, nullptr, false);
  if (res->status >= 400) {
    if (reply.is_object() && reply.contains("Code"))
      std::cerr << reply.value("Code", "") << ": " << reply.value("Message", "") << " (HTTP "
                << res->status << ", RequestId " << reply.value("RequestId", "") << ")\n";
    else
      std::cerr << "HTTP " << res->status << ": " << res->body << "\n";
    // An instance that is not found may have been released by the platform: say why.
    if (reply.is_object() && reply.value("Code", "").find("NotFound") != std::string::npos &&
        params.count("InstanceId"))
      PrintInstanceEvents(call, params["InstanceId"], params["RegionId"]);
    return 1;
  }
  std::cout << (reply.is_discarded() ? res->body : DumpJson(reply, 2)) << "\n";
  if (action == "DescribeInstances") PrintInstanceStates(reply);
  return 0;
}

}  // namespace openecs
