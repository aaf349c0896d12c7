#pragma once
// Deployment sets as ECS has them: a per-account, per-region placement rule that instances join
// (RunInstances/CreateInstance DeploymentSetId, ModifyInstanceDeployment) and that the scheduler
// enforces on every placement:
//  - Availability (the default): each member on its own physical host ("each instance on a
//    different physical server"); at most 20 members per zone.
//  - AvailabilityGroup: GroupCount groups (1..7, default 3); members of different groups never
//    share a host, members of one group may; at most 20 members per group per zone. A member
//    names its group (DeploymentSetGroupNo) or is given the group with the fewest members.
//  - LowLatency: members go to hosts that already hold members where they fit (packing, for the
//    shortest paths between them); nothing is refused for it; at most 20 members per zone.
// When no host satisfies the rule the request is refused whole, nothing made: with
// OperationDenied.NoStock (as ECS answers when its stock cannot honour a set), or with
// QuotaExceed.DeploymentSetInstanceQuotaFull when the set holds its maximum in the zone.
//
// Membership lives on the instance (Instance::deployment_set_id / deployment_set_group), never
// twice: a set's members, InstanceAmount and Capacities are derived from the instance records,
// a released instance leaves its set by disappearing, and DeleteDeploymentSet is refused
// (DependencyViolation.NotEmpty) while any instance names the set.
//
// What OpenECS does not do: move an instance to another host. Its disks live in its host's pool
// (storage is host-local), so ModifyInstanceDeployment adds an instance to a set only where it
// already is (ECS's Force=false behaviour); when its host breaks the set's rule the call is
// refused with OperationDenied.NoStock whatever Force says, and nothing changes.
//
// Thread safety: every function takes the Cloud's locks itself. Mutators are all or nothing.
#include <optional>
#include <string>
#include <vector>

#include "scheduler/scheduler.h"
#include "service/cloud.h"

namespace openecs {

inline constexpr int kMaxDeploymentSets = 150;           // per account and region
inline constexpr int kMaxDeploymentSetZoneMembers = 20;  // per zone (per group: AvailabilityGroup)
inline constexpr int kMaxDeploymentSetGroups = 7;
inline constexpr int kDefaultDeploymentSetGroups = 3;

// DeploymentSetName: 2-128 characters starting with a letter (or a non-ASCII letter), of
// letters, digits, ':', '_', '.', '-'; not http:// or https://. "" means not given.
Status ValidateDeploymentSetName(const std::string& name);
// Description: "" (not given) or 2-256 characters without control characters, not starting with
// http:// or https:// (InvalidDescription.Malformed).
Status ValidateDeploymentSetDescription(const std::string& description);

struct CreateDeploymentSetRequest {
  std::string account_id, region_id;
  std::string name, description;
  std::string strategy = "Availability";
  std::optional<int> group_count;  // AvailabilityGroup only (1..7, default 3); ignored otherwise
  std::string on_unable_to_redeploy = "CancelMembershipAndStart";
  std::string domain, granularity;  // deprecated; "Default" / "Host" or ""
};
Result<DeploymentSet> CreateDeploymentSet(Cloud& cloud, const CreateDeploymentSetRequest& r);

// Name and description (each only when given). InvalidDeploymentSetId.NotFound.
Status ModifyDeploymentSetAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& id, const std::optional<std::string>& name,
                                    const std::optional<std::string>& description);

// InvalidDeploymentSetId.NotFound; DependencyViolation.NotEmpty while any instance is in it.
Status DeleteDeploymentSet(Cloud& cloud, const std::string& account_id, const std::string& id);

// The instances in a set (any status), in id order.
std::vector<const Instance*> DeploymentSetMembers(const State& s, const std::string& set_id);

// One zone's line of DescribeDeploymentSets' Capacities: members there, and how many more the
// set can take there (bounded by the quota and, for Availability, by the hosts of the zone that
// hold no member; placement slots, not vCPUs: capacity is checked when an instance is placed).
struct DeploymentSetZoneCapacity {
  std::string zone_id;
  int used = 0, available = 0;
};
std::vector<DeploymentSetZoneCapacity> DeploymentSetCapacities(
    const State& s, const DeploymentSet& set, const std::vector<std::string>& zones);

// Where a set's members are, for the placement of new ones (RunInstances, and the check of
// ModifyInstanceDeployment). Built from the instance records of one zone.
class SetPlacement {
 public:
  // The set `set_id` of `account_id`, or `not_found` (RunInstances answers
  // DeploymentSet.NotFound, the other actions InvalidDeploymentSetId.NotFound). `group`: the
  // requested DeploymentSetGroupNo (0: none; checked against GroupCount under AvailabilityGroup,
  // ignored otherwise). `except`: an instance to leave out (the one being moved).
  static Result<SetPlacement> For(const State& s, const std::string& account_id,
                                  const std::string& set_id, int group, const std::string& zone,
                                  ErrorCode not_found, const std::string& except = "");

  // Sets `d`'s deployment set rule for one more member and returns the group it joins (0 when
  // the strategy has none). QuotaExceed.DeploymentSetInstanceQuotaFull when the zone (or the
  // group) holds its maximum.
  Result<int> Constrain(Demand& d) const;
  // Records a member placed on `host_id` in `group` (the next Constrain sees it).
  void Add(const std::string& host_id, int group);

  const DeploymentSet& set() const { return set_; }

 private:
  DeploymentSet set_;
  int requested_group_ = 0;
  std::map<std::string, std::set<int>> hosts_;  // host -> groups of its members
  std::map<int, int> per_group_;                // group -> members in the zone
};

// ModifyInstanceDeployment's deployment set part.
struct InstanceDeploymentChange {
  std::string account_id, instance_id;
  std::string deployment_set_id;  // the set to join, or (remove) to leave
  int group = 0;                  // DeploymentSetGroupNo (0: not given)
  bool remove = false;            // RemoveFromDeploymentSet
  bool force = false;             // Force: OpenECS never moves hosts (see the header comment)
};
// Joins, changes or leaves a deployment set. The instance must be Running or Stopped with no
// operation in flight (IncorrectInstanceStatus). Leaving needs the set the instance is in
// (InvalidParameter otherwise). Joining keeps the instance on its host: refused with
// OperationDenied.NoStock when that host breaks the set's rule, or with
// QuotaExceed.DeploymentSetInstanceQuotaFull when the set is full in the instance's zone.
Status ModifyInstanceDeployment(Cloud& cloud, const InstanceDeploymentChange& c);

}  // namespace openecs
