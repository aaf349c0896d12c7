#include "api/api_server.h"

#include <algorithm>
#include <chrono>

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

void XmlEscape(const std::string& s, std::string& out) {
  for (char c : s) {
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
      default:
        out += c;
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

ApiServer::ApiServer(Cloud& cloud, Authenticator& auth) : cloud_(cloud), auth_(auth) {
  RegisterCatalogueActions(actions_);
  RegisterNetworkActions(actions_);
  RegisterInstanceActions(actions_);
  RegisterKeyPairAndTagActions(actions_);
  RegisterEipActions(actions_);
  RegisterEniActions(actions_);
  RegisterDiskActions(actions_);
  RegisterSnapshotActions(actions_);
  RegisterTaskActions(actions_);
  RegisterEventActions(actions_);
  RegisterImageActions(actions_);
}

HttpResponse ApiServer::Handle(const HttpRequest& req) {
  std::string request_id = NewRequestId();
  bool xml = false;
  try {
    auto t0 = std::chrono::steady_clock::now();
    HttpResponse r = Dispatch(req, request_id, &xml);
    // Server-side time, for benchmarks that want it apart from the client's.
    r.headers["x-openecs-handler-us"] = std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    return r;
  } catch (const std::exception& e) {
    LOG_ERROR("request {} failed with an exception: {}", request_id, e.what());
    return ErrorResponse(MakeError(ErrorCode::kInternalError), request_id, xml);
  }
}

HttpResponse ApiServer::Dispatch(const HttpRequest& http, const std::string& request_id,
                                 bool* xml) {
  ApiRequest req;
  req.http = &http;
  req.method = http.method;
  size_t q = http.target.find('?');
  req.path = http.target.substr(0, q);
  if (q != std::string::npos)
    ParseUrlEncoded(std::string_view(http.target).substr(q + 1), false, &req.query);

  if (req.path.rfind("/openecs/", 0) == 0) {
    auto it = routes_.find(req.path);
    bool loopback = http.remote_address == "127.0.0.1" || http.remote_address == "::1" ||
                    http.remote_address.rfind("::ffff:127.", 0) == 0;
    if (it == routes_.end() || !loopback)
      return ErrorResponse(MakeError(ErrorCode::kInvalidAction), request_id, false);
    return it->second(http);
  }
  if (req.method != "GET" && req.method != "POST")
    return ErrorResponse(MakeError(ErrorCode::kUnsupportedHttpMethod), request_id, false);
  auto ct = http.headers.find("content-type");
  if (ct != http.headers.end() &&
      ct->second.find("application/x-www-form-urlencoded") != std::string::npos)
    ParseUrlEncoded(http.body, true, &req.form);

  std::map<std::string, std::string> all = req.query;
  for (const auto& [k, v] : req.form) all[k] = v;
  auto format = all.find("Format");
  *xml = format != all.end() && EqualsIgnoreCase(format->second, "XML");

  auto header = [&](const char* name) {
    auto it = http.headers.find(name);
    return it == http.headers.end() ? std::string() : it->second;
  };
  std::string action = header("x-acs-action"), version = header("x-acs-version");
  if (all.count("Action")) action = all["Action"];
  if (all.count("Version")) version = all["Version"];
  if (action.empty())
    return ErrorResponse(
        MakeError(ErrorCode::kMissingParameter,
                  "The input parameter \"Action\" that is mandatory for processing "
                  "this request is not supplied."),
        request_id, *xml);
  if (version.empty())
    return ErrorResponse(MakeError(ErrorCode::kMissingParameter,
                                   "The input parameter \"Version\" that is mandatory for "
                                   "processing this request is not supplied."),
                         request_id, *xml);

  auto account = auth_.Verify(req);
  if (!account.ok()) return ErrorResponse(account.error(), request_id, *xml);

  auto spec = actions_.find({version, action});
  if (spec == actions_.end()) {
    std::string known = version == kEcsVersion || version == kVpcVersion ? "" : " or version";
    return ErrorResponse(
        MakeError(ErrorCode::kInvalidAction, "The action " + action + known + " (" + version +
                                                 ") is not supported by OpenECS."),
        request_id, *xml);
  }

  std::map<std::string, std::string> values;
  for (auto& [k, v] : all) {
    // Every name, description and value ends up in JSON (records, replies): text only.
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      ErrorCode code = k == "InstanceName" ? ErrorCode::kInvalidInstanceName
                       : k == "HostName"   ? ErrorCode::kInvalidHostName
                                           : ErrorCode::kInvalidParameter;
      std::string name = IsValidUtf8(k) ? k : "name";
      return ErrorResponse(MakeError(code, "The parameter " + name + " is not valid UTF-8 text."),
                           request_id, *xml);
    }
    if (!IsCommonParam(k)) values[k] = v;
  }
  Params params(std::move(values));

  ApiContext ctx{cloud_, params, *account, cloud_.config().region_id, request_id};
  // The automatic snapshot policy actions spell it "regionId".
  auto region = params.Get("RegionId");
  if (!region) region = params.Get("regionId");
  if (region) {
    if (*region != cloud_.config().region_id)
      return ErrorResponse(
          MakeError(ErrorCode::kInvalidRegionIdNotFound, "The region " + *region +
                                                             " does not exist; this OpenECS "
                                                             "serves region " +
                                                             cloud_.config().region_id + "."),
          request_id, *xml);
  } else if (spec->second.region_required) {
    return ErrorResponse(params.Required("RegionId").error(), request_id, *xml);
  }

  // ClientToken: the same token with the same parameters answers what the first call answered;
  // with other parameters it is refused.
  std::string token_key, fingerprint;
  if (auto token = params.Get("ClientToken"); token && spec->second.idempotent) {
    if (token->size() > 64)
      return ErrorResponse(MakeError(ErrorCode::kInvalidClientToken), request_id, *xml);
    token_key = *account + "/" + action + "/" + *token;
    std::string canon;
    for (const auto& [k, v] : params.all())
      if (k != "ClientToken") canon += k + "=" + v + "\n";
    fingerprint = Sha256Hex(canon);
    auto prior = cloud_.Read<std::optional<IdempotencyRecord>>(
        [&](const State& s) -> std::optional<IdempotencyRecord> {
          auto it = s.idempotency.find(token_key);
          if (it == s.idempotency.end()) return std::nullopt;
          return it->second;
        });
    if (prior) {
      if (prior->fingerprint != fingerprint)
        return ErrorResponse(MakeError(ErrorCode::kIdempotentParameterMismatch), request_id, *xml);
      nlohmann::json reply = nlohmann::json::parse(prior->response);
      reply["RequestId"] = request_id;
      HttpResponse r;
      r.body = *xml ? JsonToXml(action + "Response", reply) : DumpJson(reply);
      if (*xml) r.content_type = "text/xml;charset=utf-8";
      return r;
    }
  }

  auto result = spec->second.handler(ctx);
  if (!result.ok()) return ErrorResponse(result.error(), request_id, *xml);
  nlohmann::json reply = std::move(result).value();
  reply["RequestId"] = request_id;
  std::string body = SerializeReply(reply, ctx.raw);
  if (!token_key.empty()) {
    IdempotencyRecord rec;
    rec.id = token_key;
    rec.fingerprint = fingerprint;
    rec.response = body;
    rec.created = NowSeconds();
    (void)cloud_.Write([&](Txn& txn) {
      txn.Put(rec);
      return Ok();
    });
  }
  HttpResponse r;
  r.headers["x-acs-request-id"] = request_id;
  if (*xml) {
    r.content_type = "text/xml;charset=utf-8";
    r.body = JsonToXml(action + "Response", nlohmann::json::parse(body));
  } else {
    r.body = std::move(body);
  }
  return r;
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
