#include "service/deployment_set_service.h"

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "common/ids.h"
#include "service/names.h"

namespace openecs {
namespace {

size_t Utf8Chars(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xc0) != 0x80; });
}

bool IsGroupStrategy(const DeploymentSet& set) { return set.strategy == "AvailabilityGroup"; }

SetSpread SpreadOf(const DeploymentSet& set) {
  if (set.strategy == "AvailabilityGroup") return SetSpread::kDistinctGroups;
  if (set.strategy == "LowLatency") return SetSpread::kPack;
  return SetSpread::kDistinctHosts;
}

Result<DeploymentSet*> FindSet(State& s, const std::string& account_id, const std::string& id) {
  DeploymentSet* set = FindOwned(s.deployment_sets, id, account_id);
  if (!set)
    return MakeError(ErrorCode::kInvalidDeploymentSetIdNotFound,
                     "The specified DeploymentSetId " + id + " does not exist.");
  return set;
}

}  // namespace

Status ValidateDeploymentSetName(const std::string& name) {
  if (name.empty()) return Ok();
  size_t chars = Utf8Chars(name);
  bool ok = chars >= 2 && chars <= 128 && ValidResourceName(name);
  for (unsigned char c : name)
    ok = ok && (c >= 0x80 || std::isalnum(c) || c == ':' || c == '_' || c == '.' || c == '-');
  if (!ok)
    return MakeError(ErrorCode::kInvalidDeploymentSetName,
                     "DeploymentSetName must be 2 to 128 characters, start with a letter, and "
                     "hold letters, digits, ':', '_', '.' and '-' only.");
  return Ok();
}

Status ValidateDeploymentSetDescription(const std::string& d) {
  if (d.empty()) return Ok();
  size_t chars = Utf8Chars(d);
  bool ok = chars >= 2 && chars <= 256 && d.rfind("http://", 0) != 0 && d.rfind("https://", 0) != 0;
  for (unsigned char c : d) ok = ok && c >= 0x20 && c != 0x7f;
  if (!ok)
    return MakeError(ErrorCode::kInvalidDescription,
                     "Description must be 2 to 256 characters without control characters, not "
                     "starting with http:// or https://.");
  return Ok();
}

Result<DeploymentSet> CreateDeploymentSet(Cloud& cloud, const CreateDeploymentSetRequest& r) {
  OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetName(r.name));
  OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetDescription(r.description));
  if (r.strategy != "Availability" && r.strategy != "AvailabilityGroup" &&
      r.strategy != "LowLatency")
    return MakeError(ErrorCode::kInvalidDeploymentSetStrategy,
                     "Strategy must be Availability, AvailabilityGroup or LowLatency.");
  if (r.on_unable_to_redeploy != "CancelMembershipAndStart" &&
      r.on_unable_to_redeploy != "KeepStopped")
    return MakeError(ErrorCode::kInvalidParameter,
                     "OnUnableToRedeployFailedInstance must be CancelMembershipAndStart or "
                     "KeepStopped.");
  int groups = 0;
  if (r.strategy == "AvailabilityGroup") {
    groups = r.group_count.value_or(kDefaultDeploymentSetGroups);
    if (groups < 1 || groups > kMaxDeploymentSetGroups)
      return MakeError(ErrorCode::kInvalidParameter, "GroupCount must be 1 to 7.");
  }
  DeploymentSet made;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    int count = 0;
    for (const auto& [id, set] : Owned(txn.state().deployment_sets, r.account_id))
      if (set.region_id == r.region_id) ++count;
    if (count >= kMaxDeploymentSets)
      return MakeError(ErrorCode::kDeploymentSetQuotaFull,
                       "An account has at most 150 deployment sets in a region.");
    made = txn.Put(DeploymentSet{.id = NewId("ds"),
                                 .account_id = r.account_id,
                                 .region_id = r.region_id,
                                 .name = r.name,
                                 .description = r.description,
                                 .strategy = r.strategy,
                                 .group_count = groups,
                                 .on_unable_to_redeploy = r.on_unable_to_redeploy,
                                 .domain = r.domain,
                                 .granularity = r.granularity,
                                 .creation_time = txn.now()});
    return Ok();
  }));
  return made;
}

Status ModifyDeploymentSetAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& id, const std::optional<std::string>& name,
                                    const std::optional<std::string>& description) {
  if (name) OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetName(*name));
  if (description) OPENECS_RETURN_IF_ERROR(ValidateDeploymentSetDescription(*description));
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(DeploymentSet * set, FindSet(txn.state(), account_id, id));
    if (name) set->name = *name;
    if (description) set->description = *description;
    txn.Touch(*set);
    return Ok();
  });
}

Status DeleteDeploymentSet(Cloud& cloud, const std::string& account_id, const std::string& id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_RETURN_IF_ERROR(FindSet(s, account_id, id));
    if (auto members = DeploymentSetMembers(s, id); !members.empty())
      return MakeError(ErrorCode::kDeploymentSetNotEmpty,
                       "Deployment set " + id + " still holds " + std::to_string(members.size()) +
                           " instance(s), " + members.front()->id +
                           " among them: release them or move them out "
                           "(ModifyInstanceDeployment RemoveFromDeploymentSet) first.");
    txn.Erase<DeploymentSet>(id);
    return Ok();
  });
}

std::vector<const Instance*> DeploymentSetMembers(const State& s, const std::string& set_id) {
  std::vector<const Instance*> out;
  for (const auto& [id, i] : s.instances)
    if (i.deployment_set_id == set_id) out.push_back(&i);
  return out;
}

std::vector<DeploymentSetZoneCapacity> DeploymentSetCapacities(
    const State& s, const DeploymentSet& set, const std::vector<std::string>& zones) {
  std::vector<DeploymentSetZoneCapacity> out;
  std::vector<const Instance*> members = DeploymentSetMembers(s, set.id);
  for (const auto& zone : zones) {
    DeploymentSetZoneCapacity c{.zone_id = zone};
    std::map<std::string, std::set<int>> on_host;
    std::map<int, int> per_group;
    for (const Instance* i : members) {
      if (i->zone_id != zone) continue;
      ++c.used;
      on_host[i->host_id].insert(i->deployment_set_group);
      ++per_group[i->deployment_set_group];
    }
    std::vector<std::string> hosts;
    std::set<std::string> dedicated;  // members are never placed there
    for (const auto& [id, dh] : s.dedicated_hosts) dedicated.insert(dh.host_id);
    for (const auto& [id, h] : s.hosts)
      if (h.zone_id == zone && h.lost_since == 0 && !dedicated.count(id)) hosts.push_back(id);
    if (set.strategy == "Availability") {
      int free_hosts = 0;
      for (const auto& h : hosts) free_hosts += on_host.count(h) ? 0 : 1;
      c.available = std::min(kMaxDeploymentSetZoneMembers - c.used, free_hosts);
    } else if (IsGroupStrategy(set)) {
      for (int g = 1; g <= set.group_count; ++g) {
        bool usable = std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) {
          auto it = on_host.find(h);
          return it == on_host.end() || (it->second.size() == 1 && *it->second.begin() == g);
        });
        if (usable) c.available += kMaxDeploymentSetZoneMembers - per_group[g];
      }
    } else {
      c.available = hosts.empty() ? 0 : kMaxDeploymentSetZoneMembers - c.used;
    }
    c.available = std::max(c.available, 0);
    out.push_back(c);
  }
  return out;
}

Result<SetPlacement> SetPlacement::For(const State& s, const std::string& account_id,
                                       const std::string& set_id, int group,
                                       const std::string& zone, ErrorCode not_found,
                                       const std::string& except) {
  const DeploymentSet* set = FindOwned(s.deployment_sets, set_id, account_id);
  if (!set)
    return MakeError(not_found, "The specified deployment set " + set_id + " does not exist.");
  SetPlacement p;
  p.set_ = *set;
  if (IsGroupStrategy(*set)) {
    if (group < 0 || group > set->group_count)
      return MakeError(ErrorCode::kInvalidParameter,
                       "DeploymentSetGroupNo must be 1 to " + std::to_string(set->group_count) +
                           ", the GroupCount of deployment set " + set_id + ".");
    p.requested_group_ = group;
  }
  for (const Instance* i : DeploymentSetMembers(s, set_id)) {
    if (i->id == except || i->zone_id != zone) continue;
    p.Add(i->host_id, i->deployment_set_group);
  }
  return p;
}

Result<int> SetPlacement::Constrain(Demand& d) const {
  auto in_group = [&](int g) {
    auto it = per_group_.find(g);
    return it == per_group_.end() ? 0 : it->second;
  };
  int group = 0;
  int members = 0;
  if (IsGroupStrategy(set_)) {
    group = requested_group_;
    if (group == 0) {  // evenly: the group with the fewest members (the lowest number on a tie)
      group = 1;
      for (int g = 2; g <= set_.group_count; ++g)
        if (in_group(g) < in_group(group)) group = g;
    }
    members = in_group(group);
  } else {
    for (const auto& [g, n] : per_group_) members += n;
  }
  if (members >= kMaxDeploymentSetZoneMembers)
    return MakeError(ErrorCode::kDeploymentSetInstanceQuotaFull,
                     "Deployment set " + set_.id + " holds " + std::to_string(members) +
                         " instances in zone " + d.zone_id +
                         (group ? " in group " + std::to_string(group) : "") + ", its maximum.");
  d.spread = SpreadOf(set_);
  d.spread_group = group;
  d.set_members = hosts_;
  return group;
}

void SetPlacement::Add(const std::string& host_id, int group) {
  hosts_[host_id].insert(group);
  ++per_group_[group];
}

Status ModifyInstanceDeployment(Cloud& cloud, const InstanceDeploymentChange& c) {
  if (c.deployment_set_id.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"DeploymentSetId\" that is mandatory for processing "
                     "this request is not supplied.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* i = FindOwned(s.instances, c.instance_id, c.account_id);
    if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    OPENECS_RETURN_IF_ERROR(FindSet(s, c.account_id, c.deployment_set_id));
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kChangeDevices, i->status, i->task));
    if (c.remove) {
      if (i->deployment_set_id != c.deployment_set_id)
        return MakeError(
            ErrorCode::kInvalidParameter,
            "Instance " + i->id + " is not in deployment set " + c.deployment_set_id + ".");
      i->deployment_set_id.clear();
      i->deployment_set_group = 0;
      txn.Touch(*i);
      return Ok();
    }
    OPENECS_ASSIGN_OR_RETURN(
        SetPlacement placement,
        SetPlacement::For(s, c.account_id, c.deployment_set_id, c.group, i->zone_id,
                          ErrorCode::kInvalidDeploymentSetIdNotFound, i->id));
    Demand d;
    d.zone_id = i->zone_id;
    OPENECS_ASSIGN_OR_RETURN(int group, placement.Constrain(d));
    HostCapacity here{.host_id = i->host_id, .zone_id = i->zone_id};
    if (!DeploymentSetFilter(here, d))
      return MakeError(ErrorCode::kNoStock,
                       "The host of instance " + i->id +
                           " already holds a member of deployment "
                           "set " +
                           c.deployment_set_id + (group ? " in another group" : "") +
                           ". OpenECS keeps an instance on its host (its disks live in that "
                           "host's storage pool), so it cannot join this set.");
    i->deployment_set_id = c.deployment_set_id;
    i->deployment_set_group = group;
    txn.Touch(*i);
    return Ok();
  });
}

}  // namespace openecs
