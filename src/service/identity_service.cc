#include "service/identity_service.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "iam/policy.h"
#include "service/ram_service.h"

namespace openecs {
namespace {

constexpr std::string_view kStsPrefix = "STS.";
constexpr std::string_view kSealedPrefix = "sealed:v1:";

Result<Credential> FindStored(const State& s, const std::string& id) {
  for (const auto& [aid, a] : s.accounts)
    if (a.access_key_id == id) return Credential{a.access_key_secret, Principal::Root(a.id)};
  const AccessKey* key = FindAccessKey(s, id);
  if (!key) return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
  if (key->status != "Active") return MakeError(ErrorCode::kInvalidAccessKeyIdInactive);
  Credential c{key->secret, Principal::Root(key->account_id)};
  if (!key->user_name.empty()) {
    auto user = s.ram_users.find(RamKey(key->account_id, key->user_name));
    if (user == s.ram_users.end()) return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
    c.principal.type = Principal::Type::kUser;
    c.principal.user_name = key->user_name;
    c.principal.user_id = user->second.user_id;
  }
  return c;
}

// `now`: the cloud's clock (tokens expire by it, as they were issued by it).
Result<Credential> FromStsToken(const State& s, const SecretBox& sts, const std::string& id,
                                const std::string& token, int64_t now) {
  if (token.empty())
    return MakeError(ErrorCode::kInvalidSecurityTokenMissing,
                     "An STS AccessKeyId needs its SecurityToken.");
  auto opened = sts.Open(std::string(kSealedPrefix) + token);
  auto j = opened.ok() ? nlohmann::json::parse(*opened, nullptr, false) : nlohmann::json();
  if (!opened.ok() || !j.is_object() || !j.contains("ak") || !j["ak"].is_string() ||
      !j.contains("exp") || !j["exp"].is_number_integer())
    return MakeError(ErrorCode::kInvalidSecurityTokenMalformed);
  if (j["ak"].get<std::string>() != id) return MakeError(ErrorCode::kInvalidSecurityTokenMismatch);
  if (j["exp"].get<int64_t>() <= now) return MakeError(ErrorCode::kInvalidSecurityTokenExpired);
  Principal p;
  p.type = Principal::Type::kAssumedRole;
  p.account_id = j.value("account", "");
  p.role_name = j.value("role", "");
  p.session_name = j.value("session", "");
  p.inline_policy = j.value("policy", "");
  p.role_id = j.value("role_id", "");
  // A deleted role's sessions end with it, also when a role of the same name is made again.
  const RamRole* role = FindRole(s, p.account_id, p.role_name);
  if (!role || role->role_id != p.role_id)
    return MakeError(ErrorCode::kInvalidSecurityTokenExpired,
                     "The role of this SecurityToken no longer exists.");
  return Credential{sts.DeriveSecret(id), std::move(p)};
}

// The values of a trust statement's Principal.<kind>, as a list.
std::vector<std::string> PrincipalValues(const nlohmann::json& st, const char* kind) {
  std::vector<std::string> out;
  if (!st.contains("Principal") || !st["Principal"].is_object()) return out;
  const auto& p = st["Principal"];
  if (!p.contains(kind)) return out;
  const auto& v = p[kind];
  if (v.is_string()) out.push_back(v.get<std::string>());
  if (v.is_array())
    for (const auto& x : v)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

bool ActionIsAssumeRole(const nlohmann::json& st) {
  if (!st.contains("Action")) return false;
  auto is = [](const nlohmann::json& a) {
    return a.is_string() && WildcardMatch(a.get<std::string>(), "sts:AssumeRole", true);
  };
  if (is(st["Action"])) return true;
  if (st["Action"].is_array())
    for (const auto& a : st["Action"])
      if (is(a)) return true;
  return false;
}

}  // namespace

// Whether the trust policy `doc` lets any of `callers` (RAM principal strings such as
// "acs:ram::123:root", or a service name such as "ecs.aliyuncs.com" with `kind` "Service")
// assume the role: an Allow naming one of them, and no Deny.
bool TrustAllows(const std::string& doc, const std::vector<std::string>& callers,
                 const char* kind) {
  auto j = nlohmann::json::parse(doc, nullptr, false);
  if (!j.is_object() || !j.contains("Statement")) return false;
  nlohmann::json statements =
      j["Statement"].is_array() ? j["Statement"] : nlohmann::json::array({j["Statement"]});
  bool allowed = false;
  for (const auto& st : statements) {
    if (!st.is_object() || !ActionIsAssumeRole(st)) continue;
    bool names_caller = false;
    for (const auto& v : PrincipalValues(st, kind))
      for (const auto& c : callers)
        if (v == c) names_caller = true;
    if (!names_caller) continue;
    std::string effect = st.value("Effect", "");
    if (effect == "Deny") return false;
    if (effect == "Allow") allowed = true;
  }
  return allowed;
}

std::optional<SecretBox> StsBox(const Cloud& cloud) {
  if (!cloud.config().secrets) return std::nullopt;
  return cloud.config().secrets->Derive("openecs-sts-v1");
}

Result<Credential> LookupCredential(Cloud& cloud, const std::string& access_key_id,
                                    const std::string& security_token) {
  if (access_key_id.starts_with(kStsPrefix)) {
    auto sts = StsBox(cloud);
    if (!sts) return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
    return cloud.Read<Result<Credential>>([&](const State& s) {
      return FromStsToken(s, *sts, access_key_id, security_token, cloud.Now());
    });
  }
  auto find = [&] {
    return cloud.Read<Result<Credential>>(
        [&](const State& s) { return FindStored(s, access_key_id); });
  };
  auto found = find();
  if (!found.ok() && found.error().code == ErrorCode::kInvalidAccessKeyIdNotFound &&
      cloud.ReloadAccounts() > 0)
    found = find();
  return found;
}

StsCredentials IssueStsCredentials(const SecretBox& sts, const Principal& session,
                                   int64_t expiration) {
  StsCredentials out;
  std::string suffix = RandomAlnum(24);
  for (char& c : suffix)  // STS keys look like Alibaba's: mixed case
    if (c >= 'a' && c <= 'z' && (RandomHex(1)[0] & 1)) c = static_cast<char>(c - 'a' + 'A');
  out.access_key_id = std::string(kStsPrefix) + suffix;
  out.access_key_secret = sts.DeriveSecret(out.access_key_id);
  nlohmann::json j = {{"ak", out.access_key_id},
                      {"account", session.account_id},
                      {"role", session.role_name},
                      {"role_id", session.role_id},
                      {"session", session.session_name},
                      {"policy", session.inline_policy},
                      {"exp", expiration}};
  out.security_token = sts.Seal(DumpJson(j)).substr(kSealedPrefix.size());
  out.expiration = expiration;
  return out;
}

}  // namespace openecs
