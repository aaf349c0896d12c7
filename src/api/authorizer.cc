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
    {"DeploymentSetId", "deploymentset", "ecs"},
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
  return "acs:" + product + ":" + (global ? "" : region) + ":" + account + ":" + type + "/" + id;
}

const char* ProductOfType(std::string_view type) {
  for (const auto& n : kNaming)
    if (type == n.type) return n.product;
  return "ecs";
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The base name of a parameter: "InstanceId.3" -> "InstanceId".
std::string BaseName(const std::string& key) {
  size_t dot = key.rfind('.');
  if (dot == std::string::npos || dot + 1 == key.size()) return key;
  for (size_t i = dot + 1; i < key.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(key[i]))) return key;
  return key.substr(0, dot);
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
  auto add = [&](const NamingParam& n, const std::string& id) {
    if (id.empty()) return;
    std::string arn = Arn(n.product, region, account, n.type, id);
    for (const auto& t : out)
      if (t.arn == arn) return;
    out.push_back({arn, n.type, id});
  };
  std::string product = ProductOfVersion(version);
  for (const auto& [key, value] : params.all()) {
    std::string base = BaseName(key);
    if (product == "sts" && key == "RoleArn") {
      out.push_back({value, "role", value});
      continue;
    }
    for (const auto& n : kNaming) {
      // RAM names belong to RAM's own actions; an ECS action's RoleName (a RAM role given to
      // an instance) is checked by that action.
      if ((std::string_view(n.product) == "ram") != (product == "ram")) continue;
      if (base == n.param) {
        add(n, value);
      } else if (base == std::string(n.param) + "s") {
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
    std::string t = Lower(*type);
    if (t == "eni") t = "networkinterface";
    for (const auto& [key, value] : params.all())
      if (BaseName(key) == "ResourceId" && !value.empty())
        out.push_back({Arn(ProductOfType(t), region, account, t, value), t, value});
  }
  if (out.empty()) {
    std::string a = Lower(action);
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

std::vector<ParsedPolicy> ParseAll(const std::vector<std::string>& docs) {
  std::vector<ParsedPolicy> out;
  for (const auto& d : docs)
    if (auto p = ParsedPolicy::Parse(d); p.ok()) out.push_back(std::move(*p));
  return out;
}

std::vector<const ParsedPolicy*> Pointers(const std::vector<ParsedPolicy>& v) {
  std::vector<const ParsedPolicy*> out;
  for (const auto& p : v) out.push_back(&p);
  return out;
}

Error Refusal(const Principal& p, const std::string& product, const std::string& auth_action,
              const std::string& resource, PolicyDecision decision) {
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
                               {"NoPermissionPolicyType", "AccountLevelIdentityBasedPolicy"}};
  nlohmann::json detail = {{"PolicyType", "AccountLevelIdentityBasedPolicy"},
                           {"AuthPrincipalOwnerId", p.account_id},
                           {"AuthPrincipalType", role ? "AssumedRoleUser" : "SubUser"},
                           {"AuthPrincipalDisplayName", display},
                           {"NoPermissionType", no_permission},
                           {"AuthAction", auth_action},
                           {"EncodedDiagnosticMessage", Base64Encode(DumpJson(diagnostic))}};
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

std::string ProductOfVersion(const std::string& version) {
  if (version == kEcsVersion) return "ecs";
  if (version == kVpcVersion) return "vpc";
  if (version == "2015-05-01") return "ram";
  if (version == "2015-04-01") return "sts";
  if (version == "2020-03-31") return "resourcemanager";
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
      {"acs:currenttime", {FormatIso(NowSeconds())}},
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
    for (const auto& t : targets) {
      AuthRequest req{auth_action, t.arn, common};
      if (t.id == "*") {
        for (const auto& [k, v] : request_tags) {
          req.conditions[k] = v;
          req.conditions["ecs:tag/" + k.substr(std::string("acs:requesttag/").size())] = v;
        }
      } else if (const Tags* tags = TagsOf(s, t.type, t.id, principal.account_id)) {
        for (const auto& tag : *tags) {
          req.conditions["ecs:tag/" + Lower(tag.key)].push_back(tag.value);
          req.conditions["acs:resourcetag/" + Lower(tag.key)].push_back(tag.value);
        }
      }
      PolicyDecision d = Evaluate(granted_ptrs, req);
      if (d == PolicyDecision::kAllow && !principal.inline_policy.empty())
        d = Evaluate(session_ptrs, req);
      if (d != PolicyDecision::kAllow) return Refusal(principal, product, auth_action, t.arn, d);
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
  std::vector<Target> targets = TargetsOf(version, action, params, region, principal.account_id);
  std::map<std::string, std::vector<std::string>> request_tags;
  for (const auto& tag : params.ObjectList("Tag"))
    if (tag.count("Key"))
      request_tags["acs:requesttag/" + Lower(tag.at("Key"))].push_back(
          tag.count("Value") ? tag.at("Value") : "");
  return Check(cloud, principal, product, auth_action, targets, request_tags);
}

}  // namespace openecs
