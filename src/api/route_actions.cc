// Route tables and route entries (VPC API 2016-04-28; CreateRouteEntry, DeleteRouteEntry and
// DescribeRouteTables also under the ECS version, as the ECS SDK still offers them). Each VPC
// has its system route table; see service/route_service.h for the rules.
#include <algorithm>
#include <cstdlib>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "service/resource_group_service.h"
#include "service/route_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// One entry as the route-table answers list it: the system entries (a vSwitch's block, next
// hop the vRouter itself) and the custom ones.
struct EntryView {
  std::string id, name, description, destination, type;  // type: System | Custom
  std::string next_hop_type, next_hop_id;                // custom entries
  bool next_hop_present = false;
  std::string next_hop_instance_type;
  int64_t time = 0;
};

std::vector<EntryView> EntriesOf(const State& s, const Vpc& vpc) {
  std::vector<EntryView> out;
  for (const auto& [vid, vs] : s.vswitches) {
    if (vs.vpc_id != vpc.id) continue;
    EntryView e;
    e.id = "rte-" + vid.substr(vid.find('-') + 1);
    e.destination = vs.cidr_block;
    e.type = "System";
    e.next_hop_type = "local";
    e.time = vs.creation_time;
    out.push_back(std::move(e));
  }
  for (const auto& [id, r] : s.route_entries) {
    if (r.route_table_id != vpc.route_table_id) continue;
    EntryView e;
    e.id = id;
    e.name = r.name;
    e.description = r.description;
    e.destination = r.destination;
    e.type = "Custom";
    e.next_hop_type = r.next_hop_type;
    e.next_hop_id = r.next_hop_id;
    e.next_hop_present = !NextHopEni(s, r).empty();
    if (auto i = s.instances.find(r.next_hop_id); i != s.instances.end())
      e.next_hop_instance_type = i->second.instance_type;
    e.time = r.creation_time;
    out.push_back(std::move(e));
  }
  return out;
}

json NextHops(const EntryView& e, const std::string& region_id, bool related) {
  json hops = json::array();
  if (e.type == "Custom") {
    json hop = {{"NextHopId", e.next_hop_id},
                {"NextHopType", e.next_hop_type},
                {"Enabled", e.next_hop_present ? 1 : 0},
                {"Weight", 0}};
    if (related) {
      hop["NextHopRegionId"] = region_id;
      hop["NextHopRelatedInfo"] = {
          {"InstanceId", e.next_hop_type == "Instance" ? e.next_hop_id : ""},
          {"InstanceType", e.next_hop_instance_type},
          {"RegionId", region_id}};
    }
    hops.push_back(std::move(hop));
  }
  return Wrap("NextHop", hops);
}

// A table's entries, system and custom, filtered, in pages of MaxResult (NextToken: an offset).
Result<json> DescribeRouteEntryListAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string table_id, c.params.Required("RouteTableId"));
  auto entry_type = c.params.Get("RouteEntryType");
  auto destination = c.params.Get("DestinationCidrBlock");
  auto entry_id = c.params.Get("RouteEntryId");
  auto entry_name = c.params.Get("RouteEntryName");
  auto ip_version = c.params.Get("IpVersion");
  auto hop_id = c.params.Get("NextHopId");
  auto hop_type = c.params.Get("NextHopType");
  auto service_type = c.params.Get("ServiceType");
  std::vector<std::string> destinations = c.params.RepeatList("DestCidrBlockList");
  if (entry_type && *entry_type != "System" && *entry_type != "Custom" && *entry_type != "BGP" &&
      *entry_type != "CEN" && *entry_type != "ECR")
    return MakeError(ErrorCode::kInvalidParameter,
                     "RouteEntryType must be System, Custom, BGP, CEN or ECR.");
  OPENECS_ASSIGN_OR_RETURN(int64_t max, c.params.IntOr("MaxResult", 10, 1, 100));
  int64_t offset = 0;
  if (auto token = c.params.Get("NextToken"); token && !token->empty()) {
    char* end = nullptr;
    offset = std::strtoll(token->c_str(), &end, 10);
    if (*end != '\0' || offset < 0 || token->size() > 18)
      return MakeError(ErrorCode::kInvalidParameter, "The NextToken is not valid.");
  }
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const Vpc* vpc = FindRouteTable(s, table_id, c.account_id);
    if (!vpc) return MakeError(ErrorCode::kInvalidRouteTableIdNotFound);
    std::vector<EntryView> matched;
    for (auto& e : EntriesOf(s, *vpc)) {
      if (entry_type && *entry_type != e.type) continue;
      if (destination && e.destination != NormalizeDestination(*destination).value_or(*destination))
        continue;
      if (!destinations.empty() &&
          std::find(destinations.begin(), destinations.end(), e.destination) == destinations.end())
        continue;
      if (entry_id && e.id != *entry_id) continue;
      if (entry_name && e.name != *entry_name) continue;
      if (ip_version && *ip_version != "IPv4" && *ip_version != "ipv4") continue;
      if (hop_id && e.next_hop_id != *hop_id) continue;
      if (hop_type && e.next_hop_type != *hop_type) continue;
      if (service_type && !service_type->empty()) continue;
      matched.push_back(std::move(e));
    }
    json arr = json::array();
    size_t begin = std::min<size_t>(offset, matched.size());
    size_t end = std::min<size_t>(begin + max, matched.size());
    for (size_t k = begin; k < end; ++k) {
      const EntryView& e = matched[k];
      arr.push_back({{"RouteEntryId", e.id},
                     {"RouteEntryName", e.name},
                     {"RouteTableId", table_id},
                     {"DestinationCidrBlock", e.destination},
                     {"Type", e.type},
                     {"Origin", ""},
                     {"Status", "Available"},
                     {"Description", e.description},
                     {"IpVersion", "IPv4"},
                     {"ServiceType", ""},
                     {"GmtModified", FormatIsoMinutes(e.time)},
                     {"NextHops", NextHops(e, vpc->region_id, true)}});
    }
    return json{{"RouteEntrys", Wrap("RouteEntry", arr)},
                {"NextToken", end < matched.size() ? std::to_string(end) : ""},
                {"TotalCount", matched.size()}};
  });
}

// The tables (one per VPC) matching the filters of DescribeRouteTableList / DescribeRouteTables.
Result<std::vector<const Vpc*>> MatchTables(ApiContext& c, const State& s) {
  auto vpc_id = c.params.Get("VpcId");
  auto table_id = c.params.Get("RouteTableId");
  auto table_name = c.params.Get("RouteTableName");
  auto router_id = c.params.Get("RouterId");
  auto vrouter_id = c.params.Get("VRouterId");
  auto router_type = c.params.Get("RouterType");
  auto table_type = c.params.Get("RouteTableType");
  if (!table_type) table_type = c.params.Get("Type");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  if (router_type && *router_type != "VRouter" && *router_type != "VBR")
    return MakeError(ErrorCode::kInvalidParameter, "RouterType must be VRouter or VBR.");
  std::vector<const Vpc*> matched;
  for (const auto& [id, v] : Owned(s.vpcs, c.account_id)) {
    if (vpc_id && id != *vpc_id) continue;
    if (table_id && v.route_table_id != *table_id) continue;
    const RouteTable* table = FindOwned(s.route_tables, v.route_table_id, c.account_id);
    if (table_name && (!table || table->name != *table_name)) continue;
    if (!TagsMatch(table ? table->tags : Tags{}, want)) continue;
    if (router_id && v.vrouter_id != *router_id) continue;
    if (vrouter_id && v.vrouter_id != *vrouter_id) continue;
    if (router_type && *router_type != "VRouter") continue;
    if (table_type && *table_type != "System") continue;
    if (!InGroup(group, v.resource_group_id, v.account_id)) continue;  // the VPC's group
    matched.push_back(&v);
  }
  return matched;
}

// The record of a VPC's system table (an empty one if it is missing).
RouteTable RouteTableOf(const State& s, const Vpc& v) {
  auto it = s.route_tables.find(v.route_table_id);
  return it == s.route_tables.end() ? RouteTable{} : it->second;
}

json VSwitchIdsOf(const State& s, const Vpc& v) {
  json vsws = json::array();
  for (const auto& [vid, vs] : s.vswitches)
    if (vs.vpc_id == v.id) vsws.push_back(vid);
  return vsws;
}

Result<json> DescribeRouteTableListAction(ApiContext& c) {
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto matched, MatchTables(c, s));
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      const Vpc& v = *matched[i];
      const RouteTable table = RouteTableOf(s, v);
      arr.push_back({{"RouteTableId", v.route_table_id},
                     {"RouteTableName", table.name},
                     {"RouteTableType", "System"},
                     {"RouterId", v.vrouter_id},
                     {"RouterType", "VRouter"},
                     {"VpcId", v.id},
                     {"Description", table.description},
                     {"Status", "Available"},
                     {"CreationTime", FormatIso(v.creation_time)},
                     {"OwnerId", 1},
                     {"ResourceGroupId", EffectiveGroup(v.resource_group_id, v.account_id)},
                     {"AssociateType", "VSwitch"},
                     {"RoutePropagationEnable", true},
                     {"GatewayIds", Wrap("GatewayIds", json::array())},
                     {"VSwitchIds", Wrap("VSwitchId", VSwitchIdsOf(s, v))},
                     {"Tags", RenderTags(table.tags, true)}});
    }
    json reply = {{"RouterTableList", Wrap("RouterTableListType", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

// The older listing, tables with their entries inside (the provider's alicloud_route_entry
// reads it).
Result<json> DescribeRouteTablesAction(ApiContext& c) {
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    OPENECS_ASSIGN_OR_RETURN(auto matched, MatchTables(c, s));
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i) {
      const Vpc& v = *matched[i];
      json entries = json::array();
      for (const auto& e : EntriesOf(s, v))
        entries.push_back({{"RouteEntryId", e.id},
                           {"RouteEntryName", e.name},
                           {"RouteTableId", v.route_table_id},
                           {"DestinationCidrBlock", e.destination},
                           {"Type", e.type},
                           {"Status", "Available"},
                           {"Description", e.description},
                           {"NextHopType", e.next_hop_type},
                           {"InstanceId", e.next_hop_id},
                           {"NextHops", NextHops(e, v.region_id, false)}});
      arr.push_back({{"RouteTableId", v.route_table_id},
                     {"RouteTableType", "System"},
                     {"VRouterId", v.vrouter_id},
                     {"Status", "Available"},
                     {"CreationTime", FormatIso(v.creation_time)},
                     {"ResourceGroupId", EffectiveGroup(v.resource_group_id, v.account_id)},
                     {"VSwitchIds", Wrap("VSwitchId", VSwitchIdsOf(s, v))},
                     {"RouteEntrys", Wrap("RouteEntry", entries)}});
    }
    json reply = {{"RouteTables", Wrap("RouteTable", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> CreateRouteEntryAction(ApiContext& c) {
  CreateRouteEntryRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(r.route_table_id, c.params.Required("RouteTableId"));
  OPENECS_ASSIGN_OR_RETURN(r.destination, c.params.Required("DestinationCidrBlock"));
  if (!c.params.RepeatList("NextHopList").empty() || c.params.Get("NextHopList.1.NextHopId"))
    return MakeError(ErrorCode::kInvalidParameter,
                     "NextHopList (ECMP over router interfaces) is not supported.");
  if (auto t = c.params.Get("NextHopType"); t && !t->empty()) r.next_hop_type = *t;
  r.next_hop_id = c.params.Get("NextHopId").value_or("");
  r.name = c.params.Get("RouteEntryName").value_or("");
  r.description = c.params.Get("Description").value_or("");
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(RouteEntry e, CreateRouteEntry(c.cloud, r));
  return json{{"RouteEntryId", e.id}};
}

Result<json> DeleteRouteEntryAction(ApiContext& c) {
  DeleteRouteEntryRequest r;
  r.account_id = c.account_id;
  r.entry_id = c.params.Get("RouteEntryId");
  r.route_table_id = c.params.Get("RouteTableId");
  r.destination = c.params.Get("DestinationCidrBlock");
  r.next_hop_id = c.params.Get("NextHopId");
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(DeleteRouteEntry(c.cloud, r));
  return json::object();
}

Result<json> ModifyRouteEntryAction(ApiContext& c) {
  ModifyRouteEntryRequest r;
  r.account_id = c.account_id;
  r.entry_id = c.params.Get("RouteEntryId");
  r.route_table_id = c.params.Get("RouteTableId");
  r.destination = c.params.Get("DestinationCidrBlock");
  r.name = c.params.Get("RouteEntryName");
  r.description = c.params.Get("Description");
  r.new_next_hop_type = c.params.Get("NewNextHopType");
  r.new_next_hop_id = c.params.Get("NewNextHopId");
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(ModifyRouteEntry(c.cloud, r));
  return json::object();
}

Result<json> ModifyRouteTableAttributesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("RouteTableId"));
  OPENECS_ASSIGN_OR_RETURN(auto propagation, c.params.OptBool("RoutePropagationEnable"));
  if (propagation && !*propagation)
    return MakeError(ErrorCode::kInvalidParameter,
                     "Route propagation cannot be turned off: OpenECS has no gateway routes to "
                     "propagate.");
  OPENECS_RETURN_IF_ERROR(ModifyRouteTable(
      c.cloud, c.account_id, id, c.params.Get("RouteTableName"), c.params.Get("Description")));
  return json::object();
}

}  // namespace

void RegisterRouteActions(ActionTable& t) {
  t[{kVpcVersion, "DescribeRouteTableList"}] = {DescribeRouteTableListAction};
  t[{kVpcVersion, "DescribeRouteTables"}] = {DescribeRouteTablesAction};
  t[{kVpcVersion, "DescribeRouteEntryList"}] = {DescribeRouteEntryListAction};
  t[{kVpcVersion, "CreateRouteEntry"}] = {CreateRouteEntryAction, false, true};
  t[{kVpcVersion, "DeleteRouteEntry"}] = {DeleteRouteEntryAction, false};
  t[{kVpcVersion, "ModifyRouteEntry"}] = {ModifyRouteEntryAction, false};
  t[{kVpcVersion, "ModifyRouteTableAttributes"}] = {ModifyRouteTableAttributesAction, false};
  t[{kEcsVersion, "DescribeRouteTables"}] = {DescribeRouteTablesAction};
  t[{kEcsVersion, "CreateRouteEntry"}] = {CreateRouteEntryAction, false, true};
  t[{kEcsVersion, "DeleteRouteEntry"}] = {DeleteRouteEntryAction, false};
}

}  // namespace openecs
