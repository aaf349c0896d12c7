#include "api/audit.h"

#include <nlohmann/json.hpp>

#include "api/authorizer.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "common/text.h"
#include "service/cloud.h"

namespace openecs {
namespace {

bool SignatureParam(const std::string& k) {
  static const char* kNames[] = {"Signature",        "SignatureNonce", "SignatureMethod",
                                 "SignatureVersion", "SignatureType",  "Timestamp",
                                 "AccessKeyId",      "Action",         "Version",
                                 "Format",           "SecurityToken"};
  for (const char* n : kNames)
    if (k == n) return true;
  return false;
}

bool ReadOnly(const std::string& action) {
  for (const char* prefix : {"Describe", "List", "Get", "Query", "Inquiry", "Lookup"})
    if (action.rfind(prefix, 0) == 0) return true;
  return false;
}

// The ids a request names: values of parameters whose name ends in "Id" (InstanceId,
// DiskId.1, ...) or of JSON lists named "...Ids".
std::string ResourcesOf(const std::map<std::string, std::string>& params) {
  std::string out;
  auto add = [&](const std::string& v) {
    if (v.empty() || v.size() > 64 || v.find(',') != std::string::npos || !IsValidUtf8(v)) return;
    out += (out.empty() ? "" : ",") + v;
  };
  for (const auto& [k, v] : params) {
    std::string base = k.substr(0, k.find('.'));
    if (base == "RegionId" || base == "ZoneId" || base == "OwnerId" || base == "ResourceOwnerId" ||
        base == "ClientToken")
      continue;
    if (base.size() > 2 && base.compare(base.size() - 2, 2, "Id") == 0) add(v);
    if (base.size() > 3 && base.compare(base.size() - 3, 3, "Ids") == 0) {
      auto list = nlohmann::json::parse(v, nullptr, false);
      if (list.is_array())
        for (const auto& x : list)
          if (x.is_string()) add(x.get<std::string>());
    }
  }
  return out;
}

}  // namespace

AuditEvent AuditEventOf(const AuditNote& note, const HttpRequest& request,
                        const HttpResponse& response, const std::string& request_id,
                        int64_t now_ms) {
  AuditEvent e;
  e.event_id = request_id;
  e.time_ms = now_ms;
  const Principal& p = note.principal;
  e.account_id = p.account_id;
  e.identity_type = p.type == Principal::Type::kUser          ? "ram-user"
                    : p.type == Principal::Type::kAssumedRole ? "assumed-role"
                                                              : "root-account";
  e.user_name = p.type == Principal::Type::kUser          ? p.user_name
                : p.type == Principal::Type::kAssumedRole ? p.role_name + ":" + p.session_name
                                                          : "";
  e.access_key_id = p.access_key_id;
  e.source_ip = request.remote_address;
  if (auto ua = request.headers.find("user-agent"); ua != request.headers.end())
    e.user_agent = IsValidUtf8(ua->second.substr(0, 256)) ? ua->second.substr(0, 256) : "?";
  e.service = ProductOfVersion(note.version);
  e.version = note.version;
  e.action = note.action;
  e.read_only = ReadOnly(note.action);
  // Written as it goes (every call makes one: a JSON tree cost more than the rest of the
  // event), in the parameters' order; a value cut inside a character is repaired (JsonWriter
  // replaces the broken bytes), not refused.
  JsonWriter params;
  params.BeginObject();
  for (const auto& [k, v] : note.params) {
    if (SignatureParam(k)) continue;
    // Text that is not UTF-8 (refused by Dispatch, but recorded as refused) is not kept.
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      if (IsValidUtf8(k)) params.Field(k, "(not UTF-8)");
      continue;
    }
    size_t dot = k.rfind('.');
    std::string base = dot == std::string::npos ? k : k.substr(dot + 1);
    if (IsSecretFieldName(base) || IsSecretFieldName(k))
      params.Field(k, "******");
    else if (v.size() > 1024)
      params.Field(k, v.substr(0, 1024) + "...");
    else
      params.Field(k, v);
  }
  e.parameters = params.EndObject().Take();
  e.resources = ResourcesOf(note.params);
  e.http_status = response.status;
  e.error_code = note.error_code;
  e.error_message = note.error_message;
  return e;
}

static std::string ServiceDisplayName(const std::string& service) {
  if (service.empty()) return service;
  std::string s = service;
  s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

nlohmann::json ActionTrailEventJson(const AuditEvent& e, const std::string& region) {
  using json = nlohmann::json;
  json params = json::parse(e.parameters, nullptr, false);
  if (!params.is_object()) params = json::object();
  json identity = {{"type", e.identity_type},
                   {"principalId", e.account_id},
                   {"accountId", e.account_id},
                   {"accessKeyId", e.access_key_id}};
  if (!e.user_name.empty()) identity["userName"] = e.user_name;
  std::string resources = e.resources;
  for (char& c : resources)
    if (c == ',') c = ';';
  json j = {{"eventId", e.event_id},
            {"eventName", e.action},
            {"eventTime", FormatIso(e.time_ms / 1000)},
            {"eventType", "ApiCall"},
            {"eventRW", e.read_only ? "Read" : "Write"},
            {"eventSource", e.service + ".aliyuncs.com"},
            {"eventVersion", 1},
            {"acsRegion", region},
            {"requestId", e.event_id},
            {"apiVersion", e.version},
            {"serviceName", ServiceDisplayName(e.service)},
            {"sourceIpAddress", e.source_ip},
            {"userAgent", e.user_agent},
            {"requestParameters", params},
            {"resourceName", resources},
            {"userIdentity", identity},
            {"isGlobal", false}};
  if (!e.error_code.empty()) {
    j["errorCode"] = e.error_code;
    j["errorMessage"] = e.error_message;
  }
  return j;
}

}  // namespace openecs
