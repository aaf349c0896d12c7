#include "service/route_service.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/ipv4.h"
#include "service/eni_service.h"
#include "service/names.h"

namespace openecs {

namespace {

bool ValidDescription(const std::string& d) {
  if (d.size() > 256) return false;
  for (unsigned char c : d)
    if (c < 0x20 && c != '\n' && c != '\t') return false;
  return d.rfind("http://", 0) != 0 && d.rfind("https://", 0) != 0;
}

// The next hop `type`/`id` if it is an instance or ENI of the table's VPC owned by the caller.
Status CheckNextHop(const State& s, const Vpc& vpc, const std::string& account_id,
                    const std::string& type, const std::string& id) {
  if (id.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"NextHopId\" that is mandatory for processing this "
                     "request is not supplied.");
  if (type == "Instance") {
    const Instance* i = FindOwned(s.instances, id, account_id);
    if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    if (i->vpc_id != vpc.id)
      return MakeError(ErrorCode::kInvalidParameter,
                       "The next hop instance " + id + " is not in the route table's VPC.");
    return Ok();
  }
  if (type == "NetworkInterface") {
    auto eni = FindEni(s, id);
    if (!eni || !OwnedBy(*eni, account_id)) return MakeError(ErrorCode::kInvalidEniIdNotFound);
    if (eni->vpc_id != vpc.id)
      return MakeError(ErrorCode::kInvalidParameter, "The next hop network interface " + id +
                                                         " is not in the route table's VPC.");
    return Ok();
  }
  return MakeError(ErrorCode::kInvalidParameter,
                   "NextHopType must be Instance or NetworkInterface (the next hops OpenECS has).");
}

// The custom entry a request names: by id, or by table and destination.
Result<RouteEntry*> FindEntry(State& s, const std::string& account_id,
                              const std::optional<std::string>& entry_id,
                              const std::optional<std::string>& table_id,
                              const std::optional<std::string>& destination) {
  if (entry_id && !entry_id->empty()) {
    RouteEntry* e = FindOwned(s.route_entries, *entry_id, account_id);
    if (!e) {
      // A system entry (a vSwitch's block) is there but cannot be changed.
      for (const auto& [id, v] : Owned(s.vswitches, account_id))
        if ("rte-" + id.substr(id.find('-') + 1) == *entry_id)
          return MakeError(
              ErrorCode::kInvalidParameter,
              "Route entry " + *entry_id + " is a system entry; it cannot be changed.");
      return MakeError(ErrorCode::kInvalidRouteEntryNotFound);
    }
    if (table_id && !table_id->empty() && e->route_table_id != *table_id)
      return MakeError(ErrorCode::kInvalidRouteEntryNotFound);
    return e;
  }
  if (!table_id || table_id->empty() || !destination || destination->empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "Give RouteEntryId, or RouteTableId and DestinationCidrBlock.");
  if (!FindRouteTable(s, *table_id, account_id))
    return MakeError(ErrorCode::kInvalidRouteTableIdNotFound);
  auto dest = NormalizeDestination(*destination);
  if (!dest)
    return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                     "DestinationCidrBlock is not an IPv4 CIDR block.");
  for (auto& [id, e] : s.route_entries)
    if (e.route_table_id == *table_id && e.destination == *dest) return &e;
  return MakeError(ErrorCode::kInvalidRouteEntryNotFound);
}

}  // namespace

std::optional<std::string> NormalizeDestination(const std::string& block) {
  std::string b = block.find('/') == std::string::npos ? block + "/32" : block;
  auto c = ParseCidr(b, true);
  if (!c) return std::nullopt;
  return c->ToString();
}

const Vpc* FindRouteTable(const State& s, const std::string& table_id,
                          const std::string& account_id) {
  const RouteTable* t = FindOwned(s.route_tables, table_id, account_id);
  if (!t) return nullptr;
  auto v = s.vpcs.find(t->vpc_id);
  return v == s.vpcs.end() ? nullptr : &v->second;
}

std::string NextHopEni(const State& s, const RouteEntry& e) {
  if (e.next_hop_type == "Instance") {
    auto it = s.instances.find(e.next_hop_id);
    return it == s.instances.end() || it->second.vpc_id != e.vpc_id ? "" : PrimaryEniId(it->first);
  }
  auto eni = FindEni(s, e.next_hop_id);
  return eni && eni->vpc_id == e.vpc_id ? eni->id : "";
}

Result<RouteEntry> CreateRouteEntry(Cloud& cloud, const CreateRouteEntryRequest& r) {
  auto dest = NormalizeDestination(r.destination);
  if (!dest)
    return MakeError(ErrorCode::kInvalidCidrBlockMalformed,
                     "DestinationCidrBlock is not an IPv4 CIDR block (an IPv6 block or a prefix "
                     "list is not supported).");
  Cidr block = *ParseCidr(*dest, true);
  const Cidr shared = *ParseCidr("100.64.0.0/10", true);
  if (shared.Contains(block))
    return MakeError(ErrorCode::kInvalidCidrBlockOverlapped,
                     "DestinationCidrBlock cannot be 100.64.0.0/10 or a block inside it.");
  if (!ValidResourceName(r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The RouteEntryName is not valid.");
  if (!ValidDescription(r.description))
    return MakeError(ErrorCode::kInvalidParameter, "The Description is not valid.");
  RouteEntry out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const Vpc* vpc = FindRouteTable(s, r.route_table_id, r.account_id);
    if (!vpc) return MakeError(ErrorCode::kInvalidRouteTableIdNotFound);
    for (const auto& [id, v] : s.vswitches) {
      if (v.vpc_id != vpc->id) continue;
      auto vb = ParseCidr(v.cidr_block, false);
      if (vb && vb->Contains(block))
        return MakeError(ErrorCode::kInvalidCidrBlockOverlapped, "DestinationCidrBlock " + *dest +
                                                                     " is the block of vSwitch " +
                                                                     id + " or lies inside it.");
    }
    int count = 0;
    for (const auto& [id, e] : s.route_entries) {
      if (e.route_table_id != r.route_table_id) continue;
      ++count;
      if (e.destination == *dest)
        return MakeError(
            ErrorCode::kRouterEntryConflictDuplicated,
            "Route entry " + id + " already sends " + *dest + " to " + e.next_hop_id + ".");
    }
    if (count >= kMaxCustomRouteEntries) return MakeError(ErrorCode::kRouteEntryQuotaExceeded);
    OPENECS_RETURN_IF_ERROR(CheckNextHop(s, *vpc, r.account_id, r.next_hop_type, r.next_hop_id));
    if (r.dry_run) return DryRunOk();
    RouteEntry e;
    e.id = NewId("rte");
    e.account_id = r.account_id;
    e.region_id = r.region_id;
    e.vpc_id = vpc->id;
    e.route_table_id = r.route_table_id;
    e.destination = *dest;
    e.next_hop_type = r.next_hop_type;
    e.next_hop_id = r.next_hop_id;
    e.name = r.name;
    e.description = r.description;
    e.creation_time = txn.now();
    out = txn.Put(std::move(e));
    return Ok();
  }));
  return out;
}

Status DeleteRouteEntry(Cloud& cloud, const DeleteRouteEntryRequest& r) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(RouteEntry * e, FindEntry(txn.state(), r.account_id, r.entry_id,
                                                       r.route_table_id, r.destination));
    if (r.next_hop_id && !r.next_hop_id->empty() && *r.next_hop_id != e->next_hop_id)
      return MakeError(ErrorCode::kInvalidRouteEntryNotFound,
                       "The route entry for " + e->destination + " has another next hop.");
    if (r.dry_run) return DryRunOk();
    txn.Erase<RouteEntry>(e->id);
    return Ok();
  });
}

Status ModifyRouteEntry(Cloud& cloud, const ModifyRouteEntryRequest& r) {
  if (r.name && !ValidResourceName(*r.name))
    return MakeError(ErrorCode::kInvalidParameter, "The RouteEntryName is not valid.");
  if (r.description && !ValidDescription(*r.description))
    return MakeError(ErrorCode::kInvalidParameter, "The Description is not valid.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(
        RouteEntry * e, FindEntry(s, r.account_id, r.entry_id, r.route_table_id, r.destination));
    bool new_hop = r.new_next_hop_id || r.new_next_hop_type;
    std::string type = r.new_next_hop_type.value_or(e->next_hop_type);
    std::string id = r.new_next_hop_id.value_or("");
    if (new_hop) {
      auto vpc = s.vpcs.find(e->vpc_id);
      if (vpc == s.vpcs.end()) return MakeError(ErrorCode::kInvalidRouteTableIdNotFound);
      OPENECS_RETURN_IF_ERROR(CheckNextHop(s, vpc->second, r.account_id, type, id));
    }
    if (r.dry_run) return DryRunOk();
    if (new_hop) {
      e->next_hop_type = type;
      e->next_hop_id = id;
    }
    if (r.name) e->name = *r.name;
    if (r.description) e->description = *r.description;
    txn.Touch(*e);
    return Ok();
  });
}

Status ModifyRouteTable(Cloud& cloud, const std::string& account_id, const std::string& table_id,
                        const std::optional<std::string>& name,
                        const std::optional<std::string>& description) {
  if (name && !ValidResourceName(*name))
    return MakeError(ErrorCode::kInvalidParameter, "The RouteTableName is not valid.");
  if (description && !ValidDescription(*description))
    return MakeError(ErrorCode::kInvalidParameter, "The Description is not valid.");
  return cloud.Write([&](Txn& txn) -> Status {
    RouteTable* t = FindOwned(txn.state().route_tables, table_id, account_id);
    if (!t) return MakeError(ErrorCode::kInvalidRouteTableIdNotFound);
    if (name) t->name = *name;
    if (description) t->description = *description;
    txn.Touch(*t);
    return Ok();
  });
}

}  // namespace openecs
