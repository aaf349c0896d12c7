#pragma once
// Dedicated hosts (ECS's DDH): a whole registered host reserved for one account.
//
// AllocateDedicatedHosts takes hosts the operator registered (`ecsd agent`) out of the shared
// pool: a host qualifies when it is in the zone asked for (any zone of the region if none), is
// not lost (host_health.h), is not dedicated already, and holds nothing of anyone: no instance
// record (running or stopped), no custom image in its store, and no disk or snapshot kept in
// its own files (disks on shared storage, an RBD pool, do not tie anyone to it). An account
// holds at most its max-dedicated-hosts quota of them (quota_service.h; 2 unless the operator
// says otherwise). With no such host the call is refused whole
// (OperationDenied.NoStock), nothing reserved.
//
// A dedicated host's type is ddh.<family> (ddh.g7 runs ecs.g7.*), one per instance family of
// the catalogue; its capacity is the machine's own (vCPUs and memory as its agent declared
// them), so DescribeDedicatedHostTypes reports, per type, the largest host of the region.
//
// Placement (scheduler.h TenancyFilter): an instance launched with DedicatedHostId goes to that
// host only, if its account owns it, the zone is the host's and the family is the type's; no
// instance without one is ever placed on a dedicated host. Such an instance stays on its host
// across restarts (capacity.h RestartDemandOf) and, when the machine is lost, is stopped there
// (host_health.h), whatever the host's ActionOnMaintenance says: OpenECS does not yet move a
// dedicated host to another machine. ReleaseDedicatedHost is refused (InstanceExist) while any
// instance record names it; the machine then goes back to the shared pool.
//
// Not built: subscription dedicated hosts and their billing (ChargeType PrePaid is refused; a
// pay-as-you-go dedicated host is not charged, its instances are, as on shared hosts), host
// clusters, CPU over-commit, Tenancy=host placement without a DedicatedHostId, and moving an
// instance onto or off a dedicated host (ModifyInstanceDeployment).
//
// Thread safety: every function takes the Cloud's locks itself. Mutators are all or nothing.
#include <optional>
#include <string>
#include <vector>

#include "model/catalogue.h"
#include "service/cloud.h"

namespace openecs {

inline constexpr int kMaxDedicatedHostsPerCall = 100;

// Every dedicated host type: ddh.<family without "ecs.">, in name order.
struct DedicatedHostTypeInfo {
  std::string type;    // ddh.g7
  std::string family;  // ecs.g7
  std::vector<std::string> instance_types;
};
std::vector<DedicatedHostTypeInfo> DedicatedHostTypes();
// The type `type`, or null.
const DedicatedHostTypeInfo* FindDedicatedHostType(const std::string& type);

// DedicatedHostName: "" (not given) or 2-128 characters starting with a letter, of letters,
// digits, ':', '_', '.', '-'; not http:// or https:// (InvalidDedicatedHostName.Malformed).
Status ValidateDedicatedHostName(const std::string& name);

struct AllocateDedicatedHostsRequest {
  std::string account_id, region_id;
  std::string zone_id;  // "": any zone of the region
  std::string type;
  std::string name, description;
  std::string charge_type = "PostPaid";
  std::string auto_placement = "on";
  std::string action_on_maintenance = "Migrate";
  int quantity = 1;
  std::optional<std::string> resource_group_id;
  Tags tags;
};
// The ids of the hosts reserved, in allocation order.
Result<std::vector<std::string>> AllocateDedicatedHosts(Cloud& cloud,
                                                        const AllocateDedicatedHostsRequest& r);

struct DedicatedHostChange {
  std::optional<std::string> name, description, auto_placement, action_on_maintenance;
};
// InvalidDedicatedHostId.NotFound; each given field validated as at allocation.
Status ModifyDedicatedHostAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& id, const DedicatedHostChange& c);

// InvalidDedicatedHostId.NotFound; InstanceExist while any instance names it.
Status ReleaseDedicatedHost(Cloud& cloud, const std::string& account_id, const std::string& id);

// What DescribeDedicatedHosts shows of one host besides its record.
struct DedicatedHostUse {
  int total_vcpus = 0, used_vcpus = 0;
  int64_t total_memory_mb = 0, used_memory_mb = 0;
  int gpus = 0;
  std::string gpu_spec;
  bool lost = false;                       // its machine is lost (Status UnderAssessment)
  std::vector<const Instance*> instances;  // naming it, in id order
};
DedicatedHostUse DedicatedHostUseOf(const State& s, const DedicatedHost& dh);

// For RunInstances DedicatedHostId: the host `id` of `account_id` if an instance of
// `instance_type` in `zone_id` may go there: InvalidDedicatedHostId.NotFound,
// InvalidParameter (another zone), InvalidInstanceType.ValueNotSupported (another family).
Result<DedicatedHost> DedicatedHostFor(const State& s, const std::string& account_id,
                                       const std::string& id, const std::string& zone_id,
                                       const InstanceType& instance_type);

}  // namespace openecs
