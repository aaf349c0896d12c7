#pragma once
// RAM (Resource Access Management, API 2015-05-01): an account's users, groups, AccessKeys,
// console passwords, custom policies, roles and which policies are attached to whom. The
// records are in model/ram.h; api/ram_actions.cc renders them. Every function acts within one
// account: a name of another account's entity is as unknown as one that does not exist.
//
// The rules RAM has, kept here with its error codes (common/errors.h: kRam*, and
// kEntityNotExistRole, the name STS uses too):
// - Names: users 1..64 of [A-Za-z0-9._-]; groups 1..64 of [A-Za-z0-9._-]; roles 1..64 of
//   [A-Za-z0-9.-]; custom policies 1..128 of [A-Za-z0-9-]. DisplayName 1..128 characters,
//   Comments and a group's Comments at most 128, a policy's Description at most 1024.
// - A user is deleted only without AccessKeys, group memberships, attached policies and login
//   profile (DeleteConflict.User.*); a group only without members and policies; a role only
//   without policies; a custom policy only while attached nowhere and with its default version
//   alone (DeletePolicy's CascadingDelete detaches and drops the others first).
// - At most 2 AccessKeys per user, and per account for its own (root) keys, the original key of
//   the Account record counted; at most 5 versions per custom policy.
// - Policy documents are checked by iam's ParsedPolicy::Parse (MalformedPolicyDocument); a
//   role's trust policy here (CheckTrustPolicy).
//
// Writes go through Cloud::Write (validate, then change, then commit); reads take a State.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/ram.h"
#include "service/cloud.h"
#include "service/principal.h"

namespace openecs {

// ---------------------------------------------------------------------------------------------
// For the authorizer (api/authorizer.*)

// The AccessKey record `access_key_id` (any account's), or null. The account's original key is
// in its Account record, not here.
const AccessKey* FindAccessKey(const State& s, const std::string& access_key_id);
// The policy documents that apply to a RAM user: attached to the user and to each of its groups;
// system policies' documents from iam's SystemPolicies(), custom ones their default version's.
// Empty for an unknown user.
std::vector<std::string> PolicyDocumentsOfUser(const State& s, const std::string& account_id,
                                               const std::string& user_name);
// The documents of the policies attached to a role. Empty for an unknown role.
std::vector<std::string> PolicyDocumentsOfRole(const State& s, const std::string& account_id,
                                               const std::string& role_name);
const RamRole* FindRole(const State& s, const std::string& account_id,
                        const std::string& role_name);
// The document of an attached policy: a system policy's, a custom one's default version's; ""
// when the policy no longer exists.
std::string PolicyDocumentOf(const State& s, const std::string& account_id,
                             const RamAttachment& attachment);
// "acs:ram::<account_id>:role/<role name lower-cased>"
std::string RoleArn(const std::string& account_id, const std::string& role_name);

// For the web console: whether `password` is the console password of the user (false for an
// unknown user or one without a login profile). Takes about as long whatever the answer.
bool CheckConsolePassword(const State& s, const std::string& account_id,
                          const std::string& user_name, const std::string& password);

// ---------------------------------------------------------------------------------------------
// Names

// A name checked with RAM's rule and codes for the parameter `param` as the API names it:
// UserName, NewUserName, GroupName, NewGroupName, RoleName or PolicyName
// (InvalidParameter.<param>.Length, InvalidParameter.<param>.InvalidChars).
Status CheckRamName(std::string_view param, const std::string& value);

// ---------------------------------------------------------------------------------------------
// Users

struct RamUserInput {
  std::string name;
  std::string display_name;  // "": the name
  std::string mobile_phone;  // "<country code>-<number>", e.g. "86-18600008888"
  std::string email;
  std::string comments;
};
Result<RamUser> CreateRamUser(Cloud& cloud, const std::string& account_id, const RamUserInput& in);
Result<RamUser> GetRamUser(const State& s, const std::string& account_id, const std::string& name);
// UpdateUser: the fields given change; a new name moves the user (its AccessKeys follow).
struct RamUserUpdate {
  std::optional<std::string> new_name, new_display_name, new_mobile_phone, new_email, new_comments;
};
Result<RamUser> UpdateRamUser(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const RamUserUpdate& update);
// By name.
std::vector<RamUser> ListRamUsers(const State& s, const std::string& account_id);
Status DeleteRamUser(Cloud& cloud, const std::string& account_id, const std::string& name);

// ---------------------------------------------------------------------------------------------
// AccessKeys

// Whose keys a call without or with UserName is about: the named user; without a name, the
// caller itself (a RAM user its own, the account "" its root keys). An assumed role must name
// the user (MissingParameter).
Result<std::string> AccessKeyOwner(const Principal& caller,
                                   const std::optional<std::string>& user_name);
// A new key of `user_name` ("" = root), secret included: the only time it is shown.
Result<AccessKey> CreateRamAccessKey(Cloud& cloud, const std::string& account_id,
                                     const std::string& user_name);
struct AccessKeyView {
  std::string id, status;
  int64_t create_date = 0;
};
// Oldest first; for root ("") the Account's original key first.
Result<std::vector<AccessKeyView>> ListRamAccessKeys(const State& s, const std::string& account_id,
                                                     const std::string& user_name);
// `status` Active | Inactive. The Account's original key cannot be changed through RAM.
Status UpdateRamAccessKey(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                          const std::string& key_id, const std::string& status);
Status DeleteRamAccessKey(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                          const std::string& key_id);

// ---------------------------------------------------------------------------------------------
// Login profiles (console passwords)

// RAM's default password policy: 8 to 32 printable ASCII characters (no spaces); else
// InvalidParameter.Password.TooWeak.
Status CheckPasswordPolicy(const std::string& password);
Result<RamUser> CreateLoginProfile(Cloud& cloud, const std::string& account_id,
                                   const std::string& user_name, const std::string& password,
                                   bool password_reset_required, bool mfa_bind_required);
Result<RamUser> GetLoginProfile(const State& s, const std::string& account_id,
                                const std::string& user_name);
struct LoginProfileUpdate {
  std::optional<std::string> password;
  std::optional<bool> password_reset_required, mfa_bind_required;
};
Result<RamUser> UpdateLoginProfile(Cloud& cloud, const std::string& account_id,
                                   const std::string& user_name, const LoginProfileUpdate& update);
Status DeleteLoginProfile(Cloud& cloud, const std::string& account_id,
                          const std::string& user_name);

// ---------------------------------------------------------------------------------------------
// Groups

Result<RamGroup> CreateRamGroup(Cloud& cloud, const std::string& account_id,
                                const std::string& name, const std::string& comments);
Result<RamGroup> GetRamGroup(const State& s, const std::string& account_id,
                             const std::string& name);
// A new name moves the group; its members' memberships follow.
Result<RamGroup> UpdateRamGroup(Cloud& cloud, const std::string& account_id,
                                const std::string& name, const std::optional<std::string>& new_name,
                                const std::optional<std::string>& new_comments);
std::vector<RamGroup> ListRamGroups(const State& s, const std::string& account_id);
Status DeleteRamGroup(Cloud& cloud, const std::string& account_id, const std::string& name);
Status AddUserToGroup(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                      const std::string& group_name);
Status RemoveUserFromGroup(Cloud& cloud, const std::string& account_id,
                           const std::string& user_name, const std::string& group_name);
struct GroupMembership {
  RamGroup group;
  int64_t join_date = 0;
};
Result<std::vector<GroupMembership>> ListGroupsForUser(const State& s,
                                                       const std::string& account_id,
                                                       const std::string& user_name);
struct GroupMember {
  RamUser user;
  int64_t join_date = 0;
};
// By user name.
Result<std::vector<GroupMember>> ListUsersForGroup(const State& s, const std::string& account_id,
                                                   const std::string& group_name);

// ---------------------------------------------------------------------------------------------
// Policies

enum class RamPolicyType { kSystem, kCustom };
// "System" | "Custom", else InvalidParameter.PolicyType.
Result<RamPolicyType> ParsePolicyType(const std::string& text);
const char* PolicyTypeName(RamPolicyType type);

// A system or custom policy as the API shows it.
struct RamPolicyView {
  RamPolicyType type = RamPolicyType::kCustom;
  std::string name, description, default_version;
  std::string document;  // the default version's
  int64_t create_date = 0, update_date = 0;
  int attachment_count = 0;  // users, groups and roles of the account it is attached to
  Tags tags;
};
struct RamPolicyVersionView {
  std::string version_id, document;
  bool is_default = false;
  int64_t create_date = 0;
};

Result<RamPolicyView> CreateRamPolicy(Cloud& cloud, const std::string& account_id,
                                      const std::string& name, const std::string& description,
                                      const std::string& document, const Tags& tags);
Result<RamPolicyView> GetRamPolicy(const State& s, const std::string& account_id,
                                   RamPolicyType type, const std::string& name);
// System policies first, then the account's custom ones, each by name; `type` filters.
std::vector<RamPolicyView> ListRamPolicies(const State& s, const std::string& account_id,
                                           std::optional<RamPolicyType> type);
Status DeleteRamPolicy(Cloud& cloud, const std::string& account_id, const std::string& name,
                       bool cascading);
Result<RamPolicyView> UpdateRamPolicyDescription(Cloud& cloud, const std::string& account_id,
                                                 const std::string& name,
                                                 const std::string& description);

enum class RotateStrategy { kNone, kDeleteOldestNonDefaultVersionWhenLimitExceeded };
inline constexpr int kMaxPolicyVersions = 5;
// A sixth version is refused (LimitExceeded.Policy.Version) unless `rotate` drops the oldest
// version that is not the default.
Result<RamPolicyVersionView> CreateRamPolicyVersion(Cloud& cloud, const std::string& account_id,
                                                    const std::string& name,
                                                    const std::string& document,
                                                    bool set_as_default, RotateStrategy rotate);
Result<RamPolicyVersionView> GetRamPolicyVersion(const State& s, const std::string& account_id,
                                                 RamPolicyType type, const std::string& name,
                                                 const std::string& version_id);
Result<std::vector<RamPolicyVersionView>> ListRamPolicyVersions(const State& s,
                                                                const std::string& account_id,
                                                                RamPolicyType type,
                                                                const std::string& name);
// Not the default version (DeleteConflict.Policy.Version.Default).
Status DeleteRamPolicyVersion(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const std::string& version_id);
Status SetDefaultRamPolicyVersion(Cloud& cloud, const std::string& account_id,
                                  const std::string& name, const std::string& version_id);

// ---------------------------------------------------------------------------------------------
// Attachments

enum class RamEntity { kUser, kGroup, kRole };
// Attaching twice is EntityAlreadyExists.<Entity>.Policy; detaching what is not attached
// EntityNotExist.<Entity>.Policy.
Status AttachRamPolicy(Cloud& cloud, const std::string& account_id, RamEntity entity,
                       const std::string& entity_name, RamPolicyType type,
                       const std::string& policy_name);
Status DetachRamPolicy(Cloud& cloud, const std::string& account_id, RamEntity entity,
                       const std::string& entity_name, RamPolicyType type,
                       const std::string& policy_name);
struct AttachedPolicyView {
  RamPolicyView policy;
  int64_t attach_date = 0;
};
// In attachment order.
Result<std::vector<AttachedPolicyView>> ListRamPoliciesFor(const State& s,
                                                           const std::string& account_id,
                                                           RamEntity entity,
                                                           const std::string& entity_name);
struct PolicyEntities {
  std::vector<std::pair<RamUser, int64_t>> users;  // with the attach date
  std::vector<std::pair<RamGroup, int64_t>> groups;
  std::vector<std::pair<RamRole, int64_t>> roles;
};
Result<PolicyEntities> ListEntitiesForRamPolicy(const State& s, const std::string& account_id,
                                                RamPolicyType type, const std::string& name);

// ---------------------------------------------------------------------------------------------
// Roles

// A trust policy: {"Version": "1", "Statement": [{"Effect": "Allow"|"Deny",
// "Action": "sts:AssumeRole" (or a list of it), "Principal": {"RAM": [...]} or
// {"Service": [...]} (a string or a list of strings, both keys allowed), "Condition": {...}}]}.
// MalformedPolicyDocument naming what is wrong.
Status CheckTrustPolicy(const std::string& document);
struct RamRoleInput {
  std::string name, assume_role_policy_document, description;
  int max_session_duration = 3600;
  Tags tags;
};
Result<RamRole> CreateRamRole(Cloud& cloud, const std::string& account_id, const RamRoleInput& in);
Result<RamRole> GetRamRole(const State& s, const std::string& account_id, const std::string& name);
struct RamRoleUpdate {
  std::optional<std::string> new_assume_role_policy_document, new_description;
  std::optional<int> new_max_session_duration;
};
Result<RamRole> UpdateRamRole(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const RamRoleUpdate& update);
std::vector<RamRole> ListRamRoles(const State& s, const std::string& account_id);
Status DeleteRamRole(Cloud& cloud, const std::string& account_id, const std::string& name);

}  // namespace openecs
