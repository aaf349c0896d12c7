// VPC API (2016-04-28) network records, and the ECS security group actions.
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/network_service.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// A VPC as DescribeVpcs lists it; DescribeVpcAttribute answers the same fields and more.
json RenderVpc(const State& s, const Vpc& v) {
  json vsws = json::array();
  for (const auto& [vid, vs] : s.vswitches)
    if (vs.vpc_id == v.id) vsws.push_back(vid);
  return {
      {"VpcId", v.id},
      {"VpcName", v.name},
      {"Description", v.description},
      {"CidrBlock", v.cidr_block},
      {"RegionId", v.region_id},
      {"Status", "Available"},
      {"VRouterId", v.vrouter_id},
      {"IsDefault", false},
      {"CreationTime", FormatIso(v.creation_time)},
      {"OwnerId", 1},
      {"ResourceGroupId", v.id.empty() ? "" : EffectiveGroup(v.resource_group_id, v.account_id)},
      {"VSwitchIds", Wrap("VSwitchId", vsws)},
      {"RouterTableIds", Wrap("RouterTableIds", json::array({v.route_table_id}))},
      {"UserCidrs", Wrap("UserCidr", json::array())},
      {"SecondaryCidrBlocks", Wrap("SecondaryCidrBlock", json::array())},
      {"NatGatewayIds", Wrap("NatGatewayIds", json::array())},
      {"Tags", RenderTags(v.tags, true)},
      {"EnabledIpv6", false},
      {"Ipv6CidrBlock", ""},
      {"Ipv6CidrBlocks", Wrap("Ipv6CidrBlock", json::array())},
      {"DhcpOptionsSetId", ""},
      {"DhcpOptionsSetStatus", ""},
      {"DnsHostnameStatus", "DISABLED"},
      {"CenStatus", ""}};  // OpenECS has no Cloud Enterprise Network to attach it to
}

// A rendered record with every text emptied, every count zero and every list empty: what the
// VPC API's attribute reads answer for an id it does not know.
json RenderAbsent(json j) {
  for (auto& [k, v] : j.items()) {
    if (v.is_string())
      v = "";
    else if (v.is_number())
      v = 0;
    else if (v.is_boolean())
      v = false;
    else if (v.is_array())
      v = json::array();
    else if (v.is_object())
      v = RenderAbsent(v);
  }
  return j;
}

json RenderVSwitch(const State& s, const VSwitch& v) {
  return {
      {"VSwitchId", v.id},
      {"VSwitchName", v.name},
      {"Description", v.description},
      {"VpcId", v.vpc_id},
      {"ZoneId", v.zone_id},
      {"CidrBlock", v.cidr_block},
      {"Status", "Available"},
      {"IsDefault", false},
      {"OwnerId", 1},
      {"ResourceGroupId", v.id.empty() ? "" : EffectiveGroup(v.resource_group_id, v.account_id)},
      {"AvailableIpAddressCount", AvailableIpCount(s, v)},
      {"CreationTime", FormatIso(v.creation_time)},
      {"ShareType", "Sharing"},
      {"NetworkAclId", ""},
      {"Ipv6CidrBlock", ""},
      {"RouteTable",
       {{"RouteTableId", s.vpcs.count(v.vpc_id) ? s.vpcs.at(v.vpc_id).route_table_id : ""},
        {"RouteTableType", "System"}}},
      {"Tags", RenderTags(v.tags, true)},
      {"EnabledIpv6", false}};
}

Result<json> CreateVpcAction(ApiContext& c) {
  CreateVpcRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.cidr_block = c.params.GetOr("CidrBlock", "");
  r.name = c.params.GetOr("VpcName", "");
  r.description = c.params.GetOr("Description", "");
  r.resource_group_id = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(Vpc vpc, CreateVpc(c.cloud, r));
  return json{{"VpcId", vpc.id},
              {"VRouterId", vpc.vrouter_id},
              {"RouteTableId", vpc.route_table_id},
              {"ResourceGroupId", EffectiveGroup(vpc.resource_group_id, vpc.account_id)}};
}

Result<json> DescribeVpcsAction(ApiContext& c) {
  std::set<std::string> ids;
  if (auto v = c.params.Get("VpcId"))
    for (auto& id : Split(*v, ',')) ids.insert(Trim(id));
  auto name = c.params.Get("VpcName");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Vpc*> matched;
    for (const auto& [id, v] : Owned(s.vpcs, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (name && v.name != *name) continue;
      if (!InGroup(group, v.resource_group_id, v.account_id)) continue;
      if (!TagsMatch(v.tags, want)) continue;
      matched.push_back(&v);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      arr.push_back(RenderVpc(s, *matched[i]));
    }
    json reply = {{"Vpcs", Wrap("Vpc", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> DescribeVpcAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VpcId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    // An unknown VPC answers 200 with every field empty (VpcId ""), as the VPC API does: the
    // Terraform provider's delete wait takes exactly that as "gone".
    const Vpc* v = FindOwned(s.vpcs, id, c.account_id);
    bool found = v != nullptr;
    json reply = found ? RenderVpc(s, *v) : RenderAbsent(RenderVpc(s, Vpc{}));
    reply["ClassicLinkEnabled"] = false;
    reply["SupportIpv4Gateway"] = false;
    reply["Ipv4GatewayId"] = "";
    json counts = json::array();
    auto count = [&](const char* type, size_t n) {
      if (n) counts.push_back({{"ResourceType", type}, {"ResourceCount", n}});
    };
    size_t vsws = 0, groups = 0;
    for (const auto& [vid, vs] : s.vswitches) vsws += found && vs.vpc_id == id;
    for (const auto& [gid, g] : s.security_groups) groups += found && g.vpc_id == id;
    count("VSwitch", vsws);
    count("SecurityGroup", groups);
    count("RouteTable", found ? 1 : 0);
    reply["CloudResources"] = Wrap("CloudResourceSetType", counts);
    reply["AssociatedCens"] = Wrap("AssociatedCen", json::array());
    reply["AssociatedPropagationSources"] = Wrap("AssociatedPropagationSources", json::array());
    return reply;
  });
}

Result<json> DescribeVSwitchAttributesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VSwitchId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    // As DescribeVpcAttribute: an unknown vSwitch is 200 with VSwitchId "".
    const VSwitch* v = FindOwned(s.vswitches, id, c.account_id);
    json reply = v ? RenderVSwitch(s, *v) : RenderAbsent(RenderVSwitch(s, VSwitch{}));
    reply.erase("RegionId");
    return reply;
  });
}

Result<json> ModifyVpcAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VpcId"));
  OPENECS_RETURN_IF_ERROR(
      ModifyVpc(c.cloud, c.account_id, id, c.params.Get("VpcName"), c.params.Get("Description")));
  return json::object();
}

Result<json> ModifyVSwitchAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VSwitchId"));
  OPENECS_ASSIGN_OR_RETURN(bool ipv6, c.params.Bool("EnableIPv6", false));
  if (ipv6 || c.params.Get("Ipv6CidrBlock") || c.params.Get("Ipv6CidrMask") ||
      c.params.Get("VpcIpv6CidrBlock"))
    return MakeError(ErrorCode::kInvalidParameter, "OpenECS vSwitches have no IPv6 block.");
  OPENECS_RETURN_IF_ERROR(ModifyVSwitch(c.cloud, c.account_id, id, c.params.Get("VSwitchName"),
                                        c.params.Get("Description")));
  return json::object();
}

Result<json> DeleteVpcAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VpcId"));
  OPENECS_ASSIGN_OR_RETURN(bool dry, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(DeleteVpc(c.cloud, c.account_id, id, dry));
  return json::object();
}

Result<json> CreateVSwitchAction(ApiContext& c) {
  CreateVSwitchRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.vpc_id, c.params.Required("VpcId"));
  OPENECS_ASSIGN_OR_RETURN(r.zone_id, c.params.Required("ZoneId"));
  OPENECS_ASSIGN_OR_RETURN(r.cidr_block, c.params.Required("CidrBlock"));
  r.name = c.params.GetOr("VSwitchName", "");
  r.description = c.params.GetOr("Description", "");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(VSwitch v, CreateVSwitch(c.cloud, r));
  return json{{"VSwitchId", v.id}};
}

Result<json> DescribeVSwitchesAction(ApiContext& c) {
  std::set<std::string> ids;
  if (auto v = c.params.Get("VSwitchId"))
    for (auto& id : Split(*v, ',')) ids.insert(Trim(id));
  auto vpc = c.params.Get("VpcId");
  auto zone = c.params.Get("ZoneId");
  auto name = c.params.Get("VSwitchName");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const VSwitch*> matched;
    for (const auto& [id, v] : Owned(s.vswitches, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (vpc && v.vpc_id != *vpc) continue;
      if (zone && v.zone_id != *zone) continue;
      if (name && v.name != *name) continue;
      if (!InGroup(group, v.resource_group_id, v.account_id)) continue;
      if (!TagsMatch(v.tags, want)) continue;
      matched.push_back(&v);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      arr.push_back(RenderVSwitch(s, *matched[i]));
    }
    json reply = {{"VSwitches", Wrap("VSwitch", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> DeleteVSwitchAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("VSwitchId"));
  OPENECS_ASSIGN_OR_RETURN(bool dry, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(DeleteVSwitch(c.cloud, c.account_id, id, dry));
  return json::object();
}

Result<json> CreateSecurityGroupAction(ApiContext& c) {
  CreateSecurityGroupRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.vpc_id = c.params.GetOr("VpcId", "");
  r.name = c.params.GetOr("SecurityGroupName", "");
  r.description = c.params.GetOr("Description", "");
  r.type = c.params.GetOr("SecurityGroupType", "");
  r.resource_group_id = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(SecurityGroup g, CreateSecurityGroup(c.cloud, r));
  return json{{"SecurityGroupId", g.id}};
}

Result<json> DescribeSecurityGroupsAction(ApiContext& c) {
  std::set<std::string> ids;
  if (auto v = c.params.Get("SecurityGroupId")) ids.insert(*v);
  OPENECS_ASSIGN_OR_RETURN(auto list, c.params.JsonList("SecurityGroupIds"));
  ids.insert(list.begin(), list.end());
  auto vpc = c.params.Get("VpcId");
  auto name = c.params.Get("SecurityGroupName");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const SecurityGroup*> matched;
    for (const auto& [id, g] : Owned(s.security_groups, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (vpc && g.vpc_id != *vpc) continue;
      if (name && g.name != *name) continue;
      if (!InGroup(group, g.resource_group_id, g.account_id)) continue;
      if (!TagsMatch(g.tags, want)) continue;
      matched.push_back(&g);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), PageSpec{}));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      const SecurityGroup& g = *matched[i];
      int members = 0;
      for (const auto& [iid, inst] : s.instances)
        for (const auto& sg : inst.security_group_ids) members += sg == g.id;
      int group_rules = 0;  // rules that name another group rather than addresses
      for (const auto& r : g.rules)
        group_rules += !r.source_group_id.empty() || !r.dest_group_id.empty();
      arr.push_back({{"SecurityGroupId", g.id},
                     {"SecurityGroupName", g.name},
                     {"Description", g.description},
                     {"VpcId", g.vpc_id},
                     {"SecurityGroupType", g.type},
                     {"CreationTime", FormatIso(g.creation_time)},
                     {"EcsCount", members},
                     {"AvailableInstanceAmount", 2000 - members},
                     {"RuleCount", g.rules.size()},
                     {"GroupToGroupRuleCount", group_rules},
                     {"ServiceManaged", false},
                     {"ServiceID", 0},
                     {"ResourceGroupId", EffectiveGroup(g.resource_group_id, g.account_id)},
                     {"Tags", RenderTags(g.tags, false)}});
    }
    json reply = {{"SecurityGroups", Wrap("SecurityGroup", arr)}, {"RegionId", c.region_id}};
    page.Render(reply, matched.size());
    if (!page.token_mode) reply["NextToken"] = "";
    return reply;
  });
}

json RenderRule(const SecurityGroupRule& r, const State& s) {
  auto group_name = [&](const std::string& id) {
    auto it = s.security_groups.find(id);
    return it == s.security_groups.end() ? std::string() : it->second.name;
  };
  auto group_owner = [&](const std::string& id) {
    auto it = s.security_groups.find(id);
    return it == s.security_groups.end() ? std::string() : it->second.account_id;
  };
  return {{"SecurityGroupRuleId", r.id},
          {"Direction", r.direction},
          {"IpProtocol", r.ip_protocol},
          {"PortRange", r.port_range},
          {"SourceCidrIp", r.source_cidr_ip},
          {"SourceGroupId", r.source_group_id},
          {"SourceGroupName", group_name(r.source_group_id)},
          {"SourceGroupOwnerAccount", group_owner(r.source_group_id)},
          {"DestCidrIp", r.dest_cidr_ip},
          {"DestGroupId", r.dest_group_id},
          {"DestGroupName", group_name(r.dest_group_id)},
          {"DestGroupOwnerAccount", group_owner(r.dest_group_id)},
          {"SourcePortRange", r.source_port_range},
          {"Policy", r.policy == "accept" ? "Accept" : "Drop"},
          {"Priority", std::to_string(r.priority)},
          {"NicType", r.nic_type},
          {"Description", r.description},
          {"CreateTime", FormatIso(r.create_time)},
          {"Ipv6SourceCidrIp", ""},
          {"Ipv6DestCidrIp", ""},
          // OpenECS has no prefix lists or port range lists for rules to name.
          {"SourcePrefixListId", ""},
          {"SourcePrefixListName", ""},
          {"DestPrefixListId", ""},
          {"DestPrefixListName", ""},
          {"PortRangeListId", ""},
          {"PortRangeListName", ""}};
}

Result<json> DescribeSecurityGroupAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
  OPENECS_ASSIGN_OR_RETURN(auto dir, c.params.Enum("Direction", {"ingress", "egress", "all"}));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const SecurityGroup* found = FindOwned(s.security_groups, id, c.account_id);
    if (!found) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    const SecurityGroup& g = *found;
    json arr = json::array();
    for (const auto& r : g.rules)
      if (!dir || *dir == "all" || *dir == r.direction) arr.push_back(RenderRule(r, s));
    return json{{"SecurityGroupId", g.id},
                {"SecurityGroupName", g.name},
                {"Description", g.description},
                {"VpcId", g.vpc_id},
                {"RegionId", c.region_id},
                {"InnerAccessPolicy", g.inner_access_policy},
                {"NextToken", ""},
                {"Permissions", Wrap("Permission", arr)},
                {"SnapshotPolicyIds", Wrap("SnapshotPolicyId", json::array())}};
  });
}

// Rules from either the Permissions.N.* list or the legacy top-level fields.
Result<std::vector<SecurityGroupRule>> RulesOf(const Params& p, const std::string& direction) {
  std::vector<std::map<std::string, std::string>> specs = p.ObjectList("Permissions");
  if (specs.empty() && (p.Has("IpProtocol") || p.Has("PortRange"))) {
    std::map<std::string, std::string> top;
    for (const auto& k : RuleFieldNames())
      if (auto v = p.Get(k)) top[k] = *v;
    specs.push_back(top);
  }
  std::vector<SecurityGroupRule> rules;
  for (const auto& m : specs) {
    SecurityGroupRule r;
    r.direction = direction;
    SetRuleFields(r, m);
    rules.push_back(std::move(r));
  }
  return rules;
}

ActionHandler RuleAction(bool authorize, const char* direction) {
  return [authorize, direction](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
    OPENECS_ASSIGN_OR_RETURN(auto rules, RulesOf(c.params, direction));
    if (authorize) {
      if (rules.empty())
        return MakeError(ErrorCode::kMissingParameter,
                         "The input parameter \"Permissions\" that is mandatory for processing "
                         "this request is not supplied.");
      OPENECS_RETURN_IF_ERROR(AuthorizeRules(c.cloud, c.account_id, id, rules));
    } else {
      auto rule_ids = c.params.RepeatList("SecurityGroupRuleId");
      if (rules.empty() && rule_ids.empty())
        return MakeError(ErrorCode::kMissingParameter,
                         "Give SecurityGroupRuleId.N or the rule's fields to revoke.");
      OPENECS_RETURN_IF_ERROR(RevokeRules(c.cloud, c.account_id, id, rule_ids, rules));
    }
    return json::object();
  };
}

Result<json> ModifySecurityGroupAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
  OPENECS_RETURN_IF_ERROR(ModifySecurityGroupAttribute(
      c.cloud, c.account_id, id, c.params.Get("SecurityGroupName"), c.params.Get("Description")));
  return json::object();
}

Result<json> ModifySecurityGroupPolicyAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
  OPENECS_ASSIGN_OR_RETURN(std::string policy, c.params.Required("InnerAccessPolicy"));
  OPENECS_RETURN_IF_ERROR(ModifySecurityGroupPolicy(c.cloud, c.account_id, id, policy));
  return json::object();
}

ActionHandler ModifyRuleAction(const char* direction) {
  return [direction](ApiContext& c) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
    std::map<std::string, std::string> fields;
    for (const auto& k : RuleFieldNames())
      if (auto v = c.params.Get(k)) fields[k] = *v;
    std::string rule_id = c.params.GetOr("SecurityGroupRuleId", "");
    if (rule_id.empty() && !fields.count("IpProtocol"))
      return MakeError(ErrorCode::kMissingParameter,
                       "Give SecurityGroupRuleId, or the rule's IpProtocol, PortRange and peer.");
    OPENECS_RETURN_IF_ERROR(ModifyRule(c.cloud, c.account_id, id, direction, rule_id, fields));
    return json::object();
  };
}

Result<json> DeleteSecurityGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("SecurityGroupId"));
  OPENECS_RETURN_IF_ERROR(DeleteSecurityGroup(c.cloud, c.account_id, id));
  return json::object();
}

}  // namespace

void RegisterNetworkActions(ActionTable& t) {
  t[{kVpcVersion, "CreateVpc"}] = {CreateVpcAction, true, true};
  t[{kVpcVersion, "DescribeVpcs"}] = {DescribeVpcsAction};
  t[{kVpcVersion, "DescribeVpcAttribute"}] = {DescribeVpcAttributeAction};
  t[{kVpcVersion, "DescribeVSwitchAttributes"}] = {DescribeVSwitchAttributesAction};
  t[{kVpcVersion, "ModifyVpcAttribute"}] = {ModifyVpcAttributeAction, false};
  t[{kVpcVersion, "DeleteVpc"}] = {DeleteVpcAction, false};
  t[{kVpcVersion, "CreateVSwitch"}] = {CreateVSwitchAction, false, true};
  t[{kVpcVersion, "DescribeVSwitches"}] = {DescribeVSwitchesAction, false};
  t[{kVpcVersion, "ModifyVSwitchAttribute"}] = {ModifyVSwitchAttributeAction, false};
  t[{kVpcVersion, "DeleteVSwitch"}] = {DeleteVSwitchAction, false};
  // The same network record actions under the ECS version, as the ECS SDK still offers them.
  t[{kEcsVersion, "CreateVpc"}] = {CreateVpcAction, true, true};
  t[{kEcsVersion, "DescribeVpcs"}] = {DescribeVpcsAction};
  t[{kEcsVersion, "DeleteVpc"}] = {DeleteVpcAction, false};
  t[{kEcsVersion, "CreateVSwitch"}] = {CreateVSwitchAction, false, true};
  t[{kEcsVersion, "DescribeVSwitches"}] = {DescribeVSwitchesAction, false};
  t[{kEcsVersion, "DeleteVSwitch"}] = {DeleteVSwitchAction, false};
  t[{kEcsVersion, "CreateSecurityGroup"}] = {CreateSecurityGroupAction, true, true};
  t[{kEcsVersion, "DescribeSecurityGroups"}] = {DescribeSecurityGroupsAction};
  t[{kEcsVersion, "DescribeSecurityGroupAttribute"}] = {DescribeSecurityGroupAttributeAction};
  t[{kEcsVersion, "AuthorizeSecurityGroup"}] = {RuleAction(true, "ingress")};
  t[{kEcsVersion, "AuthorizeSecurityGroupEgress"}] = {RuleAction(true, "egress")};
  t[{kEcsVersion, "RevokeSecurityGroup"}] = {RuleAction(false, "ingress")};
  t[{kEcsVersion, "RevokeSecurityGroupEgress"}] = {RuleAction(false, "egress")};
  t[{kEcsVersion, "ModifySecurityGroupAttribute"}] = {ModifySecurityGroupAttributeAction};
  t[{kEcsVersion, "ModifySecurityGroupPolicy"}] = {ModifySecurityGroupPolicyAction, true, true};
  t[{kEcsVersion, "ModifySecurityGroupRule"}] = {ModifyRuleAction("ingress"), true, true};
  t[{kEcsVersion, "ModifySecurityGroupEgressRule"}] = {ModifyRuleAction("egress"), true, true};
  t[{kEcsVersion, "DeleteSecurityGroup"}] = {DeleteSecurityGroupAction};
}

}  // namespace openecs
