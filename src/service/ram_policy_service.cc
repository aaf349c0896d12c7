// RAM policies (system and custom, with versions), their attachment to users, groups and roles,
// and roles. Users, groups and AccessKeys are in ram_service.cc.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/text.h"
#include "iam/policy.h"
#include "service/ram_service.h"

namespace openecs {

namespace {

using json = nlohmann::json;

// When the system policies are said to have been created (RAM's API version date).
constexpr int64_t kSystemPolicyDate = 1430438400;  // 2015-05-01T00:00:00Z
constexpr int kMinSessionDuration = 3600, kMaxSessionDuration = 43200;
constexpr size_t kMaxDocumentBytes = 6144;

size_t CharCount(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xc0) != 0x80; });
}

Status CheckDescription(const std::string& d, const char* param) {
  if (CharCount(d) > 1024)
    return MakeError(ErrorCode::kRamDescriptionLength,
                     std::string("The parameter ") + param + " is longer than 1024 characters.");
  return Ok();
}

Status CheckVersionId(const std::string& v) {
  bool ok = v.size() >= 2 && v.size() <= 11 && v[0] == 'v' && v[1] != '0' &&
            std::all_of(v.begin() + 1, v.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok)
    return MakeError(ErrorCode::kRamVersionIdFormat,
                     "The parameter VersionId must be a policy version such as v1.");
  return Ok();
}

Error PolicyNotExist(RamPolicyType type, const std::string& name) {
  return MakeError(ErrorCode::kRamPolicyNotExist, std::string("The ") + PolicyTypeName(type) +
                                                      " policy " + name + " does not exist.");
}

RamPolicy* FindCustom(State& s, const std::string& account_id, const std::string& name) {
  return FindOwned(s.ram_policies, RamKey(account_id, name), account_id);
}
const RamPolicy* FindCustom(const State& s, const std::string& account_id,
                            const std::string& name) {
  return FindOwned(s.ram_policies, RamKey(account_id, name), account_id);
}

bool IsAttachment(const RamAttachment& a, RamPolicyType type, const std::string& name) {
  return a.policy_name == name && a.policy_type == PolicyTypeName(type);
}

// How many users, groups and roles of the account have the policy attached.
int AttachmentCount(const State& s, const std::string& account_id, RamPolicyType type,
                    const std::string& name) {
  int n = 0;
  auto count = [&](const auto& table) {
    for (const auto& [id, rec] : Owned(table, account_id))
      n += static_cast<int>(
          std::count_if(rec.policies.begin(), rec.policies.end(),
                        [&](const RamAttachment& a) { return IsAttachment(a, type, name); }));
  };
  count(s.ram_users);
  count(s.ram_groups);
  count(s.ram_roles);
  return n;
}

RamPolicyView SystemView(const State& s, const std::string& account_id, const SystemPolicy& p) {
  RamPolicyView v;
  v.type = RamPolicyType::kSystem;
  v.name = p.name;
  v.description = p.description;
  v.default_version = "v1";
  v.document = p.document;
  v.create_date = v.update_date = kSystemPolicyDate;
  v.attachment_count = AttachmentCount(s, account_id, RamPolicyType::kSystem, p.name);
  return v;
}

const RamPolicyVersion* DefaultVersionOf(const RamPolicy& p) {
  for (const auto& v : p.versions)
    if (v.version_id == p.default_version) return &v;
  return nullptr;
}

RamPolicyView CustomView(const State& s, const RamPolicy& p) {
  RamPolicyView v;
  v.type = RamPolicyType::kCustom;
  v.name = p.name;
  v.description = p.description;
  v.default_version = p.default_version;
  if (const RamPolicyVersion* d = DefaultVersionOf(p)) v.document = d->document;
  v.create_date = p.create_date;
  v.update_date = p.update_date;
  v.attachment_count = AttachmentCount(s, p.account_id, RamPolicyType::kCustom, p.name);
  v.tags = p.tags;
  return v;
}

RamPolicyVersionView VersionView(const RamPolicy& p, const RamPolicyVersion& v) {
  return {v.version_id, v.document, v.version_id == p.default_version, v.create_date};
}

Result<const RamPolicyVersion*> FindVersion(const RamPolicy& p, const std::string& version_id) {
  for (const auto& v : p.versions)
    if (v.version_id == version_id) return &v;
  return MakeError(ErrorCode::kRamPolicyVersionNotExist,
                   "The policy " + p.name + " has no version " + version_id + ".");
}

// The codes and parameter of each kind of entity policies attach to.
struct EntityRule {
  const char* param;  // the name parameter
  const char* what;
  ErrorCode not_exist, already_attached, not_attached;
};
const EntityRule& RuleOf(RamEntity e) {
  static const EntityRule kUser = {"UserName", "user", ErrorCode::kRamUserNotExist,
                                   ErrorCode::kRamUserPolicyAlreadyExists,
                                   ErrorCode::kRamUserPolicyNotExist};
  static const EntityRule kGroup = {"GroupName", "group", ErrorCode::kRamGroupNotExist,
                                    ErrorCode::kRamGroupPolicyAlreadyExists,
                                    ErrorCode::kRamGroupPolicyNotExist};
  static const EntityRule kRole = {"RoleName", "role", ErrorCode::kEntityNotExistRole,
                                   ErrorCode::kRamRolePolicyAlreadyExists,
                                   ErrorCode::kRamRolePolicyNotExist};
  switch (e) {
    case RamEntity::kUser:
      return kUser;
    case RamEntity::kGroup:
      return kGroup;
    case RamEntity::kRole:
      break;
  }
  return kRole;
}

// Calls f(record) with the user, group or role `name` of the account (a RamUser, RamGroup or
// RamRole: each has `policies`), or answers EntityNotExist.<Entity>.
template <typename StateT, typename F>
Status WithEntity(StateT& s, const std::string& account_id, RamEntity e, const std::string& name,
                  F&& f) {
  const EntityRule& rule = RuleOf(e);
  auto visit = [&](auto& table) -> Status {
    auto* rec = FindOwned(table, RamKey(account_id, name), account_id);
    if (!rec)
      return MakeError(rule.not_exist,
                       std::string("The ") + rule.what + " " + name + " does not exist.");
    return f(*rec);
  };
  switch (e) {
    case RamEntity::kUser:
      return visit(s.ram_users);
    case RamEntity::kGroup:
      return visit(s.ram_groups);
    case RamEntity::kRole:
      break;
  }
  return visit(s.ram_roles);
}

// NotExist unless the policy exists (a system policy, or a custom one of the account).
Status CheckPolicyExists(const State& s, const std::string& account_id, RamPolicyType type,
                         const std::string& name) {
  bool found = type == RamPolicyType::kSystem ? FindSystemPolicy(name) != nullptr
                                              : FindCustom(s, account_id, name) != nullptr;
  return found ? Ok() : Status(PolicyNotExist(type, name));
}

}  // namespace

Result<RamPolicyType> ParsePolicyType(const std::string& text) {
  if (text == "System") return RamPolicyType::kSystem;
  if (text == "Custom") return RamPolicyType::kCustom;
  return MakeError(ErrorCode::kRamPolicyType, "The parameter PolicyType must be System or Custom.");
}

const char* PolicyTypeName(RamPolicyType type) {
  return type == RamPolicyType::kSystem ? "System" : "Custom";
}

// ---------------------------------------------------------------------------------------------
// Policies

Result<RamPolicyView> CreateRamPolicy(Cloud& cloud, const std::string& account_id,
                                      const std::string& name, const std::string& description,
                                      const std::string& document, const Tags& tags) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(CheckDescription(description, "Description"));
  OPENECS_RETURN_IF_ERROR(ParsedPolicy::Parse(document));
  RamPolicyView out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (FindCustom(s, account_id, name))
      return MakeError(ErrorCode::kRamPolicyAlreadyExists,
                       "The policy " + name + " already exists.");
    RamPolicy p;
    p.id = RamKey(account_id, name);
    p.account_id = account_id;
    p.name = name;
    p.description = description;
    p.create_date = p.update_date = txn.now();
    p.versions.push_back({"v1", document, p.create_date});
    p.default_version = "v1";
    p.next_version_number = 2;
    p.tags = tags;
    out = CustomView(s, txn.Put(std::move(p)));
    return Ok();
  }));
  return out;
}

Result<RamPolicyView> GetRamPolicy(const State& s, const std::string& account_id,
                                   RamPolicyType type, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  if (type == RamPolicyType::kSystem) {
    const SystemPolicy* p = FindSystemPolicy(name);
    if (!p) return PolicyNotExist(type, name);
    return SystemView(s, account_id, *p);
  }
  const RamPolicy* p = FindCustom(s, account_id, name);
  if (!p) return PolicyNotExist(type, name);
  return CustomView(s, *p);
}

std::vector<RamPolicyView> ListRamPolicies(const State& s, const std::string& account_id,
                                           std::optional<RamPolicyType> type) {
  std::vector<RamPolicyView> out;
  if (!type || *type == RamPolicyType::kSystem) {
    for (const SystemPolicy& p : SystemPolicies()) out.push_back(SystemView(s, account_id, p));
    std::sort(out.begin(), out.end(),
              [](const RamPolicyView& a, const RamPolicyView& b) { return a.name < b.name; });
  }
  if (!type || *type == RamPolicyType::kCustom) {
    // The table is keyed by account/name: an account's policies come in name order.
    for (const auto& [id, p] : Owned(s.ram_policies, account_id)) out.push_back(CustomView(s, p));
  }
  return out;
}

Status DeleteRamPolicy(Cloud& cloud, const std::string& account_id, const std::string& name,
                       bool cascading) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamPolicy* p = FindCustom(s, account_id, name);
    if (!p) return PolicyNotExist(RamPolicyType::kCustom, name);
    auto attached = [&](const auto& rec) {
      return std::any_of(rec.policies.begin(), rec.policies.end(), [&](const RamAttachment& a) {
        return IsAttachment(a, RamPolicyType::kCustom, name);
      });
    };
    if (!cascading) {
      for (const auto& [id, u] : Owned(s.ram_users, account_id))
        if (attached(u))
          return MakeError(ErrorCode::kRamDeleteConflictPolicyUser,
                           "The policy " + name + " is attached to user " + u.name +
                               "; detach it first (or delete with CascadingDelete).");
      for (const auto& [id, g] : Owned(s.ram_groups, account_id))
        if (attached(g))
          return MakeError(ErrorCode::kRamDeleteConflictPolicyGroup,
                           "The policy " + name + " is attached to group " + g.name +
                               "; detach it first (or delete with CascadingDelete).");
      for (const auto& [id, r] : Owned(s.ram_roles, account_id))
        if (attached(r))
          return MakeError(ErrorCode::kRamDeleteConflictRolePolicy,
                           "The policy " + name + " is attached to role " + r.name +
                               "; detach it first (or delete with CascadingDelete).");
      if (p->versions.size() > 1)
        return MakeError(ErrorCode::kRamDeleteConflictPolicyVersion,
                         "The policy " + name + " has " + std::to_string(p->versions.size()) +
                             " versions; delete all but the default first (or delete with "
                             "CascadingDelete).");
    }
    // CascadingDelete: detached everywhere, then deleted with all its versions.
    auto detach = [&](auto& table) {
      for (auto& [id, rec] : Owned(table, account_id)) {
        if (!attached(rec)) continue;
        std::erase_if(rec.policies, [&](const RamAttachment& a) {
          return IsAttachment(a, RamPolicyType::kCustom, name);
        });
        txn.Touch(rec);
      }
    };
    detach(s.ram_users);
    detach(s.ram_groups);
    detach(s.ram_roles);
    txn.Erase<RamPolicy>(p->id);
    return Ok();
  });
}

Result<RamPolicyView> UpdateRamPolicyDescription(Cloud& cloud, const std::string& account_id,
                                                 const std::string& name,
                                                 const std::string& description) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(CheckDescription(description, "NewDescription"));
  RamPolicyView out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    RamPolicy* p = FindCustom(txn.state(), account_id, name);
    if (!p) return PolicyNotExist(RamPolicyType::kCustom, name);
    p->description = description;
    p->update_date = txn.now();
    txn.Touch(*p);
    out = CustomView(txn.state(), *p);
    return Ok();
  }));
  return out;
}

Result<RamPolicyVersionView> CreateRamPolicyVersion(Cloud& cloud, const std::string& account_id,
                                                    const std::string& name,
                                                    const std::string& document,
                                                    bool set_as_default, RotateStrategy rotate) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(ParsedPolicy::Parse(document));
  RamPolicyVersionView out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    RamPolicy* p = FindCustom(txn.state(), account_id, name);
    if (!p) return PolicyNotExist(RamPolicyType::kCustom, name);
    auto oldest = p->versions.end();
    if (p->versions.size() >= static_cast<size_t>(kMaxPolicyVersions)) {
      if (rotate == RotateStrategy::kDeleteOldestNonDefaultVersionWhenLimitExceeded)
        oldest = std::find_if(p->versions.begin(), p->versions.end(),
                              [&](const auto& v) { return v.version_id != p->default_version; });
      if (oldest == p->versions.end())
        return MakeError(ErrorCode::kRamLimitExceededPolicyVersion,
                         "The policy " + name + " already has " +
                             std::to_string(kMaxPolicyVersions) +
                             " versions, the most it may have; delete one, or use "
                             "RotateStrategy DeleteOldestNonDefaultVersionWhenLimitExceeded.");
      p->versions.erase(oldest);
    }
    int64_t now = txn.now();
    RamPolicyVersion v{"v" + std::to_string(p->next_version_number++), document, now};
    p->versions.push_back(v);
    if (set_as_default) p->default_version = v.version_id;
    p->update_date = now;
    txn.Touch(*p);
    out = VersionView(*p, v);
    return Ok();
  }));
  return out;
}

Result<RamPolicyVersionView> GetRamPolicyVersion(const State& s, const std::string& account_id,
                                                 RamPolicyType type, const std::string& name,
                                                 const std::string& version_id) {
  OPENECS_RETURN_IF_ERROR(CheckVersionId(version_id));
  OPENECS_ASSIGN_OR_RETURN(auto versions, ListRamPolicyVersions(s, account_id, type, name));
  for (auto& v : versions)
    if (v.version_id == version_id) return v;
  return MakeError(ErrorCode::kRamPolicyVersionNotExist,
                   "The policy " + name + " has no version " + version_id + ".");
}

Result<std::vector<RamPolicyVersionView>> ListRamPolicyVersions(const State& s,
                                                                const std::string& account_id,
                                                                RamPolicyType type,
                                                                const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  std::vector<RamPolicyVersionView> out;
  if (type == RamPolicyType::kSystem) {
    const SystemPolicy* p = FindSystemPolicy(name);
    if (!p) return PolicyNotExist(type, name);
    out.push_back({"v1", p->document, true, kSystemPolicyDate});
    return out;
  }
  const RamPolicy* p = FindCustom(s, account_id, name);
  if (!p) return PolicyNotExist(type, name);
  for (const auto& v : p->versions) out.push_back(VersionView(*p, v));
  return out;
}

Status DeleteRamPolicyVersion(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const std::string& version_id) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(CheckVersionId(version_id));
  return cloud.Write([&](Txn& txn) -> Status {
    RamPolicy* p = FindCustom(txn.state(), account_id, name);
    if (!p) return PolicyNotExist(RamPolicyType::kCustom, name);
    OPENECS_RETURN_IF_ERROR(FindVersion(*p, version_id));
    if (version_id == p->default_version)
      return MakeError(ErrorCode::kRamDeleteConflictPolicyVersionDefault,
                       "The version " + version_id + " is the default version of policy " + name +
                           "; make another version the default first.");
    std::erase_if(p->versions,
                  [&](const RamPolicyVersion& v) { return v.version_id == version_id; });
    p->update_date = txn.now();
    txn.Touch(*p);
    return Ok();
  });
}

Status SetDefaultRamPolicyVersion(Cloud& cloud, const std::string& account_id,
                                  const std::string& name, const std::string& version_id) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(CheckVersionId(version_id));
  return cloud.Write([&](Txn& txn) -> Status {
    RamPolicy* p = FindCustom(txn.state(), account_id, name);
    if (!p) return PolicyNotExist(RamPolicyType::kCustom, name);
    OPENECS_RETURN_IF_ERROR(FindVersion(*p, version_id));
    if (p->default_version == version_id) return Ok();
    p->default_version = version_id;
    p->update_date = txn.now();
    txn.Touch(*p);
    return Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Attachments

Status AttachRamPolicy(Cloud& cloud, const std::string& account_id, RamEntity entity,
                       const std::string& entity_name, RamPolicyType type,
                       const std::string& policy_name) {
  const EntityRule& rule = RuleOf(entity);
  OPENECS_RETURN_IF_ERROR(CheckRamName(rule.param, entity_name));
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", policy_name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    return WithEntity(s, account_id, entity, entity_name, [&](auto& rec) -> Status {
      OPENECS_RETURN_IF_ERROR(CheckPolicyExists(s, account_id, type, policy_name));
      for (const auto& a : rec.policies)
        if (IsAttachment(a, type, policy_name))
          return MakeError(rule.already_attached,
                           std::string("The ") + PolicyTypeName(type) + " policy " + policy_name +
                               " is already attached to " + rule.what + " " + entity_name + ".");
      rec.policies.push_back({PolicyTypeName(type), policy_name, txn.now()});
      txn.Touch(rec);
      return Ok();
    });
  });
}

Status DetachRamPolicy(Cloud& cloud, const std::string& account_id, RamEntity entity,
                       const std::string& entity_name, RamPolicyType type,
                       const std::string& policy_name) {
  const EntityRule& rule = RuleOf(entity);
  OPENECS_RETURN_IF_ERROR(CheckRamName(rule.param, entity_name));
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", policy_name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    return WithEntity(s, account_id, entity, entity_name, [&](auto& rec) -> Status {
      OPENECS_RETURN_IF_ERROR(CheckPolicyExists(s, account_id, type, policy_name));
      auto it = std::find_if(rec.policies.begin(), rec.policies.end(),
                             [&](const auto& a) { return IsAttachment(a, type, policy_name); });
      if (it == rec.policies.end())
        return MakeError(rule.not_attached, std::string("The ") + PolicyTypeName(type) +
                                                " policy " + policy_name + " is not attached to " +
                                                rule.what + " " + entity_name + ".");
      rec.policies.erase(it);
      txn.Touch(rec);
      return Ok();
    });
  });
}

Result<std::vector<AttachedPolicyView>> ListRamPoliciesFor(const State& s,
                                                           const std::string& account_id,
                                                           RamEntity entity,
                                                           const std::string& entity_name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName(RuleOf(entity).param, entity_name));
  std::vector<AttachedPolicyView> out;
  OPENECS_RETURN_IF_ERROR(
      WithEntity(s, account_id, entity, entity_name, [&](const auto& rec) -> Status {
        for (const auto& a : rec.policies) {
          auto type = ParsePolicyType(a.policy_type);
          if (!type.ok()) continue;
          auto view = GetRamPolicy(s, account_id, *type, a.policy_name);
          if (view.ok()) out.push_back({std::move(*view), a.attach_date});
        }
        return Ok();
      }));
  return out;
}

Result<PolicyEntities> ListEntitiesForRamPolicy(const State& s, const std::string& account_id,
                                                RamPolicyType type, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("PolicyName", name));
  OPENECS_RETURN_IF_ERROR(CheckPolicyExists(s, account_id, type, name));
  PolicyEntities out;
  auto collect = [&](const auto& table, auto& list) {
    for (const auto& [id, rec] : Owned(table, account_id))
      for (const auto& a : rec.policies)
        if (IsAttachment(a, type, name)) list.push_back({rec, a.attach_date});
  };
  collect(s.ram_users, out.users);
  collect(s.ram_groups, out.groups);
  collect(s.ram_roles, out.roles);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Roles

std::string RoleArn(const std::string& account_id, const std::string& role_name) {
  return "acs:ram::" + account_id + ":role/" + ToLower(role_name);
}

const RamRole* FindRole(const State& s, const std::string& account_id,
                        const std::string& role_name) {
  if (const RamRole* r = FindOwned(s.ram_roles, RamKey(account_id, role_name), account_id))
    return r;
  // Role names compare without case, as their ARNs (lower case) do: Admin is admin.
  for (const auto& [id, r] : Owned(s.ram_roles, account_id))
    if (EqualsIgnoreCase(r.name, role_name)) return &r;
  return nullptr;
}

std::vector<std::string> PolicyDocumentsOfRole(const State& s, const std::string& account_id,
                                               const std::string& role_name) {
  std::vector<std::string> out;
  const RamRole* r = FindRole(s, account_id, role_name);
  if (!r) return out;
  for (const auto& a : r->policies) {
    std::string doc = PolicyDocumentOf(s, account_id, a);
    if (!doc.empty()) out.push_back(std::move(doc));
  }
  return out;
}

Status CheckTrustPolicy(const std::string& document) {
  auto bad = [](const std::string& what) {
    return MakeError(ErrorCode::kMalformedPolicyDocument,
                     "The trust policy (AssumeRolePolicyDocument) is malformed: " + what + ".");
  };
  if (document.size() > kMaxDocumentBytes)
    return bad("it is longer than " + std::to_string(kMaxDocumentBytes) + " bytes");
  json j = json::parse(document, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("it is not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "Version" && key != "Statement") return bad("unknown element \"" + key + "\"");
  if (!j.contains("Version") || j["Version"] != "1") return bad("Version must be \"1\"");
  json statements = j.value("Statement", json());
  if (statements.is_object()) statements = json::array({statements});
  if (!statements.is_array() || statements.empty())
    return bad("Statement must be a non-empty list of statements");
  // A string, or a non-empty list of non-empty strings.
  auto strings = [](const json& v, std::vector<std::string>& out) {
    json list = v.is_string() ? json::array({v}) : v;
    if (!list.is_array() || list.empty()) return false;
    for (const auto& e : list) {
      if (!e.is_string() || e.get<std::string>().empty()) return false;
      out.push_back(e.get<std::string>());
    }
    return true;
  };
  for (const auto& st : statements) {
    if (!st.is_object()) return bad("a statement is not an object");
    for (const auto& [key, value] : st.items())
      if (key != "Effect" && key != "Action" && key != "Principal" && key != "Condition")
        return bad("unknown statement element \"" + key + "\"");
    if (!st.contains("Effect") || (st["Effect"] != "Allow" && st["Effect"] != "Deny"))
      return bad("Effect must be Allow or Deny");
    std::vector<std::string> actions;
    if (!st.contains("Action") || !strings(st["Action"], actions))
      return bad("Action must be sts:AssumeRole");
    for (const auto& a : actions)
      if (!EqualsIgnoreCase(a, "sts:AssumeRole")) return bad("Action must be sts:AssumeRole");
    if (!st.contains("Principal") || !st["Principal"].is_object() || st["Principal"].empty())
      return bad("Principal must name RAM or Service principals");
    for (const auto& [key, value] : st["Principal"].items()) {
      std::vector<std::string> principals;
      if (key != "RAM" && key != "Service" && key != "Federated")
        return bad("unknown Principal type \"" + key + "\" (RAM, Service or Federated)");
      if (!strings(value, principals))
        return bad("Principal " + key + " must be a string or a list of strings");
      for (const auto& p : principals)
        if (p.find('*') != std::string::npos)
          return bad("a trust policy names its principals; \"*\" is not allowed");
    }
    // Conditions in trust policies are not evaluated by OpenECS: refused rather than ignored
    // (an ignored condition would make a conditional Allow unconditional).
    if (st.contains("Condition"))
      return bad("Condition in a trust policy is not supported by OpenECS");
  }
  return Ok();
}

namespace {
Status CheckSessionDuration(int seconds, const char* param) {
  if (seconds < kMinSessionDuration || seconds > kMaxSessionDuration)
    return MakeError(ErrorCode::kInvalidParameter,
                     std::string("The parameter ") + param + " must be 3600 to 43200 seconds.");
  return Ok();
}

std::string NewRoleId(const State& s) {
  for (;;) {
    // 16 digits, the first not 0.
    uint64_t n = std::stoull(RandomHex(8), nullptr, 16);
    std::string id = std::to_string(1000000000000000ULL + n % 9000000000000000ULL);
    bool taken = std::any_of(s.ram_roles.begin(), s.ram_roles.end(),
                             [&](const auto& kv) { return kv.second.role_id == id; });
    if (!taken) return id;
  }
}
}  // namespace

Result<RamRole> CreateRamRole(Cloud& cloud, const std::string& account_id, const RamRoleInput& in) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("RoleName", in.name));
  OPENECS_RETURN_IF_ERROR(CheckTrustPolicy(in.assume_role_policy_document));
  OPENECS_RETURN_IF_ERROR(CheckDescription(in.description, "Description"));
  OPENECS_RETURN_IF_ERROR(CheckSessionDuration(in.max_session_duration, "MaxSessionDuration"));
  RamRole out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (FindRole(s, account_id, in.name))
      return MakeError(ErrorCode::kRamRoleAlreadyExists,
                       "The role " + in.name + " already exists.");
    RamRole r;
    r.id = RamKey(account_id, in.name);
    r.account_id = account_id;
    r.name = in.name;
    r.role_id = NewRoleId(s);
    r.description = in.description;
    r.assume_role_policy_document = in.assume_role_policy_document;
    r.max_session_duration = in.max_session_duration;
    r.tags = in.tags;
    r.create_date = r.update_date = txn.now();
    out = txn.Put(std::move(r));
    return Ok();
  }));
  return out;
}

Result<RamRole> GetRamRole(const State& s, const std::string& account_id, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("RoleName", name));
  const RamRole* r = FindRole(s, account_id, name);
  if (!r) return MakeError(ErrorCode::kEntityNotExistRole, "The role " + name + " does not exist.");
  return *r;
}

Result<RamRole> UpdateRamRole(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const RamRoleUpdate& up) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("RoleName", name));
  if (up.new_assume_role_policy_document)
    OPENECS_RETURN_IF_ERROR(CheckTrustPolicy(*up.new_assume_role_policy_document));
  if (up.new_description)
    OPENECS_RETURN_IF_ERROR(CheckDescription(*up.new_description, "NewDescription"));
  if (up.new_max_session_duration)
    OPENECS_RETURN_IF_ERROR(
        CheckSessionDuration(*up.new_max_session_duration, "NewMaxSessionDuration"));
  RamRole out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    RamRole* r = FindOwned(txn.state().ram_roles, RamKey(account_id, name), account_id);
    if (!r)
      return MakeError(ErrorCode::kEntityNotExistRole, "The role " + name + " does not exist.");
    if (up.new_assume_role_policy_document)
      r->assume_role_policy_document = *up.new_assume_role_policy_document;
    if (up.new_description) r->description = *up.new_description;
    if (up.new_max_session_duration) r->max_session_duration = *up.new_max_session_duration;
    r->update_date = txn.now();
    txn.Touch(*r);
    out = *r;
    return Ok();
  }));
  return out;
}

std::vector<RamRole> ListRamRoles(const State& s, const std::string& account_id) {
  return OwnedRecords(s.ram_roles, account_id);  // keyed account/name: in name order
}

Status DeleteRamRole(Cloud& cloud, const std::string& account_id, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("RoleName", name));
  return cloud.Write([&](Txn& txn) -> Status {
    RamRole* r = FindOwned(txn.state().ram_roles, RamKey(account_id, name), account_id);
    if (!r)
      return MakeError(ErrorCode::kEntityNotExistRole, "The role " + name + " does not exist.");
    if (!r->policies.empty())
      return MakeError(ErrorCode::kRamDeleteConflictRolePolicy,
                       "The role " + name + " still has policy " + r->policies[0].policy_name +
                           " attached; detach its policies first.");
    txn.Erase<RamRole>(r->id);
    return Ok();
  });
}

}  // namespace openecs
