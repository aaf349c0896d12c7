#pragma once
// RAM (Resource Access Management, API 2015-05-01) records: an account's users, groups, custom
// policies, roles and the AccessKeys they sign with. Plain structs persisted as JSON (ram.cc),
// owned by service/ram_service.
//
// Names are unique within an account, so users, groups, custom policies and roles are keyed
// RamKey(account_id, name) = "<account_id>/<name>": a rename erases the record and puts it
// under its new key. RAM's own identifiers (UserId, GroupId, RoleId) are separate fields that
// never change. What refers to a user, group or policy does so by name: a user's group
// memberships, the policy attachments of users, groups and roles, an AccessKey's user_name.
//
// AccessKey records are keyed by their AccessKeyId (unique across accounts: a request names only
// its key). The account's original key lives in its Account record (model/resources.h), not here.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/resources.h"

namespace openecs {

inline std::string RamKey(const std::string& account_id, const std::string& name) {
  return account_id + "/" + name;
}

// A policy attached to a user, group or role.
struct RamAttachment {
  std::string policy_type;  // "System" | "Custom"
  std::string policy_name;
  int64_t attach_date = 0;
};

// A user's membership of a group.
struct RamMembership {
  std::string group_name;
  int64_t join_date = 0;
};

// A user's console password (CreateLoginProfile). Only a salted PBKDF2-HMAC-SHA256 hash of it is
// kept, never the password.
struct RamLoginProfile {
  bool present = false;
  std::string password_salt;  // hex, 16 random bytes
  std::string password_hash;  // hex, 32 bytes
  int iterations = 0;         // PBKDF2 iterations the hash was made with
  bool password_reset_required = false;
  bool mfa_bind_required = false;
  int64_t create_date = 0;
};

struct RamUser {
  std::string id;  // RamKey(account_id, name)
  int64_t version = 0;
  std::string account_id;
  std::string name;
  std::string user_id;  // 16 digits
  std::string display_name;
  std::string mobile_phone;
  std::string email;
  std::string comments;
  int64_t create_date = 0;
  int64_t update_date = 0;
  int64_t last_login_date = 0;
  std::vector<RamMembership> groups;
  std::vector<RamAttachment> policies;
  RamLoginProfile login_profile;
};

struct RamGroup {
  std::string id;  // RamKey(account_id, name)
  int64_t version = 0;
  std::string account_id;
  std::string name;
  std::string group_id;  // "g-" + 16 characters
  std::string comments;
  int64_t create_date = 0;
  int64_t update_date = 0;
  std::vector<RamAttachment> policies;
};

struct RamPolicyVersion {
  std::string version_id;  // "v1", "v2", ...: never reused within a policy
  std::string document;
  int64_t create_date = 0;
};

// A custom policy with its versions (at most 5; one is the default, the one that applies).
struct RamPolicy {
  std::string id;  // RamKey(account_id, name)
  int64_t version = 0;
  std::string account_id;
  std::string name;
  std::string description;
  std::string default_version;  // a version_id of `versions`
  int next_version_number = 1;
  std::vector<RamPolicyVersion> versions;  // oldest first
  Tags tags;
  int64_t create_date = 0;
  int64_t update_date = 0;
};

struct RamRole {
  std::string id;  // RamKey(account_id, name)
  int64_t version = 0;
  std::string account_id;
  std::string name;
  std::string role_id;  // 16 digits
  std::string description;
  std::string assume_role_policy_document;  // the trust policy
  int max_session_duration = 3600;          // seconds, 3600..43200
  Tags tags;
  int64_t create_date = 0;
  int64_t update_date = 0;
  std::vector<RamAttachment> policies;
};

struct AccessKey {
  std::string id;  // the AccessKeyId: "LTAI" + 20 letters and digits
  int64_t version = 0;
  std::string account_id;
  std::string user_name;          // "": a key of the account itself (root)
  std::string secret;             // sealed at rest (service/cloud.h, IsSecretFieldName)
  std::string status = "Active";  // Active | Inactive
  int64_t create_date = 0;
};

void to_json(nlohmann::json& j, const RamAttachment& v);
void from_json(const nlohmann::json& j, RamAttachment& v);
void to_json(nlohmann::json& j, const RamMembership& v);
void from_json(const nlohmann::json& j, RamMembership& v);
void to_json(nlohmann::json& j, const RamLoginProfile& v);
void from_json(const nlohmann::json& j, RamLoginProfile& v);
void to_json(nlohmann::json& j, const RamUser& v);
void from_json(const nlohmann::json& j, RamUser& v);
void to_json(nlohmann::json& j, const RamGroup& v);
void from_json(const nlohmann::json& j, RamGroup& v);
void to_json(nlohmann::json& j, const RamPolicyVersion& v);
void from_json(const nlohmann::json& j, RamPolicyVersion& v);
void to_json(nlohmann::json& j, const RamPolicy& v);
void from_json(const nlohmann::json& j, RamPolicy& v);
void to_json(nlohmann::json& j, const RamRole& v);
void from_json(const nlohmann::json& j, RamRole& v);
void to_json(nlohmann::json& j, const AccessKey& v);
void from_json(const nlohmann::json& j, AccessKey& v);

}  // namespace openecs
