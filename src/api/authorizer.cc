#include "api/authorizer.h"

#include <nlohmann/json.hpp>

#include "api/action.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "iam/policy.h"
#include "service/ram_service.h"

namespace openecs {
namespace {

// A parameter that names a resource: its base name (without ".N"), the resource type in ARNs
// and the product whose ARNs carry it.
struct NamingParam {
  const char* param;
  const char* type;
  const char* product;
};
constexpr NamingParam kNaming[] = {
    {"InstanceId", "instance", "ecs"},
    {"DiskId", "disk", "ecs"},
    {"SnapshotId", "snapshot", "ecs"},
    {"ImageId", "image", "ecs"},
    {"SecurityGroupId", "securitygroup", "ecs"},
    {"NetworkInterfaceId", "networkinterface", "ecs"},
    {"KeyPairName", "keypair", "ecs"},
    {"LaunchTemplateId", "launchtemplate", "ecs"},
    {"LaunchTemplateName", "launchtemplate-name", "ecs"},  // resolved to its id (Check)
    {"DeploymentSetId", "deploymentset", "ecs"},
    {"DedicatedHostId", "ddh", "ecs"},
    {"AutoSnapshotPolicyId", "autosnapshotpolicy", "ecs"},
    {"VpcId", "vpc", "vpc"},
    {"VSwitchId", "vswitch", "vpc"},
    {"AllocationId", "eip", "vpc"},
    {"RouteTableId", "routetable", "vpc"},
    {"RouteEntryId", "routeentry", "vpc"},
    {"UserName", "user", "ram"},
    {"GroupName", "group", "ram"},
    {"RoleName", "role", "ram"},
    {"PolicyName", "policy", "ram"},
};

// The resource type an action is about when it names no resource of it (longest names first,
// so DescribeSecurityGroups is about security groups, not groups).
constexpr const char* kActionNouns[][2] = {
    {"networkinterface", "networkinterface"},
    {"autosnapshotpolicy", "autosnapshotpolicy"},
    {"dedicatedhost", "ddh"},
    {"securitygroup", "securitygroup"},
    {"launchtemplate", "launchtemplate"},
    {"deploymentset", "deploymentset"},
    {"routetable", "routetable"},
    {"routeentry", "routeentry"},
    {"eipaddress", "eip"},
    {"instance", "instance"},
    {"snapshot", "snapshot"},
    {"keypair", "keypair"},
    {"vswitch", "vswitch"},
    {"image", "image"},
    {"disk", "disk"},
    {"vpc", "vpc"},
    {"user", "user"},
    {"group", "group"},
    {"role", "role"},
    {"policy", "policy"},
    {"accesskey", "user"},
    {"loginprofile", "user"},
};

std::string Arn(const std::string& product, const std::string& region, const std::string& account,
                const std::string& type, const std::string& id) {
  bool global = product == "ram";
  if (type == "role") return "acs:ram::" + account + ":role/" + ToLower(id);
  return "acs:" + product + ":" + (global ? "" : region) + ":" + account + ":" + type + "/" + id;
}

const char* ProductOfType(std::string_view type) {
  for (const auto& n : kNaming)
    if (type == n.type) return n.product;
  return "ecs";
}

// The name a parameter is matched by: its last segment that is not an index, so
// "InstanceId.3" -> "InstanceId", "DataDisk.1.SnapshotId" -> "SnapshotId",
// "NetworkInterface.1.SecurityGroupIds.2" -> "SecurityGroupIds"; lower-cased, as matching
// ignores case (the automatic snapshot policy actions spell theirs autoSnapshotPolicyId).
std::string BaseName(const std::string& key) {
  std::string last;
  for (const auto& seg : Split(key, '.'))
    if (!seg.empty() &&
        !std::all_of(seg.begin(), seg.end(), [](unsigned char c) { return std::isdigit(c); }))
      last = seg;
  return ToLower(last);
}

const Tags* TagsOf(const State& s, std::string_view type, const std::string& id,
                   const std::string& account) {
  auto tags = [](const auto* rec) -> const Tags* { return rec ? &rec->tags : nullptr; };
  if (type == "instance") return tags(FindOwned(s.instances, id, account));
  if (type == "disk") return tags(FindOwned(s.disks, id, account));
  if (type == "snapshot") return tags(FindOwned(s.snapshots, id, account));
  if (type == "image") return tags(FindOwned(s.images, id, account));
  if (type == "securitygroup") return tags(FindOwned(s.security_groups, id, account));
  if (type == "networkinterface") return tags(FindOwned(s.enis, id, account));
  if (type == "launchtemplate") return tags(FindOwned(s.launch_templates, id, account));
  if (type == "autosnapshotpolicy") return tags(FindOwned(s.snapshot_policies, id, account));
  if (type == "vpc") return tags(FindOwned(s.vpcs, id, account));
  if (type == "vswitch") return tags(FindOwned(s.vswitches, id, account));
  if (type == "eip") return tags(FindOwned(s.eips, id, account));
  if (type == "routetable") return tags(FindOwned(s.route_tables, id, account));
  if (type == "keypair") return tags(FindOwned(s.key_pairs, KeyPairKey(account, id), account));
  if (type == "ddh") return tags(FindOwned(s.dedicated_hosts, id, account));
  return nullptr;
}

struct Target {
  std::string arn;
  std::string type;  // "" for "*"
  std::string id;    // "*" for a type's every resource
};

std::vector<Target> TargetsOf(const std::string& version, const std::string& action,
                              const Params& params, const std::string& region,
                              const std::string& account) {
  std::vector<Target> out;
  // A system policy is no account's: acs:ram::system:policy/<name>.
  bool system_policy = params.GetOr("PolicyType", "") == "System";
  auto add = [&](const NamingParam& n, const std::string& id) {
    if (id.empty()) return;
    std::string owner = n.type == std::string_view("policy") && system_policy ? "system" : account;
    std::string arn = Arn(n.product, region, owner, n.type, id);
    for (const auto& t : out)
      if (t.arn == arn) return;
    out.push_back({arn, n.type, id});
  };
  std::string product = ProductOfVersion(version);
  for (const auto& [key, value] : params.all()) {
    std::string base = BaseName(key);
    if (product == "sts" && key == "RoleArn") {
      // Role names compare without case (their ARNs are written in lower case).
      out.push_back({ToLower(value), "role", value});
      continue;
    }
    for (const auto& n : kNaming) {
      // RAM names belong to RAM's own actions; an ECS action's RamRoleName (a role given to
      // an instance) is checked by that action.
      if ((std::string_view(n.product) == "ram") != (product == "ram")) continue;
      std::string name = ToLower(n.param);
      if (base == name) {
        add(n, value);
      } else if (base == name + "s") {
        // A JSON list (InstanceIds='["i-a","i-b"]') or a comma list (DescribeImages' ImageId).
        auto list = nlohmann::json::parse(value, nullptr, false);
        if (list.is_array()) {
          for (const auto& v : list)
            if (v.is_string()) add(n, v.get<std::string>());
        } else {
          for (const auto& v : Split(value, ',')) add(n, Trim(v));
        }
      }
    }
  }
  // Tag actions name their resources as ResourceId.N with a ResourceType.
  if (auto type = params.Get("ResourceType")) {
    std::string t = ToLower(*type);
    if (t == "eni") t = "networkinterface";
    if (t == "snapshotpolicy") t = "autosnapshotpolicy";
    for (const auto& [key, value] : params.all())
      if (BaseName(key) == "resourceid" && !value.empty())
        out.push_back({Arn(ProductOfType(t), region, account, t, value), t, value});
  }
  if (out.empty()) {
    std::string a = ToLower(action);
    for (const auto& noun : kActionNouns)
      if (a.find(noun[0]) != std::string::npos) {
        std::string type = noun[1];
        const char* p = ProductOfType(type);
        // RAM's nouns (user, group, role, policy) only on RAM's own actions.
        if ((std::string_view(p) == "ram") != (product == "ram")) continue;
        out.push_back({Arn(product == "ram" ? "ram" : p, region, account, type, "*"), type, "*"});
        break;
      }
  }
  if (out.empty()) out.push_back({"*", "", "*"});
  return out;
}

// The policies of `docs`; a stored document that no longer parses (written by an older version
// with other rules) stands for "deny everything": a Deny in it must not silently stop applying.
std::vector<ParsedPolicy> ParseAll(const std::vector<std::string>& docs) {
  static const ParsedPolicy kDenyAll =
      *ParsedPolicy::Parse(R"({"Version":"1","Statement":[{"Effect":"Deny","Action":"*",)"
                           R"("Resource":"*"}]})");
  std::vector<ParsedPolicy> out;
  for (const auto& d : docs) {
    auto p = ParsedPolicy::Parse(d);
    out.push_back(p.ok() ? std::move(*p) : kDenyAll);
  }
  return out;
}

std::vector<const ParsedPolicy*> Pointers(const std::vector<ParsedPolicy>& v) {
  std::vector<const ParsedPolicy*> out;
  for (const auto& p : v) out.push_back(&p);
  return out;
}

// The box diagnostic messages are sealed with (none without a secrets key: then plain Base64).
std::optional<SecretBox> DiagnosticBox(const Cloud& cloud) {
  if (!cloud.config().secrets) return std::nullopt;
  return cloud.config().secrets->Derive("openecs-diagnostic-v1");
}
constexpr std::string_view kSealed = "sealed:v1:";

Error Refusal(const Cloud& cloud, const Principal& p, const std::string& product,
              const std::string& auth_action, const AuthRequest& req, PolicyDecision decision) {
  const std::string& resource = req.resource;
  bool role = p.type == Principal::Type::kAssumedRole;
  std::string display = role ? p.role_name + ":" + p.session_name : p.user_id;
  std::string no_permission =
      decision == PolicyDecision::kExplicitDeny ? "ExplicitDeny" : "ImplicitDeny";
  nlohmann::json diagnostic = {{"AuthAction", auth_action},
                               {"AuthResource", resource},
                               {"AuthPrincipalType", role ? "AssumedRoleUser" : "SubUser"},
                               {"AuthPrincipalOwnerId", p.account_id},
                               {"AuthPrincipalDisplayName", display},
                               {"ExplicitDeny", decision == PolicyDecision::kExplicitDeny},
                               {"NoPermissionPolicyType", "AccountLevelIdentityBasedPolicy"},
                               {"AuthConditions", nlohmann::json::array()}};
  for (const auto& [key, values] : req.conditions)
    diagnostic["AuthConditions"].push_back({{"ConditionKey", key}, {"ConditionValues", values}});
  auto box = DiagnosticBox(cloud);
  std::string encoded = box ? box->Seal(DumpJson(diagnostic)).substr(kSealed.size())
                            : Base64Encode(DumpJson(diagnostic));
  nlohmann::json detail = {{"PolicyType", "AccountLevelIdentityBasedPolicy"},
                           {"AuthPrincipalOwnerId", p.account_id},
                           {"AuthPrincipalType", role ? "AssumedRoleUser" : "SubUser"},
                           {"AuthPrincipalDisplayName", display},
                           {"NoPermissionType", no_permission},
                           {"AuthAction", auth_action},
                           {"EncodedDiagnosticMessage", encoded}};
  bool ecs_family = product == "ecs" || product == "vpc";
  Error e = MakeError(ecs_family ? ErrorCode::kForbiddenRam : ErrorCode::kNoPermission);
  if (!ecs_family)
    e.message =
        "You are not authorized to do this action. You should be authorized by RAM. "
        "Action: " +
        auth_action + ", Resource: " + resource;
  e.access_denied_detail = DumpJson(detail);
  return e;
}

}  // namespace

Result<nlohmann::json> DecodeDiagnosticMessage(const Cloud& cloud, const std::string& account_id,
                                               const std::string& encoded) {
  auto bad = [] {
    return MakeError(ErrorCode::kInvalidParameter,
                     "The parameter EncodedDiagnosticMessage is not a diagnostic message of this "
                     "cloud.");
  };
  auto box = DiagnosticBox(cloud);
  std::optional<std::string> text;
  if (box) {
    if (auto opened = box->Open(std::string(kSealed) + encoded); opened.ok()) text = *opened;
  } else {
    text = Base64Decode(encoded);
  }
  if (!text) return bad();
  auto d = nlohmann::json::parse(*text, nullptr, false);
  if (!d.is_object() || !d.contains("AuthPrincipalOwnerId") ||
      !d["AuthPrincipalOwnerId"].is_string())
    return bad();
  // Only the account whose identity was refused may read why.
  if (d["AuthPrincipalOwnerId"].get<std::string>() != account_id) return bad();
  return nlohmann::json{{"ExplicitDeny", d.value("ExplicitDeny", false)},
                        {"NoPermissionPolicyType", d.value("NoPermissionPolicyType", "")},
                        {"AuthAction", d.value("AuthAction", "")},
                        {"AuthResource", d.value("AuthResource", "")},
                        {"AuthPrincipal",
                         {{"AuthPrincipalType", d.value("AuthPrincipalType", "")},
                          {"AuthPrincipalOwnerId", d.value("AuthPrincipalOwnerId", "")},
                          {"AuthPrincipalDisplayName", d.value("AuthPrincipalDisplayName", "")}}},
                        {"AuthConditions", d.value("AuthConditions", nlohmann::json::array())},
                        {"MatchedPolicies", nlohmann::json::array()}};
}

std::string ProductOfVersion(const std::string& version) {
  if (version == kEcsVersion) return "ecs";
  if (version == kVpcVersion) return "vpc";
  if (version == "2015-05-01") return "ram";
  if (version == "2015-04-01") return "sts";
  if (version == "2020-03-31") return "resourcemanager";
  if (version == "2017-12-14") return "bss";
  if (version == "2019-01-01") return "cms";
  if (version == "2020-07-06") return "actiontrail";
  return "";
}

std::vector<std::string> ResourceArnsOf(const std::string& version, const std::string& action,
                                        const Params& params, const std::string& region,
                                        const std::string& account_id) {
  std::vector<std::string> out;
  for (auto& t : TargetsOf(version, action, params, region, account_id))
    out.push_back(std::move(t.arn));
  return out;
}

namespace {

// Checks `auth_action` on each target for a RAM identity.
Status Check(const Cloud& cloud, const Principal& principal, const std::string& product,
             const std::string& auth_action, const std::vector<Target>& targets,
             const std::map<std::string, std::vector<std::string>>& request_tags) {
  std::map<std::string, std::vector<std::string>> common = {
      {"acs:sourceip", {principal.source_ip}},
      {"acs:currenttime", {FormatIso(cloud.Now())}},
      {"acs:securetransport", {principal.secure_transport ? "true" : "false"}}};
  return cloud.Read<Status>([&](const State& s) -> Status {
    std::vector<ParsedPolicy> granted, session;
    if (principal.type == Principal::Type::kUser) {
      granted = ParseAll(PolicyDocumentsOfUser(s, principal.account_id, principal.user_name));
    } else {
      granted = ParseAll(PolicyDocumentsOfRole(s, principal.account_id, principal.role_name));
      if (!principal.inline_policy.empty()) session = ParseAll({principal.inline_policy});
    }
    auto granted_ptrs = Pointers(granted);
    auto session_ptrs = Pointers(session);
    for (const auto& named : targets) {
      Target t = named;
      if (t.type == "launchtemplate-name") {  // named by its name: checked as its id's ARN
        t.type = "launchtemplate";
        for (const auto& [id, lt] : Owned(s.launch_templates, principal.account_id))
          if (lt.name == named.id) t.id = id;
        std::string from = ":launchtemplate-name/" + named.id;
        t.arn.replace(t.arn.rfind(from), from.size(), ":launchtemplate/" + t.id);
      }
      AuthRequest req{auth_action, t.arn, common};
      // A request's own tags hold for every resource it names (acs:RequestTag); on what it
      // makes they are its tags too (ecs:tag).
      for (const auto& [k, v] : request_tags) req.conditions[k] = v;
      if (t.id == "*") {
        for (const auto& [k, v] : request_tags)
          req.conditions["ecs:tag/" + k.substr(std::string("acs:requesttag/").size())] = v;
      } else if (const Tags* tags = TagsOf(s, t.type, t.id, principal.account_id)) {
        for (const auto& tag : *tags) {
          req.conditions["ecs:tag/" + ToLower(tag.key)].push_back(tag.value);
          req.conditions["acs:resourcetag/" + ToLower(tag.key)].push_back(tag.value);
        }
      }
      PolicyDecision d = Evaluate(granted_ptrs, req);
      if (d == PolicyDecision::kAllow && !principal.inline_policy.empty())
        d = Evaluate(session_ptrs, req);
      if (d != PolicyDecision::kAllow)
        return Refusal(cloud, principal, product, auth_action, req, d);
    }
    return Ok();
  });
}

}  // namespace

Status AuthorizeAs(const Cloud& cloud, const Principal& principal, const std::string& auth_action,
                   const std::string& resource_arn) {
  if (principal.type == Principal::Type::kRoot) return Ok();
  std::string product = auth_action.substr(0, auth_action.find(':'));
  return Check(cloud, principal, product, auth_action, {{resource_arn, "", resource_arn}}, {});
}

Status Authorize(const Cloud& cloud, const Principal& principal, const std::string& version,
                 const std::string& action, const Params& params, const std::string& region) {
  if (principal.type == Principal::Type::kRoot) return Ok();
  std::string product = ProductOfVersion(version);
  std::string auth_action = product + ":" + action;
  // Who may always ask who they are (GetCallerIdentity needs no permission on Alibaba Cloud).
  if (auth_action == "sts:GetCallerIdentity") return Ok();
  // RAM's key and password actions without UserName act on the calling user itself.
  Params named = params;
  if (product == "ram" && principal.type == Principal::Type::kUser && !params.Has("UserName") &&
      (action.find("AccessKey") != std::string::npos ||
       action.find("LoginProfile") != std::string::npos || action == "ChangePassword"))
    named.Set("UserName", principal.user_name);
  std::vector<Target> targets = TargetsOf(version, action, named, region, principal.account_id);
  std::map<std::string, std::vector<std::string>> request_tags;
  for (const auto& tag : params.ObjectList("Tag"))
    if (tag.count("Key"))
      request_tags["acs:requesttag/" + ToLower(tag.at("Key"))].push_back(
          tag.count("Value") ? tag.at("Value") : "");
  return Check(cloud, principal, product, auth_action, targets, request_tags);
}

}  // namespace openecs
