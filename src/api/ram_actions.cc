// RAM (2015-05-01) on the same endpoint as ECS: users, AccessKeys, login profiles, groups,
// policies and their versions, attachments, roles (service/ram_service.h holds the rules). RAM is
// global: RegionId is neither needed nor checked.
//
// Lists page with Marker/MaxItems as RAM does: MaxItems 1..1000 (default 100); while a list is
// cut short IsTruncated is true and Marker is where the next call starts (opaque: the next
// item's name, Base64). Marker is sent always, "" when the list is complete, as every field of
// the SDK's model is.
#include <algorithm>

#include "api/action.h"
#include "api/authorizer.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "service/ram_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

std::string Date(int64_t t) { return t ? FormatIso(t) : std::string(); }

// ---------------------------------------------------------------------------------------------
// Paging

struct MarkerPage {
  size_t begin = 0, end = 0;
  std::string next_marker;  // "" on the last page
  void Render(json& reply) const {
    reply["IsTruncated"] = !next_marker.empty();
    reply["Marker"] = next_marker;
  }
};

// A page of a list whose items have the ascending `keys`.
Result<MarkerPage> PageByMarker(const Params& p, const std::vector<std::string>& keys) {
  OPENECS_ASSIGN_OR_RETURN(int64_t max_items, p.IntOr("MaxItems", 100, 1, 1000));
  MarkerPage page;
  if (auto marker = p.Get("Marker")) {
    auto key = Base64Decode(*marker);
    if (!key || key->empty())
      return MakeError(ErrorCode::kInvalidParameter,
                       "The parameter Marker is not valid: pass the Marker of a previous answer.");
    page.begin = std::lower_bound(keys.begin(), keys.end(), *key) - keys.begin();
  }
  page.end = std::min(keys.size(), page.begin + static_cast<size_t>(max_items));
  if (page.end < keys.size()) page.next_marker = Base64Encode(keys[page.end]);
  return page;
}

template <typename T, typename KeyOf>
std::vector<std::string> KeysOf(const std::vector<T>& items, KeyOf key_of) {
  std::vector<std::string> keys;
  for (const auto& i : items) keys.push_back(key_of(i));
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Rendering

json UserJson(const RamUser& u) {
  return {{"UserName", u.name},
          {"UserId", u.user_id},
          {"DisplayName", u.display_name},
          {"MobilePhone", u.mobile_phone},
          {"Email", u.email},
          {"Comments", u.comments},
          {"CreateDate", Date(u.create_date)},
          {"UpdateDate", Date(u.update_date)},
          {"LastLoginDate", Date(u.last_login_date)}};
}

json GroupJson(const RamGroup& g) {
  return {{"GroupName", g.name},
          {"GroupId", g.group_id},
          {"Comments", g.comments},
          {"CreateDate", Date(g.create_date)},
          {"UpdateDate", Date(g.update_date)}};
}

json PolicyJson(const RamPolicyView& p) {
  return {{"PolicyName", p.name},
          {"PolicyType", PolicyTypeName(p.type)},
          {"Description", p.description},
          {"DefaultVersion", p.default_version},
          {"CreateDate", Date(p.create_date)},
          {"UpdateDate", Date(p.update_date)},
          {"AttachmentCount", p.attachment_count},
          {"Tags", RenderTags(p.tags, false)}};
}

json VersionJson(const RamPolicyVersionView& v) {
  return {{"VersionId", v.version_id},
          {"IsDefaultVersion", v.is_default},
          {"PolicyDocument", v.document},
          {"CreateDate", Date(v.create_date)}};
}

json RoleJson(const RamRole& r) {
  return {{"RoleName", r.name},
          {"RoleId", r.role_id},
          {"Arn", RoleArn(r.account_id, r.name)},
          {"Description", r.description},
          {"AssumeRolePolicyDocument", r.assume_role_policy_document},
          {"MaxSessionDuration", r.max_session_duration},
          {"CreateDate", Date(r.create_date)},
          {"UpdateDate", Date(r.update_date)},
          {"Tags", RenderTags(r.tags, false)}};
}

json LoginProfileJson(const RamUser& u) {
  return {{"UserName", u.name},
          {"PasswordResetRequired", u.login_profile.password_reset_required},
          {"MFABindRequired", u.login_profile.mfa_bind_required},
          {"CreateDate", Date(u.login_profile.create_date)}};
}

// The tags of CreatePolicy, CreateRole and the List filters: Tag as a JSON list
// ('[{"Key": "k", "Value": "v"}]', what the SDK sends) or Tag.N.Key / Tag.N.Value. At most 20,
// keys 1 to 128 characters, values at most 128.
Result<Tags> RamTagsOf(const Params& p) {
  Tags tags;
  if (auto text = p.Get("Tag")) {
    json list = json::parse(*text, nullptr, false);
    if (!list.is_array())
      return MakeError(ErrorCode::kInvalidParameter,
                       "The parameter Tag must be a JSON list of {\"Key\", \"Value\"} objects.");
    for (const auto& t : list) {
      if (!t.is_object() || !t.value("Key", json("")).is_string() ||
          !t.value("Value", json("")).is_string())
        return MakeError(ErrorCode::kInvalidParameter,
                         "The parameter Tag must be a JSON list of {\"Key\", \"Value\"} objects.");
      tags.push_back({t.value("Key", std::string()), t.value("Value", std::string())});
    }
  } else {
    OPENECS_ASSIGN_OR_RETURN(tags, TagsOf(p));
  }
  if (tags.size() > 20)
    return MakeError(ErrorCode::kInvalidParameter, "At most 20 tags (Tag.N) may be given.");
  for (const auto& t : tags)
    if (t.key.empty() || t.key.size() > 128 || t.value.size() > 128)
      return MakeError(ErrorCode::kInvalidParameter,
                       "A tag's Key must be 1 to 128 characters and its Value at most 128.");
  return tags;
}

bool HasTags(const Tags& have, const Tags& want) {
  return std::all_of(want.begin(), want.end(), [&](const Tag& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

// Attaching to a resource group only would need policies scoped to one; refused rather than
// granted account-wide.
Status NoResourceGroup(const Params& p) {
  if (p.Get("ResourceGroupId"))
    return MakeError(ErrorCode::kInvalidParameter,
                     "Policies attached for a resource group (ResourceGroupId) are not supported "
                     "by OpenECS; attach without it to grant on the whole account.");
  return Ok();
}

Result<RamPolicyType> RequiredPolicyType(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(std::string type, p.Required("PolicyType"));
  return ParsePolicyType(type);
}

// Read actions: run `fn` on the state.
template <typename F>
Result<json> Reading(ApiContext& c, F&& fn) {
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> { return fn(s); });
}

// ---------------------------------------------------------------------------------------------
// Users

Result<json> CreateUserAction(ApiContext& c) {
  RamUserInput in;
  OPENECS_ASSIGN_OR_RETURN(in.name, c.params.Required("UserName"));
  in.display_name = c.params.GetOr("DisplayName", "");
  in.mobile_phone = c.params.GetOr("MobilePhone", "");
  in.email = c.params.GetOr("Email", "");
  in.comments = c.params.GetOr("Comments", "");
  OPENECS_ASSIGN_OR_RETURN(RamUser u, CreateRamUser(c.cloud, c.account_id, in));
  return json{{"User", UserJson(u)}};
}

Result<json> GetUserAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamUser u, GetRamUser(s, c.account_id, name));
    return json{{"User", UserJson(u)}};
  });
}

Result<json> UpdateUserAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  RamUserUpdate up{.new_name = c.params.Get("NewUserName"),
                   .new_display_name = c.params.Get("NewDisplayName"),
                   .new_mobile_phone = c.params.Get("NewMobilePhone"),
                   .new_email = c.params.Get("NewEmail"),
                   .new_comments = c.params.Get("NewComments")};
  OPENECS_ASSIGN_OR_RETURN(RamUser u, UpdateRamUser(c.cloud, c.account_id, name, up));
  return json{{"User", UserJson(u)}};
}

Result<json> ListUsersAction(ApiContext& c) {
  return Reading(c, [&](const State& s) -> Result<json> {
    auto users = ListRamUsers(s, c.account_id);
    OPENECS_ASSIGN_OR_RETURN(
        MarkerPage page,
        PageByMarker(c.params, KeysOf(users, [](const auto& u) { return u.name; })));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(UserJson(users[i]));
    json reply = {{"Users", Wrap("User", arr)}};
    page.Render(reply);
    return reply;
  });
}

Result<json> DeleteUserAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  OPENECS_RETURN_IF_ERROR(DeleteRamUser(c.cloud, c.account_id, name));
  return json::object();
}

// ---------------------------------------------------------------------------------------------
// AccessKeys

Result<json> CreateAccessKeyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string owner,
                           AccessKeyOwner(c.principal, c.params.Get("UserName")));
  OPENECS_ASSIGN_OR_RETURN(AccessKey k, CreateRamAccessKey(c.cloud, c.account_id, owner));
  return json{{"AccessKey",
               {{"AccessKeyId", k.id},
                {"AccessKeySecret", k.secret},
                {"Status", k.status},
                {"CreateDate", Date(k.create_date)}}}};
}

Result<json> ListAccessKeysAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string owner,
                           AccessKeyOwner(c.principal, c.params.Get("UserName")));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto keys, ListRamAccessKeys(s, c.account_id, owner));
    json arr = json::array();
    for (const auto& k : keys)
      arr.push_back(
          {{"AccessKeyId", k.id}, {"Status", k.status}, {"CreateDate", Date(k.create_date)}});
    return json{{"AccessKeys", Wrap("AccessKey", arr)}};
  });
}

Result<json> UpdateAccessKeyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string owner,
                           AccessKeyOwner(c.principal, c.params.Get("UserName")));
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("UserAccessKeyId"));
  OPENECS_ASSIGN_OR_RETURN(std::string status, c.params.Required("Status"));
  OPENECS_RETURN_IF_ERROR(UpdateRamAccessKey(c.cloud, c.account_id, owner, id, status));
  return json::object();
}

Result<json> DeleteAccessKeyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string owner,
                           AccessKeyOwner(c.principal, c.params.Get("UserName")));
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("UserAccessKeyId"));
  OPENECS_RETURN_IF_ERROR(DeleteRamAccessKey(c.cloud, c.account_id, owner, id));
  return json::object();
}

// ---------------------------------------------------------------------------------------------
// Login profiles

Result<json> CreateLoginProfileAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  OPENECS_ASSIGN_OR_RETURN(std::string password, c.params.Required("Password"));
  OPENECS_ASSIGN_OR_RETURN(bool reset, c.params.Bool("PasswordResetRequired", false));
  OPENECS_ASSIGN_OR_RETURN(bool mfa, c.params.Bool("MFABindRequired", false));
  OPENECS_ASSIGN_OR_RETURN(RamUser u,
                           CreateLoginProfile(c.cloud, c.account_id, name, password, reset, mfa));
  return json{{"LoginProfile", LoginProfileJson(u)}};
}

Result<json> GetLoginProfileAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamUser u, GetLoginProfile(s, c.account_id, name));
    return json{{"LoginProfile", LoginProfileJson(u)}};
  });
}

Result<json> UpdateLoginProfileAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  LoginProfileUpdate up;
  up.password = c.params.Get("Password");
  OPENECS_ASSIGN_OR_RETURN(up.password_reset_required, c.params.OptBool("PasswordResetRequired"));
  OPENECS_ASSIGN_OR_RETURN(up.mfa_bind_required, c.params.OptBool("MFABindRequired"));
  OPENECS_RETURN_IF_ERROR(UpdateLoginProfile(c.cloud, c.account_id, name, up));
  return json::object();
}

Result<json> DeleteLoginProfileAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("UserName"));
  OPENECS_RETURN_IF_ERROR(DeleteLoginProfile(c.cloud, c.account_id, name));
  return json::object();
}

// ---------------------------------------------------------------------------------------------
// Groups

Result<json> CreateGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("GroupName"));
  OPENECS_ASSIGN_OR_RETURN(
      RamGroup g, CreateRamGroup(c.cloud, c.account_id, name, c.params.GetOr("Comments", "")));
  return json{{"Group", GroupJson(g)}};
}

Result<json> GetGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("GroupName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamGroup g, GetRamGroup(s, c.account_id, name));
    return json{{"Group", GroupJson(g)}};
  });
}

Result<json> UpdateGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("GroupName"));
  OPENECS_ASSIGN_OR_RETURN(RamGroup g,
                           UpdateRamGroup(c.cloud, c.account_id, name, c.params.Get("NewGroupName"),
                                          c.params.Get("NewComments")));
  return json{{"Group", GroupJson(g)}};
}

Result<json> ListGroupsAction(ApiContext& c) {
  return Reading(c, [&](const State& s) -> Result<json> {
    auto groups = ListRamGroups(s, c.account_id);
    OPENECS_ASSIGN_OR_RETURN(
        MarkerPage page,
        PageByMarker(c.params, KeysOf(groups, [](const auto& g) { return g.name; })));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(GroupJson(groups[i]));
    json reply = {{"Groups", Wrap("Group", arr)}};
    page.Render(reply);
    return reply;
  });
}

Result<json> DeleteGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("GroupName"));
  OPENECS_RETURN_IF_ERROR(DeleteRamGroup(c.cloud, c.account_id, name));
  return json::object();
}

Result<json> AddUserToGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string user, c.params.Required("UserName"));
  OPENECS_ASSIGN_OR_RETURN(std::string group, c.params.Required("GroupName"));
  OPENECS_RETURN_IF_ERROR(AddUserToGroup(c.cloud, c.account_id, user, group));
  return json::object();
}

Result<json> RemoveUserFromGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string user, c.params.Required("UserName"));
  OPENECS_ASSIGN_OR_RETURN(std::string group, c.params.Required("GroupName"));
  OPENECS_RETURN_IF_ERROR(RemoveUserFromGroup(c.cloud, c.account_id, user, group));
  return json::object();
}

Result<json> ListGroupsForUserAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string user, c.params.Required("UserName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto groups, ListGroupsForUser(s, c.account_id, user));
    json arr = json::array();
    for (const auto& m : groups) {
      json g = GroupJson(m.group);
      g["JoinDate"] = Date(m.join_date);
      arr.push_back(std::move(g));
    }
    return json{{"Groups", Wrap("Group", arr)}};
  });
}

Result<json> ListUsersForGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string group, c.params.Required("GroupName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto members, ListUsersForGroup(s, c.account_id, group));
    OPENECS_ASSIGN_OR_RETURN(
        MarkerPage page,
        PageByMarker(c.params, KeysOf(members, [](const auto& m) { return m.user.name; })));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i)
      arr.push_back({{"UserName", members[i].user.name},
                     {"DisplayName", members[i].user.display_name},
                     {"JoinDate", Date(members[i].join_date)}});
    json reply = {{"Users", Wrap("User", arr)}};
    page.Render(reply);
    return reply;
  });
}

// ---------------------------------------------------------------------------------------------
// Policies

Result<json> CreatePolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(std::string document, c.params.Required("PolicyDocument"));
  OPENECS_ASSIGN_OR_RETURN(Tags tags, RamTagsOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyView p,
                           CreateRamPolicy(c.cloud, c.account_id, name,
                                           c.params.GetOr("Description", ""), document, tags));
  return json{{"Policy", PolicyJson(p)}};
}

Result<json> GetPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyType type, RequiredPolicyType(c.params));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamPolicyView p, GetRamPolicy(s, c.account_id, type, name));
    OPENECS_ASSIGN_OR_RETURN(RamPolicyVersionView v,
                             GetRamPolicyVersion(s, c.account_id, type, name, p.default_version));
    json policy = PolicyJson(p);
    policy["PolicyDocument"] = p.document;
    return json{{"Policy", policy}, {"DefaultPolicyVersion", VersionJson(v)}};
  });
}

Result<json> ListPoliciesAction(ApiContext& c) {
  std::optional<RamPolicyType> type;
  if (auto t = c.params.Get("PolicyType")) {
    OPENECS_ASSIGN_OR_RETURN(type, ParsePolicyType(*t));
  }
  OPENECS_ASSIGN_OR_RETURN(Tags tags, RamTagsOf(c.params));
  return Reading(c, [&](const State& s) -> Result<json> {
    std::vector<RamPolicyView> policies;
    for (auto& p : ListRamPolicies(s, c.account_id, type))
      if (HasTags(p.tags, tags)) policies.push_back(std::move(p));
    // System policies first, then custom ones, each by name: keys sort the same way.
    OPENECS_ASSIGN_OR_RETURN(
        MarkerPage page, PageByMarker(c.params, KeysOf(policies, [](const auto& p) {
                                        return (p.type == RamPolicyType::kSystem ? "0:" : "1:") +
                                               p.name;
                                      })));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(PolicyJson(policies[i]));
    json reply = {{"Policies", Wrap("Policy", arr)}};
    page.Render(reply);
    return reply;
  });
}

Result<json> DeletePolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(bool cascading, c.params.Bool("CascadingDelete", false));
  OPENECS_RETURN_IF_ERROR(DeleteRamPolicy(c.cloud, c.account_id, name, cascading));
  return json::object();
}

Result<json> UpdatePolicyDescriptionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyView p,
                           UpdateRamPolicyDescription(c.cloud, c.account_id, name,
                                                      c.params.GetOr("NewDescription", "")));
  return json{{"Policy", PolicyJson(p)}};
}

Result<json> CreatePolicyVersionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(std::string document, c.params.Required("PolicyDocument"));
  OPENECS_ASSIGN_OR_RETURN(bool set_default, c.params.Bool("SetAsDefault", false));
  OPENECS_ASSIGN_OR_RETURN(
      auto strategy,
      c.params.Enum("RotateStrategy", {"None", "DeleteOldestNonDefaultVersionWhenLimitExceeded"}));
  RotateStrategy rotate = strategy && *strategy != "None"
                              ? RotateStrategy::kDeleteOldestNonDefaultVersionWhenLimitExceeded
                              : RotateStrategy::kNone;
  OPENECS_ASSIGN_OR_RETURN(
      RamPolicyVersionView v,
      CreateRamPolicyVersion(c.cloud, c.account_id, name, document, set_default, rotate));
  return json{{"PolicyVersion", VersionJson(v)}};
}

Result<json> GetPolicyVersionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyType type, RequiredPolicyType(c.params));
  OPENECS_ASSIGN_OR_RETURN(std::string version_id, c.params.Required("VersionId"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamPolicyVersionView v,
                             GetRamPolicyVersion(s, c.account_id, type, name, version_id));
    return json{{"PolicyVersion", VersionJson(v)}};
  });
}

Result<json> ListPolicyVersionsAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyType type, RequiredPolicyType(c.params));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto versions, ListRamPolicyVersions(s, c.account_id, type, name));
    json arr = json::array();
    for (const auto& v : versions) arr.push_back(VersionJson(v));
    return json{{"PolicyVersions", Wrap("PolicyVersion", arr)}};
  });
}

Result<json> DeletePolicyVersionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(std::string version_id, c.params.Required("VersionId"));
  OPENECS_RETURN_IF_ERROR(DeleteRamPolicyVersion(c.cloud, c.account_id, name, version_id));
  return json::object();
}

Result<json> SetDefaultPolicyVersionAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(std::string version_id, c.params.Required("VersionId"));
  OPENECS_RETURN_IF_ERROR(SetDefaultRamPolicyVersion(c.cloud, c.account_id, name, version_id));
  return json::object();
}

// ---------------------------------------------------------------------------------------------
// Attachments

const char* NameParam(RamEntity e) {
  return e == RamEntity::kUser ? "UserName" : e == RamEntity::kGroup ? "GroupName" : "RoleName";
}

ActionHandler AttachAction(RamEntity entity, bool attach) {
  return [entity, attach](ApiContext& c) -> Result<json> {
    OPENECS_RETURN_IF_ERROR(NoResourceGroup(c.params));
    OPENECS_ASSIGN_OR_RETURN(std::string policy, c.params.Required("PolicyName"));
    OPENECS_ASSIGN_OR_RETURN(RamPolicyType type, RequiredPolicyType(c.params));
    OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required(NameParam(entity)));
    OPENECS_RETURN_IF_ERROR(
        attach ? AttachRamPolicy(c.cloud, c.account_id, entity, name, type, policy)
               : DetachRamPolicy(c.cloud, c.account_id, entity, name, type, policy));
    return json::object();
  };
}

ActionHandler ListPoliciesForAction(RamEntity entity) {
  return [entity](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required(NameParam(entity)));
    return Reading(c, [&](const State& s) -> Result<json> {
      OPENECS_ASSIGN_OR_RETURN(auto attached, ListRamPoliciesFor(s, c.account_id, entity, name));
      json arr = json::array();
      for (const auto& a : attached)
        arr.push_back({{"PolicyName", a.policy.name},
                       {"PolicyType", PolicyTypeName(a.policy.type)},
                       {"Description", a.policy.description},
                       {"DefaultVersion", a.policy.default_version},
                       {"AttachDate", Date(a.attach_date)}});
      return json{{"Policies", Wrap("Policy", arr)}};
    });
  };
}

Result<json> ListEntitiesForPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("PolicyName"));
  OPENECS_ASSIGN_OR_RETURN(RamPolicyType type, RequiredPolicyType(c.params));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(PolicyEntities e,
                             ListEntitiesForRamPolicy(s, c.account_id, type, name));
    json users = json::array(), groups = json::array(), roles = json::array();
    for (const auto& [u, at] : e.users)
      users.push_back({{"UserName", u.name},
                       {"UserId", u.user_id},
                       {"DisplayName", u.display_name},
                       {"AttachDate", Date(at)}});
    for (const auto& [g, at] : e.groups)
      groups.push_back({{"GroupName", g.name}, {"Comments", g.comments}, {"AttachDate", Date(at)}});
    for (const auto& [r, at] : e.roles)
      roles.push_back({{"RoleName", r.name},
                       {"RoleId", r.role_id},
                       {"Arn", RoleArn(r.account_id, r.name)},
                       {"Description", r.description},
                       {"AttachDate", Date(at)}});
    return json{{"Users", Wrap("User", users)},
                {"Groups", Wrap("Group", groups)},
                {"Roles", Wrap("Role", roles)}};
  });
}

// ---------------------------------------------------------------------------------------------
// Roles

Result<json> CreateRoleAction(ApiContext& c) {
  RamRoleInput in;
  OPENECS_ASSIGN_OR_RETURN(in.name, c.params.Required("RoleName"));
  OPENECS_ASSIGN_OR_RETURN(in.assume_role_policy_document,
                           c.params.Required("AssumeRolePolicyDocument"));
  in.description = c.params.GetOr("Description", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t duration,
                           c.params.IntOr("MaxSessionDuration", 3600, INT32_MIN, INT32_MAX));
  in.max_session_duration = static_cast<int>(duration);
  OPENECS_ASSIGN_OR_RETURN(in.tags, RamTagsOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(RamRole r, CreateRamRole(c.cloud, c.account_id, in));
  return json{{"Role", RoleJson(r)}};
}

Result<json> GetRoleAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("RoleName"));
  return Reading(c, [&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(RamRole r, GetRamRole(s, c.account_id, name));
    return json{{"Role", RoleJson(r)}};
  });
}

Result<json> UpdateRoleAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("RoleName"));
  RamRoleUpdate up;
  up.new_assume_role_policy_document = c.params.Get("NewAssumeRolePolicyDocument");
  up.new_description = c.params.Get("NewDescription");
  OPENECS_ASSIGN_OR_RETURN(auto duration,
                           c.params.Int("NewMaxSessionDuration", INT32_MIN, INT32_MAX));
  if (duration) up.new_max_session_duration = static_cast<int>(*duration);
  OPENECS_ASSIGN_OR_RETURN(RamRole r, UpdateRamRole(c.cloud, c.account_id, name, up));
  return json{{"Role", RoleJson(r)}};
}

Result<json> ListRolesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(Tags tags, RamTagsOf(c.params));
  return Reading(c, [&](const State& s) -> Result<json> {
    std::vector<RamRole> roles;
    for (auto& r : ListRamRoles(s, c.account_id))
      if (HasTags(r.tags, tags)) roles.push_back(std::move(r));
    OPENECS_ASSIGN_OR_RETURN(
        MarkerPage page,
        PageByMarker(c.params, KeysOf(roles, [](const auto& r) { return r.name; })));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) arr.push_back(RoleJson(roles[i]));
    json reply = {{"Roles", Wrap("Role", arr)}};
    page.Render(reply);
    return reply;
  });
}

Result<json> DeleteRoleAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string name, c.params.Required("RoleName"));
  OPENECS_RETURN_IF_ERROR(DeleteRamRole(c.cloud, c.account_id, name));
  return json::object();
}

}  // namespace

// Why a RAM identity was refused (api/authorizer.h).
Result<json> DecodeDiagnosticMessageAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string encoded, c.params.Required("EncodedDiagnosticMessage"));
  OPENECS_ASSIGN_OR_RETURN(json decoded, DecodeDiagnosticMessage(c.cloud, c.account_id, encoded));
  return json{{"DecodedDiagnosticMessage", decoded}};
}

void RegisterRamActions(ActionTable& t) {
  t[{kRamVersion, "DecodeDiagnosticMessage"}] = {DecodeDiagnosticMessageAction, false};
  // All region-free (region_required false).
  t[{kRamVersion, "CreateUser"}] = {CreateUserAction, false};
  t[{kRamVersion, "GetUser"}] = {GetUserAction, false};
  t[{kRamVersion, "UpdateUser"}] = {UpdateUserAction, false};
  t[{kRamVersion, "ListUsers"}] = {ListUsersAction, false};
  t[{kRamVersion, "DeleteUser"}] = {DeleteUserAction, false};
  t[{kRamVersion, "CreateAccessKey"}] = {CreateAccessKeyAction, false};
  t[{kRamVersion, "ListAccessKeys"}] = {ListAccessKeysAction, false};
  t[{kRamVersion, "UpdateAccessKey"}] = {UpdateAccessKeyAction, false};
  t[{kRamVersion, "DeleteAccessKey"}] = {DeleteAccessKeyAction, false};
  t[{kRamVersion, "CreateLoginProfile"}] = {CreateLoginProfileAction, false};
  t[{kRamVersion, "GetLoginProfile"}] = {GetLoginProfileAction, false};
  t[{kRamVersion, "UpdateLoginProfile"}] = {UpdateLoginProfileAction, false};
  t[{kRamVersion, "DeleteLoginProfile"}] = {DeleteLoginProfileAction, false};
  t[{kRamVersion, "CreateGroup"}] = {CreateGroupAction, false};
  t[{kRamVersion, "GetGroup"}] = {GetGroupAction, false};
  t[{kRamVersion, "UpdateGroup"}] = {UpdateGroupAction, false};
  t[{kRamVersion, "ListGroups"}] = {ListGroupsAction, false};
  t[{kRamVersion, "DeleteGroup"}] = {DeleteGroupAction, false};
  t[{kRamVersion, "AddUserToGroup"}] = {AddUserToGroupAction, false};
  t[{kRamVersion, "RemoveUserFromGroup"}] = {RemoveUserFromGroupAction, false};
  t[{kRamVersion, "ListGroupsForUser"}] = {ListGroupsForUserAction, false};
  t[{kRamVersion, "ListUsersForGroup"}] = {ListUsersForGroupAction, false};
  t[{kRamVersion, "CreatePolicy"}] = {CreatePolicyAction, false};
  t[{kRamVersion, "GetPolicy"}] = {GetPolicyAction, false};
  t[{kRamVersion, "ListPolicies"}] = {ListPoliciesAction, false};
  t[{kRamVersion, "DeletePolicy"}] = {DeletePolicyAction, false};
  t[{kRamVersion, "UpdatePolicyDescription"}] = {UpdatePolicyDescriptionAction, false};
  t[{kRamVersion, "CreatePolicyVersion"}] = {CreatePolicyVersionAction, false};
  t[{kRamVersion, "GetPolicyVersion"}] = {GetPolicyVersionAction, false};
  t[{kRamVersion, "ListPolicyVersions"}] = {ListPolicyVersionsAction, false};
  t[{kRamVersion, "DeletePolicyVersion"}] = {DeletePolicyVersionAction, false};
  t[{kRamVersion, "SetDefaultPolicyVersion"}] = {SetDefaultPolicyVersionAction, false};
  t[{kRamVersion, "AttachPolicyToUser"}] = {AttachAction(RamEntity::kUser, true), false};
  t[{kRamVersion, "AttachPolicyToGroup"}] = {AttachAction(RamEntity::kGroup, true), false};
  t[{kRamVersion, "AttachPolicyToRole"}] = {AttachAction(RamEntity::kRole, true), false};
  t[{kRamVersion, "DetachPolicyFromUser"}] = {AttachAction(RamEntity::kUser, false), false};
  t[{kRamVersion, "DetachPolicyFromGroup"}] = {AttachAction(RamEntity::kGroup, false), false};
  t[{kRamVersion, "DetachPolicyFromRole"}] = {AttachAction(RamEntity::kRole, false), false};
  t[{kRamVersion, "ListPoliciesForUser"}] = {ListPoliciesForAction(RamEntity::kUser), false};
  t[{kRamVersion, "ListPoliciesForGroup"}] = {ListPoliciesForAction(RamEntity::kGroup), false};
  t[{kRamVersion, "ListPoliciesForRole"}] = {ListPoliciesForAction(RamEntity::kRole), false};
  t[{kRamVersion, "ListEntitiesForPolicy"}] = {ListEntitiesForPolicyAction, false};
  t[{kRamVersion, "CreateRole"}] = {CreateRoleAction, false};
  t[{kRamVersion, "GetRole"}] = {GetRoleAction, false};
  t[{kRamVersion, "UpdateRole"}] = {UpdateRoleAction, false};
  t[{kRamVersion, "ListRoles"}] = {ListRolesAction, false};
  t[{kRamVersion, "DeleteRole"}] = {DeleteRoleAction, false};
}

}  // namespace openecs
