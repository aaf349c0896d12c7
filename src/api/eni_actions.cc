// Elastic network interfaces, ECS API (service/eni_service.h has the rules).
#include <algorithm>
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "service/eni_service.h"
#include "service/public_ip.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// SecurityGroupId (one) and SecurityGroupIds.N / SecurityGroupId.N (several), in order.
std::vector<std::string> GroupsOf(const Params& p) {
  std::vector<std::string> out;
  auto add = [&](const std::string& g) {
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  };
  if (auto g = p.Get("SecurityGroupId")) add(*g);
  for (auto& g : p.RepeatList("SecurityGroupIds")) add(g);
  for (auto& g : p.RepeatList("SecurityGroupId")) add(g);
  return out;
}

// The public address NATed to an ENI's primary private address: its instance's EIP or static
// public IP, on the instance's primary ENI only ("" and "" otherwise, as ECS sends them).
json AssociatedPublicIp(const State& s, const EniView& e) {
  std::string allocation, address;
  if (auto it = s.instances.find(e.instance_id); e.primary && it != s.instances.end()) {
    const EipAddress* eip = EipOf(s, e.instance_id);
    address = PublicAddressOf(it->second, eip).ip;
    if (eip && eip->ip_address == address) allocation = eip->id;
  }
  return {{"AllocationId", allocation}, {"PublicIpAddress", address}};
}

json IpSets(const EniView& e, const json& public_ip) {
  static const json kNone = {{"AllocationId", ""}, {"PublicIpAddress", ""}};
  json set = json::array();
  set.push_back({{"PrivateIpAddress", e.primary_ip},
                 {"Primary", true},
                 {"PrivateDnsName", ""},
                 {"AssociatedPublicIp", public_ip}});
  for (const auto& ip : e.secondary_ips)
    set.push_back({{"PrivateIpAddress", ip},
                   {"Primary", false},
                   {"PrivateDnsName", ""},
                   {"AssociatedPublicIp", kNone}});
  return Wrap("PrivateIpSet", set);
}

// An ENI as CreateNetworkInterface and DescribeNetworkInterfaces show it. NICs are single-queue
// virtio-net on one network card, standard traffic mode (no RDMA queue pairs), never trunked.
json Render(const State& s, const EniView& e) {
  json public_ip = AssociatedPublicIp(s, e);
  return {{"NetworkInterfaceId", e.id},
          {"NetworkInterfaceName", e.name},
          {"Description", e.description},
          {"Status", e.status},
          {"Type", e.primary ? "Primary" : "Secondary"},
          {"VpcId", e.vpc_id},
          {"VSwitchId", e.vswitch_id},
          {"ZoneId", e.zone_id},
          {"PrivateIpAddress", e.primary_ip},
          {"MacAddress", e.mac},
          {"PrivateIpSets", IpSets(e, public_ip)},
          {"AssociatedPublicIp", public_ip},
          {"SecurityGroupIds", Wrap("SecurityGroupId", e.security_group_ids)},
          {"InstanceId", e.instance_id},
          {"Attachment",
           {{"InstanceId", e.instance_id},
            {"DeviceIndex", e.device_index},  // 0 (and InstanceId "") while Available
            {"NetworkCardIndex", 0},
            {"TrunkNetworkInterfaceId", ""}}},
          {"CreationTime", FormatIso(e.creation_time)},
          {"DeleteOnRelease", e.primary},
          {"OwnerId", e.account_id},
          {"ResourceGroupId", EffectiveGroup(e.resource_group_id, e.account_id)},
          {"ServiceManaged", false},
          {"ServiceID", 0},
          {"SourceDestCheck", true},
          {"NetworkInterfaceTrafficMode", "Standard"},
          {"QueueNumber", 1},
          {"QueuePairNumber", 0},
          {"Ipv6Sets", Wrap("Ipv6Set", json::array())},
          {"Ipv4PrefixSets", Wrap("Ipv4PrefixSet", json::array())},
          {"Ipv6PrefixSets", Wrap("Ipv6PrefixSet", json::array())},
          {"Tags", RenderTags(e.tags, false)}};
}

Result<json> CreateNetworkInterfaceAction(ApiContext& c) {
  CreateEniRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.vswitch_id, c.params.Required("VSwitchId"));
  r.security_group_ids = GroupsOf(c.params);
  r.primary_ip = c.params.GetOr("PrimaryIpAddress", "");
  r.secondary_ips = c.params.RepeatList("PrivateIpAddress");
  OPENECS_ASSIGN_OR_RETURN(int64_t count,
                           c.params.IntOr("SecondaryPrivateIpAddressCount", 0, 0, 100));
  r.secondary_count = static_cast<int>(count);
  r.name = c.params.GetOr("NetworkInterfaceName", "");
  r.description = c.params.GetOr("Description", "");
  r.resource_group_id = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(NetworkInterface e, CreateNetworkInterface(c.cloud, r));
  return c.cloud.Read<json>([&](const State& s) {
    auto view = FindEni(s, e.id);
    return view ? Render(s, *view) : json{{"NetworkInterfaceId", e.id}};
  });
}

Result<json> AttachNetworkInterfaceAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string eni, c.params.Required("NetworkInterfaceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string instance, c.params.Required("InstanceId"));
  OPENECS_RETURN_IF_ERROR(AttachNetworkInterface(c.cloud, c.account_id, eni, instance));
  return json::object();
}

Result<json> DetachNetworkInterfaceAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string eni, c.params.Required("NetworkInterfaceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string instance, c.params.Required("InstanceId"));
  OPENECS_RETURN_IF_ERROR(DetachNetworkInterface(c.cloud, c.account_id, eni, instance));
  return json::object();
}

Result<json> DeleteNetworkInterfaceAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string eni, c.params.Required("NetworkInterfaceId"));
  OPENECS_RETURN_IF_ERROR(DeleteNetworkInterface(c.cloud, c.account_id, eni));
  return json::object();
}

Result<json> ModifyNetworkInterfaceAttributeAction(ApiContext& c) {
  ModifyEniRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.eni_id, c.params.Required("NetworkInterfaceId"));
  auto groups = c.params.RepeatList("SecurityGroupId");
  if (!groups.empty()) r.security_group_ids = groups;
  r.name = c.params.Get("NetworkInterfaceName");
  r.description = c.params.Get("Description");
  OPENECS_RETURN_IF_ERROR(ModifyNetworkInterface(c.cloud, r));
  return json::object();
}

Result<json> AssignPrivateIpAddressesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string eni, c.params.Required("NetworkInterfaceId"));
  OPENECS_ASSIGN_OR_RETURN(int64_t count,
                           c.params.IntOr("SecondaryPrivateIpAddressCount", 0, 0, 100));
  OPENECS_ASSIGN_OR_RETURN(
      auto ips, AssignPrivateIps(c.cloud, c.account_id, eni,
                                 c.params.RepeatList("PrivateIpAddress"), static_cast<int>(count)));
  return json{{"AssignedPrivateIpAddressesSet",
               {{"NetworkInterfaceId", eni},
                {"PrivateIpSet", Wrap("PrivateIpAddress", ips)},
                {"Ipv4PrefixSet", Wrap("Ipv4Prefixes", json::array())}}}};  // no prefixes here
}

Result<json> UnassignPrivateIpAddressesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string eni, c.params.Required("NetworkInterfaceId"));
  OPENECS_RETURN_IF_ERROR(
      UnassignPrivateIps(c.cloud, c.account_id, eni, c.params.RepeatList("PrivateIpAddress")));
  return json::object();
}

Result<json> DescribeNetworkInterfacesAction(ApiContext& c) {
  std::set<std::string> ids;
  for (auto& id : c.params.RepeatList("NetworkInterfaceId")) ids.insert(id);
  auto ips = c.params.RepeatList("PrivateIpAddress");
  auto instance = c.params.Get("InstanceId");
  auto vpc = c.params.Get("VpcId");
  auto vswitch = c.params.Get("VSwitchId");
  auto type = c.params.Get("Type");
  auto status = c.params.Get("Status");
  auto name = c.params.Get("NetworkInterfaceName");
  auto primary_ip = c.params.Get("PrimaryIpAddress");
  auto group = c.params.Get("SecurityGroupId");
  auto resource_group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  PageSpec spec;
  spec.max_results_min = 1;
  spec.max_results_max = 500;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<EniView> matched;
    for (auto& e : ListEnis(s)) {
      if (!OwnedBy(e, c.account_id) || e.region_id != c.region_id) continue;
      if (!ids.empty() && !ids.count(e.id)) continue;
      if (instance && e.instance_id != *instance) continue;
      if (vpc && e.vpc_id != *vpc) continue;
      if (vswitch && e.vswitch_id != *vswitch) continue;
      if (type && (e.primary ? "Primary" : "Secondary") != *type) continue;
      if (status && e.status != *status) continue;
      if (name && e.name != *name) continue;
      if (primary_ip && e.primary_ip != *primary_ip) continue;
      if (group && std::find(e.security_group_ids.begin(), e.security_group_ids.end(), *group) ==
                       e.security_group_ids.end())
        continue;
      if (!ips.empty()) {
        bool any = std::find(ips.begin(), ips.end(), e.primary_ip) != ips.end();
        for (const auto& ip : e.secondary_ips)
          any = any || std::find(ips.begin(), ips.end(), ip) != ips.end();
        if (!any) continue;
      }
      if (!InGroup(resource_group, e.resource_group_id, e.account_id)) continue;
      if (!TagsMatch(e.tags, want)) continue;
      matched.push_back(std::move(e));
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) arr.push_back(Render(s, matched[k]));
    json reply = {{"NetworkInterfaceSets", Wrap("NetworkInterfaceSet", arr)}};
    page.Render(reply, matched.size());
    if (!page.token_mode) reply["NextToken"] = "";
    return reply;
  });
}

Result<json> ModifyInstanceVpcAttributeAction(ApiContext& c) {
  ModifyVpcAttributeRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(r.vswitch_id, c.params.Required("VSwitchId"));
  r.private_ip = c.params.GetOr("PrivateIpAddress", "");
  r.vpc_id = c.params.GetOr("VpcId", "");
  r.security_group_ids = c.params.RepeatList("SecurityGroupId");
  OPENECS_RETURN_IF_ERROR(ModifyInstanceVpcAttribute(c.cloud, r));
  return json::object();
}

}  // namespace

void RegisterEniActions(ActionTable& t) {
  t[{kEcsVersion, "ModifyInstanceVpcAttribute"}] = {ModifyInstanceVpcAttributeAction, false};
  t[{kEcsVersion, "CreateNetworkInterface"}] = {CreateNetworkInterfaceAction, true, true};
  t[{kEcsVersion, "AttachNetworkInterface"}] = {AttachNetworkInterfaceAction};
  t[{kEcsVersion, "DetachNetworkInterface"}] = {DetachNetworkInterfaceAction};
  t[{kEcsVersion, "DeleteNetworkInterface"}] = {DeleteNetworkInterfaceAction};
  t[{kEcsVersion, "ModifyNetworkInterfaceAttribute"}] = {ModifyNetworkInterfaceAttributeAction};
  t[{kEcsVersion, "AssignPrivateIpAddresses"}] = {AssignPrivateIpAddressesAction, true, true};
  t[{kEcsVersion, "UnassignPrivateIpAddresses"}] = {UnassignPrivateIpAddressesAction};
  t[{kEcsVersion, "DescribeNetworkInterfaces"}] = {DescribeNetworkInterfacesAction};
}

}  // namespace openecs
