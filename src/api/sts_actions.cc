// STS (Security Token Service, version 2015-04-01) on the API endpoint: AssumeRole hands out
// temporary credentials of a RAM role (service/identity_service.h seals the session into the
// SecurityToken), GetCallerIdentity says who signed. The official SDKs use STS credentials
// unchanged (x-acs-security-token / SecurityToken).
//
// Who may assume a role: the role's trust policy (its AssumeRolePolicyDocument) must name the
// caller — "acs:ram::<account>:root" for any RAM identity of that account, or
// "acs:ram::<account>:user/<name>" for one user — and the caller needs sts:AssumeRole on the
// role's ARN (api/authorizer.h; RAM users are denied by default). As on Alibaba Cloud, an
// account's own AccessKey cannot assume roles: a RAM user's can.
#include <nlohmann/json.hpp>

#include "api/action.h"
#include "common/clock.h"
#include "common/text.h"
#include "iam/policy.h"
#include "model/ram.h"
#include "service/identity_service.h"
#include "service/ram_service.h"

namespace openecs {
namespace {

constexpr const char* kStsVersion = "2015-04-01";

Result<nlohmann::json> AssumeRole(ApiContext& c) {
  const Principal& caller = c.principal;
  OPENECS_ASSIGN_OR_RETURN(std::string arn, c.params.Required("RoleArn"));
  OPENECS_ASSIGN_OR_RETURN(std::string session, c.params.Required("RoleSessionName"));
  if (session.size() < 2 || session.size() > 64 ||
      !std::all_of(session.begin(), session.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '.' || ch == '@' || ch == '_' || ch == '-';
      }))
    return MakeError(ErrorCode::kInvalidParameter,
                     "The parameter RoleSessionName must be 2 to 64 letters, digits, '.', '@', "
                     "'_' or '-'.");
  // acs:ram::<account>:role/<name>
  std::vector<std::string> parts = Split(arn, ':');
  if (parts.size() != 5 || parts[0] != "acs" || parts[1] != "ram" || !parts[2].empty() ||
      parts[3].empty() || !parts[4].starts_with("role/") || parts[4].size() <= 5)
    return MakeError(ErrorCode::kInvalidParameter,
                     "The parameter RoleArn is not a role's ARN (acs:ram::<account>:role/<name>).");
  std::string role_account = parts[3], role_name = parts[4].substr(5);
  if (caller.type == Principal::Type::kRoot)
    return MakeError(ErrorCode::kNoPermission, "Roles may not be assumed by root accounts.");
  std::optional<std::string> policy = c.params.Get("Policy");
  if (policy && !policy->empty()) {
    auto parsed = ParsedPolicy::Parse(*policy);
    if (!parsed.ok())
      return MakeError(ErrorCode::kInvalidParameter,
                       "The parameter Policy is not a valid policy: " + parsed.error().message);
  }
  auto duration = c.params.Int("DurationSeconds", 900, 43200);
  if (!duration.ok()) return duration.error();

  auto sts = StsBox(c.cloud);
  if (!sts) return MakeError(ErrorCode::kServiceUnavailable, "STS needs the secrets key.");
  return c.cloud.Read<Result<nlohmann::json>>([&](const State& s) -> Result<nlohmann::json> {
    const RamRole* role = FindRole(s, role_account, role_name);
    std::vector<std::string> callers = {"acs:ram::" + caller.account_id + ":root"};
    if (caller.type == Principal::Type::kUser)
      callers.push_back("acs:ram::" + caller.account_id + ":user/" + caller.user_name);
    // Another account's role: whether it exists is not the caller's to learn.
    if (!role && role_account == caller.account_id)
      return MakeError(ErrorCode::kEntityNotExistRole, "The role does not exist: " + arn);
    if (!role || !TrustAllows(role->assume_role_policy_document, callers, "RAM"))
      return MakeError(ErrorCode::kNoPermission,
                       "You are not authorized to assume this role: it does not exist or its "
                       "trust policy does not name you.");
    int64_t seconds = duration->value_or(3600);
    if (seconds > role->max_session_duration)
      return MakeError(ErrorCode::kInvalidParameter,
                       "The parameter DurationSeconds is longer than the role's "
                       "MaxSessionDuration (" +
                           std::to_string(role->max_session_duration) + " s).");
    Principal assumed;
    assumed.type = Principal::Type::kAssumedRole;
    assumed.account_id = role->account_id;
    assumed.role_name = role->name;
    assumed.role_id = role->role_id;
    assumed.session_name = session;
    assumed.inline_policy = policy.value_or("");
    int64_t expiration = c.cloud.Now() + seconds;
    StsCredentials creds = IssueStsCredentials(*sts, assumed, expiration);
    std::string role_arn = "acs:ram::" + role->account_id + ":role/" + ToLower(role->name);
    return nlohmann::json{
        {"Credentials",
         {{"AccessKeyId", creds.access_key_id},
          {"AccessKeySecret", creds.access_key_secret},
          {"SecurityToken", creds.security_token},
          {"Expiration", FormatIso(expiration)}}},
        {"AssumedRoleUser",
         {{"AssumedRoleId", role->role_id + ":" + session}, {"Arn", role_arn + "/" + session}}}};
  });
}

Result<nlohmann::json> GetCallerIdentity(ApiContext& c) {
  const Principal& p = c.principal;
  nlohmann::json out = {{"AccountId", p.account_id}};
  switch (p.type) {
    case Principal::Type::kRoot:
      out["IdentityType"] = "Account";
      out["Arn"] = "acs:ram::" + p.account_id + ":root";
      out["UserId"] = p.account_id;
      out["PrincipalId"] = p.account_id;
      break;
    case Principal::Type::kUser:
      out["IdentityType"] = "RAMUser";
      out["Arn"] = "acs:ram::" + p.account_id + ":user/" + p.user_name;
      out["UserId"] = p.user_id;
      out["PrincipalId"] = p.user_id;
      break;
    case Principal::Type::kAssumedRole: {
      std::string role_id = c.cloud.Read<std::string>([&](const State& s) {
        const RamRole* r = FindRole(s, p.account_id, p.role_name);
        return r ? r->role_id : std::string();
      });
      out["IdentityType"] = "AssumedRoleUser";
      out["Arn"] = "acs:ram::" + p.account_id + ":assumed-role/" + ToLower(p.role_name) + "/" +
                   p.session_name;
      out["RoleId"] = role_id;
      out["UserId"] = role_id + ":" + p.session_name;
      out["PrincipalId"] = role_id + ":" + p.session_name;
      break;
    }
  }
  return out;
}

}  // namespace

void RegisterStsActions(ActionTable& t) {
  t[{kStsVersion, "AssumeRole"}] = {AssumeRole, false};
  t[{kStsVersion, "GetCallerIdentity"}] = {GetCallerIdentity, false};
}

}  // namespace openecs
