#pragma once
// Resource groups (Resource Manager 2020-03-31), and which group each resource is in.
//
// Every account has a default group, "rg-acfm" followed by 13 characters derived from the
// account id: it is not a record and cannot be renamed or deleted; a resource created without
// ResourceGroupId, or whose resource_group_id is "", is in it, and Describe* answers its id.
// Other groups are ResourceGroup records (CreateResourceGroup): a name unique in the account,
// a display name; deleted only when nothing is in them.
//
// The resources that have a group, as ECS and VPC name them (JoinResourceGroup's and
// MoveResourceGroup's ResourceType): instance, disk, snapshot, image, securitygroup, keypair,
// eni, launchtemplate, autosnapshotpolicy, ddh (ECS); vpc, vswitch, eip (VPC). A resource of
// another account is as unknown as one that does not exist.
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

std::string DefaultResourceGroupId(const std::string& account_id);

// The group a resource whose resource_group_id is `stored` is in.
inline std::string EffectiveGroup(const std::string& stored, const std::string& account_id) {
  return stored.empty() ? DefaultResourceGroupId(account_id) : stored;
}
// True when no filter is given, or the resource is in the filter's group.
inline bool InGroup(const std::optional<std::string>& filter, const std::string& stored,
                    const std::string& account_id) {
  return !filter || filter->empty() || EffectiveGroup(stored, account_id) == *filter;
}

// The value to store for a requested group: "" for none or the default group, the id of an
// existing group of the account, else InvalidResourceGroup.NotFound (ECS's code).
Result<std::string> ResolveResourceGroup(const State& s, const std::string& account_id,
                                         const std::optional<std::string>& requested);

// JoinResourceGroup (ECS) and MoveResourceGroup (VPC): `type` as the API names it (lower case).
Status MoveToResourceGroup(Cloud& cloud, const std::string& account_id, const std::string& type,
                           const std::string& resource_id, const std::string& group_id);

// Resource Manager's own records.
struct ResourceGroupView {
  std::string id, account_id, name, display_name;
  int64_t creation_time = 0;
  bool is_default = false;
};
Result<ResourceGroupView> CreateResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& name,
                                              const std::string& display_name);
// The default group first, then the others by creation.
std::vector<ResourceGroupView> ListResourceGroups(const State& s, const std::string& account_id);
Result<ResourceGroupView> GetResourceGroup(const State& s, const std::string& account_id,
                                           const std::string& id);
Result<ResourceGroupView> UpdateResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& id,
                                              const std::string& display_name);
// Refused while any resource is in the group, and for the default group.
Result<ResourceGroupView> DeleteResourceGroup(Cloud& cloud, const std::string& account_id,
                                              const std::string& id);
// How many resources of the account are in `group_id`.
int CountInGroup(const State& s, const std::string& account_id, const std::string& group_id);

}  // namespace openecs
