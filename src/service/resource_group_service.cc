#include "service/resource_group_service.h"

#include <algorithm>
#include <cctype>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"

namespace openecs {

namespace {

ResourceGroupView ViewOf(const ResourceGroup& g) {
  return {g.id, g.account_id, g.name, g.display_name, g.creation_time, false};
}

ResourceGroupView DefaultView(const std::string& account_id, int64_t creation_time) {
  return {DefaultResourceGroupId(account_id), account_id,    "default",
          "default resource group",           creation_time, true};
}

// Calls f(record) for every record of every table whose resources have a group.
template <typename F>
void ForEachGrouped(const State& s, F&& f) {
  auto all = [&](const auto& table) {
    for (const auto& [id, r] : table) f(r);
  };
  all(s.instances);
  all(s.disks);
  all(s.snapshots);
  all(s.images);
  all(s.security_groups);
  all(s.key_pairs);
  all(s.enis);
  all(s.launch_templates);
  all(s.snapshot_policies);
  all(s.vpcs);
  all(s.vswitches);
  all(s.eips);
  all(s.dedicated_hosts);
}

// Moves one record of `table` (owned by the account) into `group`.
template <typename Table>
Status MoveIn(Txn& txn, Table& table, const std::string& id, const std::string& account_id,
              const std::string& group) {
  auto* rec = FindOwned(table, id, account_id);
  if (!rec) return MakeError(ErrorCode::kInvalidResourceIdNotFound);
  rec->resource_group_id = group;
  txn.Touch(*rec);
  return Ok();
}

bool ValidGroupName(const std::string& n) {
  if (n.empty() || n.size() > 50) return false;
  return std::all_of(n.begin(), n.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

std::string DefaultResourceGroupId(const std::string& account_id) {
  return "rg-acfm" + Sha256Hex(account_id).substr(0, 13);
}

Result<std::string> ResolveResourceGroup(const State& s, const std::string& account_id,
                                         const std::optional<std::string>& requested) {
  if (!requested || requested->empty() || *requested == DefaultResourceGroupId(account_id))
    return std::string();
  if (!FindOwned(s.resource_groups, *requested, account_id))
    return MakeError(ErrorCode::kInvalidResourceGroupNotFound);
  return *requested;
}

Status MoveToResourceGroup(Cloud& cloud, const std::string& account_id, const std::string& type,
                           const std::string& resource_id, const std::string& group_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(std::string group, ResolveResourceGroup(s, account_id, group_id));
    if (type == "instance") return MoveIn(txn, s.instances, resource_id, account_id, group);
    if (type == "disk") return MoveIn(txn, s.disks, resource_id, account_id, group);
    if (type == "snapshot") return MoveIn(txn, s.snapshots, resource_id, account_id, group);
    if (type == "image") return MoveIn(txn, s.images, resource_id, account_id, group);
    if (type == "securitygroup")
      return MoveIn(txn, s.security_groups, resource_id, account_id, group);
    if (type == "keypair")  // a key pair's ResourceId is its name
      return MoveIn(txn, s.key_pairs, KeyPairKey(account_id, resource_id), account_id, group);
    if (type == "eni") return MoveIn(txn, s.enis, resource_id, account_id, group);
    if (type == "launchtemplate")
      return MoveIn(txn, s.launch_templates, resource_id, account_id, group);
    if (type == "autosnapshotpolicy")
      return MoveIn(txn, s.snapshot_policies, resource_id, account_id, group);
    if (type == "vpc") return MoveIn(txn, s.vpcs, resource_id, account_id, group);
    if (type == "vswitch") return MoveIn(txn, s.vswitches, resource_id, account_id, group);
    if (type == "eip") return MoveIn(txn, s.eips, resource_id, account_id, group);
    if (type == "ddh") return MoveIn(txn, s.dedicated_hosts, resource_id, account_id, group);
    return MakeError(ErrorCode::kInvalidResourceTypeNotFound);
  });
}

int CountInGroup(const State& s, const std::string& account_id, const std::string& group_id) {
  int n = 0;
  ForEachGrouped(s, [&](const auto& r) {
    if (OwnedBy(r, account_id) && EffectiveGroup(r.resource_group_id, account_id) == group_id) ++n;
  });
  return n;
}

Result<ResourceGroupView> CreateResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& name,
                                              const std::string& display_name) {
  if (!ValidGroupName(name))
    return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                     "Name must be 1 to 50 letters, digits, periods (.), underscores (_) or "
                     "hyphens (-).");
  if (display_name.size() > 50)
    return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                     "DisplayName must be at most 50 characters.");
  ResourceGroup out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    if (name == "default")
      return MakeError(ErrorCode::kResourceGroupAlreadyExists,
                       "The default resource group is named default.");
    for (const auto& [id, g] : Owned(txn.state().resource_groups, account_id))
      if (g.name == name)
        return MakeError(ErrorCode::kResourceGroupAlreadyExists,
                         "Resource group " + id + " is already named " + name + ".");
    ResourceGroup g;
    g.id = NewId("rg");
    g.account_id = account_id;
    g.name = name;
    g.display_name = display_name.empty() ? name : display_name;
    g.creation_time = txn.now();
    out = txn.Put(std::move(g));
    return Ok();
  }));
  return ViewOf(out);
}

std::vector<ResourceGroupView> ListResourceGroups(const State& s, const std::string& account_id) {
  int64_t since = 0;
  if (auto a = s.accounts.find(account_id); a != s.accounts.end()) since = a->second.creation_time;
  std::vector<ResourceGroupView> out = {DefaultView(account_id, since)};
  for (const auto& [id, g] : Owned(s.resource_groups, account_id)) out.push_back(ViewOf(g));
  return out;
}

Result<ResourceGroupView> GetResourceGroup(const State& s, const std::string& account_id,
                                           const std::string& id) {
  for (const auto& g : ListResourceGroups(s, account_id))
    if (g.id == id) return g;
  return MakeError(ErrorCode::kResourceGroupNotExists);
}

Result<ResourceGroupView> UpdateResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& id,
                                              const std::string& new_display_name) {
  if (new_display_name.empty() || new_display_name.size() > 50)
    return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                     "NewDisplayName must be 1 to 50 characters.");
  ResourceGroupView out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    if (id == DefaultResourceGroupId(account_id))
      return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                       "The default resource group cannot be changed.");
    ResourceGroup* g = FindOwned(txn.state().resource_groups, id, account_id);
    if (!g) return MakeError(ErrorCode::kResourceGroupNotExists);
    g->display_name = new_display_name;
    txn.Touch(*g);
    out = ViewOf(*g);
    return Ok();
  }));
  return out;
}

Result<ResourceGroupView> DeleteResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& id) {
  ResourceGroupView out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (id == DefaultResourceGroupId(account_id))
      return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                       "The default resource group cannot be deleted.");
    ResourceGroup* g = FindOwned(s.resource_groups, id, account_id);
    if (!g) return MakeError(ErrorCode::kResourceGroupNotExists);
    if (int n = CountInGroup(s, account_id, id))
      return MakeError(ErrorCode::kInvalidResourceGroupParameter,
                       "The resource group still holds " + std::to_string(n) +
                           " resources; move or delete them first.");
    out = ViewOf(*g);
    txn.Erase<ResourceGroup>(id);
    return Ok();
  }));
  return out;
}

}  // namespace openecs
