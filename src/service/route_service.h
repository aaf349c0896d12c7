#pragma once
// Route tables and custom route entries (VPC API), as ECS has them for a VPC's vRouter.
//
// Each VPC has one route table, the system one (Vpc::route_table_id): its system entries are
// the VPC's vSwitch blocks (next hop: the vRouter itself, i.e. the VPC's router on every host),
// and its custom entries are RouteEntry records. A custom entry sends traffic for a destination
// block to a next hop in the same VPC: an instance (its primary ENI) or an ENI. ECS's rules:
// - the destination is an IPv4 block ("a.b.c.d" is a /32); it may contain a vSwitch's block
//   but not equal or lie inside one, and not be, or lie inside, 100.64.0.0/10;
// - one entry per destination in a table (RouterEntryConflict.Duplicated), at most 200;
// - the next hop belongs to the table's VPC.
// The data plane (net/vpc_network.h) routes the destination to the next hop's address in the
// VPC's router on every host, and lets the next hop's tap send from the destination (it
// forwards for it); see security_rules.h (NetworkIndex::routed_to).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

inline constexpr int kMaxCustomRouteEntries = 200;

struct CreateRouteEntryRequest {
  std::string account_id, region_id;
  std::string route_table_id;
  std::string destination;
  std::string next_hop_type = "Instance";
  std::string next_hop_id;
  std::string name, description;
  bool dry_run = false;
};
Result<RouteEntry> CreateRouteEntry(Cloud& cloud, const CreateRouteEntryRequest& r);

// DeleteRouteEntry: by id, or by table and destination (and next hop, when given, which must
// match). Only custom entries are deleted; a system entry is refused.
struct DeleteRouteEntryRequest {
  std::string account_id;
  std::optional<std::string> entry_id, route_table_id, destination, next_hop_id;
  bool dry_run = false;
};
Status DeleteRouteEntry(Cloud& cloud, const DeleteRouteEntryRequest& r);

// ModifyRouteEntry: its name and description, and (NewNextHopType/Id) its next hop.
struct ModifyRouteEntryRequest {
  std::string account_id;
  std::optional<std::string> entry_id, route_table_id, destination;
  std::optional<std::string> name, description, new_next_hop_type, new_next_hop_id;
  bool dry_run = false;
};
Status ModifyRouteEntry(Cloud& cloud, const ModifyRouteEntryRequest& r);

Status ModifyRouteTable(Cloud& cloud, const std::string& account_id, const std::string& table_id,
                        const std::optional<std::string>& name,
                        const std::optional<std::string>& description);

// The VPC whose route table is `table_id`, if `account_id` owns it.
const Vpc* FindRouteTable(const State& s, const std::string& table_id,
                          const std::string& account_id);

// The ENI a custom entry sends its traffic to ("" when the next hop no longer exists).
std::string NextHopEni(const State& s, const RouteEntry& e);

// "10.0.0.1" -> "10.0.0.1/32"; "10.1.2.0/24" as is; anything else: nullopt.
std::optional<std::string> NormalizeDestination(const std::string& block);

}  // namespace openecs
