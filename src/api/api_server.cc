#include "api/api_server.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "api/authorizer.h"
#include "api/lock_gate.h"
#include "api/param_types.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/text.h"

namespace openecs {
namespace {

// Parameters that belong to the signature or the transport, not to the action.
bool IsCommonParam(const std::string& k) {
  static const char* kCommon[] = {"Action",           "Version",         "Format",
                                  "AccessKeyId",      "Signature",       "SignatureMethod",
                                  "SignatureVersion", "SignatureNonce",  "Timestamp",
                                  "SecurityToken",    "SignatureType",   "OwnerId",
                                  "OwnerAccount",     "ResourceOwnerId", "ResourceOwnerAccount"};
  for (const char* c : kCommon)
    if (k == c) return true;
  return false;
}

std::string SerializeReply(const nlohmann::json& reply, const std::vector<std::string>& raw);

// Character data for XML 1.0 in UTF-8. Markup characters are escaped (and CR, which a reader
// would turn into LF). What an XML document cannot carry at all becomes U+FFFD, as invalid
// bytes do in JSON (DumpJson): a byte that starts no valid UTF-8 sequence, a control character
// other than tab, LF and CR, U+FFFE and U+FFFF (tests/fuzz/fuzz_render found them in replies).
void XmlEscape(const std::string& s, std::string& out) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    std::string_view seq = std::string_view(s).substr(i, n);
    bool valid = n > 0 && seq.size() == n && IsValidUtf8(seq);
    i += valid ? n : 1;
    if (!valid || seq == "\xEF\xBF\xBE" || seq == "\xEF\xBF\xBF" ||
        (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
      out += kReplacement;
      continue;
    }
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += seq;
    }
  }
}

void XmlValue(const std::string& name, const nlohmann::json& j, std::string& out) {
  if (j.is_array()) {
    for (const auto& e : j) XmlValue(name, e, out);
    return;
  }
  out += "<" + name + ">";
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) XmlValue(it.key(), it.value(), out);
  } else if (j.is_string()) {
    XmlEscape(j.get<std::string>(), out);
  } else if (!j.is_null()) {
    out += DumpJson(j);
  }
  out += "</" + name + ">";
}

}  // namespace

std::string JsonToXml(const std::string& root, const nlohmann::json& j) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  XmlValue(root, j, out);
  return out;
}

HttpResponse ErrorResponse(const Error& e, const std::string& request_id, bool xml) {
  const ErrorInfo& info = Describe(e.code);
  nlohmann::json body = {
      {"RequestId", request_id},
      {"HostId", "ecs.openecs.local"},
      {"Code", std::string(info.code)},
      {"Message", e.message.empty() ? std::string(info.message) : e.message},
      {"Recommend", "https://api.aliyun.com/troubleshoot?q=" + std::string(info.code) +
                        "&product=Ecs&requestId=" + request_id}};
  if (!e.access_denied_detail.empty())
    body["AccessDeniedDetail"] = nlohmann::json::parse(e.access_denied_detail, nullptr, false);
  HttpResponse r;
  r.status = info.http_status;
  r.headers["x-acs-request-id"] = request_id;
  if (xml) {
    r.content_type = "text/xml;charset=utf-8";
    r.body = JsonToXml("Error", body);
  } else {
    r.body = DumpJson(body);
  }
  return r;
}

ApiServer::ApiServer(Cloud& cloud, Authenticator& auth)
    : cloud_(cloud), auth_(auth), tokens_(cloud) {
  RegisterCatalogueActions(actions_);
  RegisterNetworkActions(actions_);
  RegisterRouteActions(actions_);
  RegisterResourceGroupActions(actions_);
  RegisterRamActions(actions_);
  RegisterInstanceActions(actions_);
  RegisterInstanceSettingsActions(actions_);
  RegisterKeyPairAndTagActions(actions_);
  RegisterEipActions(actions_);
  RegisterEniActions(actions_);
  RegisterDiskActions(actions_);
  RegisterSnapshotActions(actions_);
  RegisterLaunchTemplateActions(actions_);
  RegisterDeploymentSetActions(actions_);
  RegisterDedicatedHostActions(actions_);
  RegisterStsActions(actions_);
  RegisterInstanceRamRoleActions(actions_);
  RegisterBillingActions(actions_);
  RegisterBssActions(actions_);
  RegisterTaskActions(actions_);
  RegisterEventActions(actions_);
  RegisterMonitorActions(actions_);
  RegisterAssistantActions(actions_);
  RegisterSessionActions(actions_);
  RegisterCmsActions(actions_);
  RegisterActionTrailActions(actions_);
  RegisterImageActions(actions_);
  RegisterStateGauges();
}

void ApiServer::RegisterStateGauges() {
  MetricsRegistry& m = DefaultMetrics();
  Cloud& cloud = cloud_;
  gauges_.push_back(m.AddCallbackGauge(
      "openecs_instances", "Instances by API status, from the server's state when scraped.",
      {"status"}, [&cloud] {
        return cloud.Read<GaugeSamples>([](const State& s) {
          std::map<InstanceStatus, double> n;
          for (const auto& [id, i] : s.instances) ++n[i.status];
          GaugeSamples out;
          for (InstanceStatus st : kAllStatuses)
            out.push_back({{std::string(ToString(st))}, n[st]});
          return out;
        });
      }));
  gauges_.push_back(m.AddCallbackGauge(
      "openecs_instance_operations",
      "Instances with an operation in flight (the task an instance's status waits on), by task.",
      {"task"}, [&cloud] {
        return cloud.Read<GaugeSamples>([](const State& s) {
          std::map<InstanceTask, double> n;
          for (const auto& [id, i] : s.instances) ++n[i.task];
          GaugeSamples out;
          for (InstanceTask t :
               {InstanceTask::kCreating, InstanceTask::kStarting, InstanceTask::kStopping,
                InstanceTask::kRebooting, InstanceTask::kReleasing})
            out.push_back({{std::string(ToString(t))}, n[t]});
          return out;
        });
      }));
  gauges_.push_back(m.AddCallbackGauge(
      "openecs_tasks",
      "Task records (DescribeTasks: snapshots, disk rebuilds, images) by status; Processing is "
      "the long work not settled yet.",
      {"status"}, [&cloud] {
        return cloud.Read<GaugeSamples>([](const State& s) {
          std::map<std::string, double> n = {{"Processing", 0}, {"Finished", 0}, {"Failed", 0}};
          for (const auto& [id, t] : s.tasks) ++n[t.status];
          GaugeSamples out;
          for (const auto& [status, count] : n) out.push_back({{status}, count});
          return out;
        });
      }));
}

HttpResponse ApiServer::Handle(const HttpRequest& req) {
  std::string request_id = NewRequestId();
  bool xml = false;
  auto t0 = std::chrono::steady_clock::now();
  CallLabels labels;
  auto count = [&] {
    if (!labels.counted) return;
    static CounterFamily& requests = DefaultMetrics().Counter(
        "openecs_api_requests_total",
        "API calls answered, by product, action and result (the ECS error code, or OK).",
        {"product", "action", "code"});
    static HistogramFamily& duration = DefaultMetrics().Histogram(
        "openecs_api_request_duration_seconds",
        "Time the API server spent on a call, from parsing to the reply (the network not "
        "included).",
        {"product", "action"}, MetricsRegistry::FastBuckets());
    requests.Inc({labels.product, labels.action, labels.code});
    duration.Observe({labels.product, labels.action},
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  try {
    AuditNote note;
    HttpResponse r = Dispatch(req, request_id, &xml, &note, &labels);
    // The audit trail (CloudConfig::audit): every call that passed authentication.
    if (AuditLog* audit = cloud_.audit(); audit && note.authenticated)
      audit->Record(AuditEventOf(note, req, r, request_id, cloud_.NowMillis()));
    // Server-side time, for benchmarks that want it apart from the client's.
    r.headers["x-openecs-handler-us"] = std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    count();
    return r;
  } catch (const std::exception& e) {
    LOG_ERROR("request {} failed with an exception: {}", request_id, e.what());
    labels.code = Describe(ErrorCode::kInternalError).code;
    count();
    return ErrorResponse(MakeError(ErrorCode::kInternalError), request_id, xml);
  }
}

namespace {

bool IsLoopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

// Every parameter of a call, read by its handler or not, before anything else looks at it:
// text only, descriptions at most 256 characters, the owner parameters as ECS types them, and
// the catalogue's type and length (api/param_types.h). Returns the parameters a handler reads
// (the common ones, Action, Version, the signature's, left out).
Result<Params> CheckParams(const std::string& version, const std::string& action,
                           const std::map<std::string, std::string>& all) {
  std::map<std::string, std::string> values;
  for (const auto& [k, v] : all) {
    // Every name, description and value ends up in JSON (records, replies): text only.
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      ErrorCode code = k == "InstanceName" ? ErrorCode::kInvalidInstanceName
                       : k == "HostName"   ? ErrorCode::kInvalidHostName
                                           : ErrorCode::kInvalidParameter;
      std::string name = IsValidUtf8(k) ? k : "name";
      return MakeError(code, "The parameter " + name + " is not valid UTF-8 text.");
    }
    // A description (Description, SystemDisk.Description, DestinationDescription, ...) is at
    // most 256 characters on ECS; nothing longer reaches a record.
    auto chars = [](const std::string& s) {
      return std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xc0) != 0x80; });
    };
    if (k.size() >= 11 && k.compare(k.size() - 11, 11, "Description") == 0 && chars(v) > 256)
      return MakeError(ErrorCode::kInvalidDescription,
                       "The parameter " + k + " is longer than 256 characters.");
    // The owner parameters are not used (the AccessKey names the account) but are checked as
    // ECS types them: OwnerId and ResourceOwnerId whole numbers, the accounts short text.
    if (k == "OwnerId" || k == "ResourceOwnerId") {
      auto n = Params(std::map<std::string, std::string>{{k, v}}).Int(k, 0, INT64_MAX);
      if (!n.ok()) return n.error();
    }
    if ((k == "OwnerAccount" || k == "ResourceOwnerAccount") &&
        (v.size() > 128 ||
         std::any_of(v.begin(), v.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })))
      return MakeError(
          ErrorCode::kInvalidParameter,
          "The parameter " + k + " must be at most 128 characters without control characters.");
    OPENECS_RETURN_IF_ERROR(CheckParamType(version, action, k, v));
    if (!IsCommonParam(k)) values[k] = v;
  }
  return Params(std::move(values));
}

// RegionId (the automatic snapshot policy actions spell it "regionId") must be this server's
// region; an action that requires it fails without it.
Status CheckRegion(const Params& params, bool required, const std::string& served) {
  auto region = params.Get("RegionId");
  if (!region) region = params.Get("regionId");
  if (!region) return required ? params.Required("RegionId").error() : Ok();
  if (*region != served)
    return MakeError(
        ErrorCode::kInvalidRegionIdNotFound,
        "The region " + *region + " does not exist; this OpenECS serves region " + served + ".");
  return Ok();
}

// The answer to a call: `body` is the reply's JSON text, sent as it is or, for Format=XML, in
// the legacy XML shape.
HttpResponse Render(const std::string& action, std::string body, const std::string& request_id,
                    bool xml) {
  HttpResponse r;
  r.headers["x-acs-request-id"] = request_id;
  if (xml) {
    r.content_type = "text/xml;charset=utf-8";
    r.body = JsonToXml(action + "Response", nlohmann::json::parse(body));
  } else {
    r.body = std::move(body);
  }
  return r;
}

}  // namespace

HttpResponse ApiServer::Dispatch(const HttpRequest& http, const std::string& request_id, bool* xml,
                                 AuditNote* note, CallLabels* labels) {
  // Every error answer goes through here, so the metrics learn its code.
  auto fail = [labels, note, &request_id, xml](const Error& e) {
    labels->code = Describe(e.code).code;
    note->error_code = std::string(labels->code);
    note->error_message = e.message.empty() ? std::string(Describe(e.code).message) : e.message;
    return ErrorResponse(e, request_id, *xml);
  };
  ApiRequest req;
  req.http = &http;
  req.method = http.method;
  size_t q = http.target.find('?');
  req.path = http.target.substr(0, q);
  if (q != std::string::npos)
    ParseUrlEncoded(std::string_view(http.target).substr(q + 1), false, &req.query);

  // OpenECS's own routes (/openecs/..., /metrics): loopback only, not API calls.
  if (req.path.rfind("/openecs/", 0) == 0 || req.path == "/metrics") {
    labels->counted = false;
    auto it = routes_.find(req.path);
    if (!IsLoopback(http.remote_address) || (it == routes_.end() && req.path != "/metrics"))
      return ErrorResponse(MakeError(ErrorCode::kInvalidAction), request_id, false);
    if (req.path == "/metrics") return MetricsResponse(http);
    return it->second(http);
  }
  if (req.method != "GET" && req.method != "POST")
    return fail(MakeError(ErrorCode::kUnsupportedHttpMethod));
  auto ct = http.headers.find("content-type");
  if (ct != http.headers.end() &&
      ct->second.find("application/x-www-form-urlencoded") != std::string::npos)
    ParseUrlEncoded(http.body, true, &req.form);

  // The call: Action and Version from the parameters (RPC style) or the headers (ACS3). A
  // parameter in both the query and the form is the form's.
  auto param = [&req](const char* name) -> const std::string* {
    if (auto it = req.form.find(name); it != req.form.end()) return &it->second;
    if (auto it = req.query.find(name); it != req.query.end()) return &it->second;
    return nullptr;
  };
  const std::string* format = param("Format");
  *xml = format && EqualsIgnoreCase(*format, "XML");
  auto header = [&](const char* name) {
    auto it = http.headers.find(name);
    return it == http.headers.end() ? std::string() : it->second;
  };
  std::string action = header("x-acs-action"), version = header("x-acs-version");
  if (const std::string* a = param("Action")) action = *a;
  if (const std::string* v = param("Version")) version = *v;
  if (action.empty())
    return fail(MakeError(ErrorCode::kMissingParameter,
                          "The input parameter \"Action\" that is mandatory for processing "
                          "this request is not supplied."));
  if (version.empty())
    return fail(MakeError(ErrorCode::kMissingParameter,
                          "The input parameter \"Version\" that is mandatory for "
                          "processing this request is not supplied."));

  // The metrics' labels: only names the action table has (a caller cannot grow the label sets).
  auto spec = actions_.find({version, action});
  if (std::string product = ProductOfVersion(version); !product.empty())
    labels->product = std::move(product);
  if (spec != actions_.end()) labels->action = spec->first.second;

  // Who calls: the console's session, or a signature (api/auth.h).
  std::optional<Result<Principal>> console;
  if (console_auth_) console = console_auth_(http);
  Result<Principal> principal = console ? std::move(*console) : auth_.Verify(req);
  if (!principal.ok()) return fail(principal.error());
  const std::string& account = principal->account_id;
  note->authenticated = true;
  note->principal = *principal;
  note->action = action;
  note->version = version;
  // The parameters, from here on: the query's and the form's in one map (the signature,
  // checked above, needed them apart).
  note->params = std::move(req.query);
  for (auto& [k, v] : req.form) note->params[k] = std::move(v);
  if (spec == actions_.end()) {
    std::string known = version == kEcsVersion || version == kVpcVersion ? "" : " or version";
    return fail(MakeError(
        ErrorCode::kInvalidAction,
        "The action " + action + known + " (" + version + ") is not supported by OpenECS."));
  }

  // What it asks, checked before anyone acts on it.
  Result<Params> params = CheckParams(version, action, note->params);
  if (!params.ok()) return fail(params.error());
  ApiContext ctx{cloud_, *params, account, cloud_.config().region_id, request_id};
  ctx.principal = *principal;
  if (auto h = http.headers.find("host"); h != http.headers.end()) ctx.host = h->second;
  if (Status st = CheckRegion(*params, spec->second.region_required, ctx.region_id); !st.ok())
    return fail(st.error());
  // RAM: may this identity do this action on what it names (api/authorizer.h)?
  if (Status allowed = Authorize(cloud_, *principal, version, action, *params, ctx.region_id);
      !allowed.ok())
    return fail(allowed.error());
  // Operation locks (service/instance_locks.h) on the instances the request names.
  if (version == kEcsVersion || version == kVpcVersion) {
    if (Status unlocked = CheckOperationLocks(cloud_, account, action, *params); !unlocked.ok())
      return fail(unlocked.error());
  }

  // ClientToken (api/client_token.h): a token used before answers what its first call
  // answered; the call's changes and the token are committed together.
  std::string token_key;
  std::optional<TokenScope> token_scope;
  if (auto token = params->Get("ClientToken"); token && spec->second.idempotent) {
    if (token->size() > 64) return fail(MakeError(ErrorCode::kInvalidClientToken));
    std::string key = account + "/" + action + "/" + *token;
    std::string fingerprint = TokenFingerprint(params->all());
    auto claimed = tokens_.Claim(key, fingerprint, action);
    if (!claimed.ok()) return fail(claimed.error());
    if (*claimed) {
      nlohmann::json reply = nlohmann::json::parse(**claimed, nullptr, false);
      if (reply.is_discarded()) reply = nlohmann::json::object();
      reply["RequestId"] = request_id;
      return Render(action, DumpJson(reply), request_id, *xml);
    }
    token_key = key;
    token_scope.emplace(key, fingerprint);
  }

  // The handler (api/*_actions.cc), and its answer.
  auto result = spec->second.handler(ctx);
  bool token_recorded = token_scope && token_scope->recorded;
  token_scope.reset();
  if (!result.ok()) {
    // The token's record is forgotten only if this call made it (on a shared store another
    // server's call may have: service/cloud.h TokenScope).
    if (!token_key.empty()) {
      if (token_recorded)
        tokens_.Finish(token_key, nullptr);
      else
        tokens_.Abandon(token_key);
    }
    return fail(result.error());
  }
  nlohmann::json reply = std::move(result).value();
  reply["RequestId"] = request_id;
  std::string body = SerializeReply(reply, ctx.raw);
  if (!token_key.empty()) tokens_.Finish(token_key, &body);
  return Render(action, std::move(body), request_id, *xml);
}

Result<bool> DryRunOf(const Params& p) { return p.Bool("DryRun", false); }

std::string RawPlaceholder(size_t n) { return "@@openecs-raw-" + std::to_string(n) + "@@"; }

namespace {
// The reply as JSON text with the handler's raw fragments spliced in.
std::string SerializeReply(const nlohmann::json& reply, const std::vector<std::string>& raw) {
  std::string out = DumpJson(reply);
  for (size_t n = 0; n < raw.size(); ++n) {
    std::string quoted = "\"" + RawPlaceholder(n) + "\"";
    size_t pos = out.find(quoted);
    if (pos != std::string::npos) out.replace(pos, quoted.size(), raw[n]);
  }
  return out;
}
}  // namespace

Status CheckZone(const ApiContext& c, const std::optional<std::string>& zone) {
  if (!zone) return Ok();
  const auto& zones = c.cloud.config().zones;
  if (std::find(zones.begin(), zones.end(), *zone) == zones.end())
    return MakeError(ErrorCode::kInvalidZoneIdNotFound, "The zone " + *zone + " does not exist.");
  return Ok();
}

Result<Tags> TagsOf(const Params& p, const std::string& prefix) {
  Tags tags;
  for (auto& m : p.ObjectList(prefix)) {
    Tag t{m["Key"], m["Value"]};
    if (t.key.empty() && t.value.empty()) continue;
    tags.push_back(std::move(t));
  }
  return tags;
}

Result<std::vector<std::string>> RequiredRepeatList(const Params& p, const std::string& name) {
  auto list = p.RepeatList(name);
  if (list.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"" + name +
                         ".N\" that is mandatory for processing this request is not supplied.");
  return list;
}

int64_t NumericAccountId(const std::string& id) {
  if (id.empty() || id.size() > 18 ||
      !std::all_of(id.begin(), id.end(), [](unsigned char ch) { return std::isdigit(ch); }))
    return 0;
  return std::stoll(id);
}

nlohmann::json Wrap(const char* inner, nlohmann::json array) {
  if (!array.is_array()) array = nlohmann::json::array();
  return nlohmann::json{{inner, std::move(array)}};
}

nlohmann::json RenderTags(const Tags& tags, bool vpc_style) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& t : tags) {
    if (vpc_style)
      arr.push_back({{"Key", t.key}, {"Value", t.value}});
    else
      arr.push_back({{"TagKey", t.key}, {"TagValue", t.value}});
  }
  return Wrap("Tag", arr);
}

}  // namespace openecs
