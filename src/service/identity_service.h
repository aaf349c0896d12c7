#pragma once
// Identities that sign requests: which Credential an AccessKeyId stands for, and the temporary
// credentials of STS (AssumeRole).
//
// Keys:
// - an account's own key (Account::access_key_id) and the root keys made through RAM
//   (AccessKey with user_name ""): Principal kRoot of that account;
// - a RAM user's key (AccessKey with a user_name): Principal kUser;
// - "STS." keys: temporary credentials of an assumed role. Nothing is stored for them: the
//   SecurityToken is the session itself (account, role, session name, inline policy, expiry,
//   the AccessKeyId) sealed under a key derived from the server's secrets key, and the secret is
//   derived from the AccessKeyId under that key. Any server with the same secrets key accepts
//   them; they end at their expiry or when their role is deleted (a role
//   made again under the same name is another: its RoleId is sealed in the token), not before.
//
// Errors (the answer to the request): InvalidAccessKeyId.NotFound, InvalidAccessKeyId.Inactive,
// InvalidSecurityToken.Missing / .Malformed / .MismatchWithAccessKey / .Expired.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret_box.h"
#include "service/cloud.h"
#include "service/principal.h"

namespace openecs {

// The credential of `access_key_id` as of now. An unknown key makes the cloud read its accounts
// again once (an account made by `ecsd account create` while the server runs) before it is
// refused. STS keys need the cloud's secrets key (CloudConfig::secrets); without one they are
// unknown.
Result<Credential> LookupCredential(Cloud& cloud, const std::string& access_key_id,
                                    const std::string& security_token);

// Whether the trust policy `doc` (a role's AssumeRolePolicyDocument) lets any of `callers`
// assume the role: with `kind` "RAM", RAM principals ("acs:ram::<account>:root",
// "acs:ram::<account>:user/<name>"); with "Service", cloud services ("ecs.aliyuncs.com", whose
// instances act as the role). True for an Allow of sts:AssumeRole naming one of them and no
// Deny naming one.
bool TrustAllows(const std::string& doc, const std::vector<std::string>& callers, const char* kind);

// The service principal of ECS instances in trust policies, and how long the credentials an
// instance's role gets last (ECS: 6 hours, renewed by the metadata service before the end).
inline constexpr const char* kEcsServicePrincipal = "ecs.aliyuncs.com";
inline constexpr int64_t kInstanceRoleCredentialSeconds = 6 * 3600;

// The box STS tokens are sealed with, derived from the cloud's secrets key (nullopt without).
std::optional<SecretBox> StsBox(const Cloud& cloud);

struct StsCredentials {
  std::string access_key_id;  // "STS." + 24 letters and digits
  std::string access_key_secret;
  std::string security_token;
  int64_t expiration = 0;  // epoch seconds
};
// Credentials for `session` (an assumed role: account_id, role_name, session_name and
// inline_policy set) valid until `expiration`.
StsCredentials IssueStsCredentials(const SecretBox& sts, const Principal& session,
                                   int64_t expiration);

}  // namespace openecs
