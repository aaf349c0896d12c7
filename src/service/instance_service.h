#pragma once
// Instance lifecycle: creation (RunInstances/CreateInstance), power operations, release and
// attribute changes. Each call validates, then in one transaction changes the records and sets
// the task and desired power state, then returns; the host agent and the instance reconciler
// (agent_service.h) carry the operation to completion.
#include <optional>
#include <string>
#include <vector>

#include "model/catalogue.h"
#include "service/cloud.h"

namespace openecs {

struct DiskRequest {
  std::string category;
  std::string performance_level;
  std::string name, description, snapshot_id, device;
  // 0: a system disk gets its image's size (at least kDefaultSystemDiskGib), a data disk made
  // from a snapshot the snapshot's.
  int size_gib = 0;
  bool delete_with_instance = true;
};
inline constexpr int kDefaultSystemDiskGib = 20;

// Category, size (for the category, and at least the image's for a system disk) and ESSD
// performance level of a disk about to be made.
Status ValidateDisk(const DiskRequest& d, bool system, int image_min_gib);

struct RunRequest {
  std::string account_id, region_id, zone_id;
  std::string image_id, instance_type, vswitch_id, private_ip;
  std::vector<std::string> security_group_ids;
  std::string name, host_name, description, key_pair_name, password, user_data;
  std::string metadata_http_endpoint = "enabled", metadata_http_tokens = "optional";
  int metadata_hop_limit = 1;
  bool unique_suffix = false;
  DiskRequest system_disk;
  std::vector<DiskRequest> data_disks;
  Tags tags;
  std::string charge_type = "PostPaid";
  int period = 0;
  std::string period_unit = "Month";
  bool auto_renew = false;  // PrePaid: renewed at expiry for auto_renew_period period_units
  int auto_renew_period = 1;
  std::string spot_strategy = "NoSpot";
  double spot_price_limit = 0;
  int spot_duration = 1;                                 // hours protected from reclaim: 0 or 1
  std::string spot_interruption_behavior = "Terminate";  // | Stop
  std::string internet_charge_type = "PayByTraffic";
  int internet_max_bandwidth_out = 0;
  int internet_max_bandwidth_in = 0;
  bool deletion_protection = false;
  int amount = 1;
  int min_amount = 0;  // 0 = same as amount
  bool start = true;   // RunInstances starts; CreateInstance leaves the instance Stopped
  // RunInstances gives a public IP when InternetMaxBandwidthOut > 0; CreateInstance does not
  // (AllocatePublicIpAddress does, later).
  bool public_ip = true;
  bool dry_run = false;
  // The deployment set the instances join, and their group (AvailabilityGroup; 0: spread evenly).
  // Its rule is part of placement (service/deployment_set_service.h).
  std::string deployment_set_id;
  int deployment_set_group = 0;
  // The group of the instances and of the disks made with them (resource_group_service.h).
  std::optional<std::string> resource_group_id;
  // RamRoleName: a role of the account whose trust policy names ecs.aliyuncs.com ("" none).
  std::string ram_role_name;
  // DedicatedHostId: the account's dedicated host the instances go to, and stay on ("" a shared
  // host; service/dedicated_host_service.h).
  std::string dedicated_host_id;
};

// Creates min_amount..amount instances (as many as capacity allows, all or nothing below
// min_amount -> OperationDenied.NoStock). Returns their ids in creation order.
// What RunInstances charged: a subscription's order (OrderId, its total) or, pay-as-you-go,
// the hourly price of the instances (service/billing_service.h).
struct RunOrder {
  std::string order_id;
  int64_t trade_price = 0;  // nano-units
};
Result<std::vector<std::string>> RunInstances(Cloud& cloud, const RunRequest& r,
                                              RunOrder* order = nullptr);

enum class BatchMode { kAllTogether, kSuccessFirst };

// Per-instance outcome of a batch power operation.
struct BatchResult {
  std::string instance_id;
  std::optional<Error> error;
  InstanceStatus previous = InstanceStatus::kStopped;
  InstanceStatus current = InstanceStatus::kStopped;
};

struct PowerRequest {
  std::string account_id;
  std::vector<std::string> instance_ids;
  bool force = false;                         // ForceStop / ForceReboot / Force (release)
  std::string stopped_mode = "KeepCharging";  // StopInstance(s)
  bool dry_run = false;
  BatchMode mode = BatchMode::kAllTogether;
  bool by_platform = false;  // a release the platform makes (auto-release): no protection
};

// A request the platform makes on its own (auto-release, billing): forced, past deletion
// protection, each instance on its own (SuccessFirst).
inline PowerRequest PlatformRequest(std::string account_id, std::vector<std::string> ids) {
  PowerRequest r;
  r.account_id = std::move(account_id);
  r.instance_ids = std::move(ids);
  r.force = true;
  r.by_platform = true;
  r.mode = BatchMode::kSuccessFirst;
  return r;
}

// AllTogether: every instance must qualify or nothing changes (first error returned).
// SuccessFirst: each instance is tried on its own; errors are reported per instance.
Result<std::vector<BatchResult>> StartInstances(Cloud& cloud, const PowerRequest& r);
Result<std::vector<BatchResult>> StopInstances(Cloud& cloud, const PowerRequest& r);
Result<std::vector<BatchResult>> RebootInstances(Cloud& cloud, const PowerRequest& r);
// Release. `force` allows releasing a running instance; DeletionProtection refuses.
Result<std::vector<BatchResult>> DeleteInstances(Cloud& cloud, const PowerRequest& r);

// The mode a stop leaves `i` in: StopCharging when an economical stop is asked for and `i` is
// pay-as-you-go without local disks (their data stays on the host, with its capacity), else
// KeepCharging. StopInstances' rule, and a lost host's (host_health.h).
std::string StoppedModeOf(const Instance& i, bool economical);

struct ModifyInstanceRequest {
  std::string account_id, instance_id;
  std::optional<std::string> name, description, host_name, password, user_data, vnc_password;
  std::optional<std::string> metadata_http_endpoint, metadata_http_tokens;  // see Instance
  std::optional<int> metadata_hop_limit;
  std::optional<bool> deletion_protection;
  std::optional<std::vector<std::string>> security_group_ids;
  bool dry_run = false;
};
Status ModifyInstanceAttribute(Cloud& cloud, const ModifyInstanceRequest& r);

// ModifyInstanceSpec for a pay-as-you-go instance: a Stopped instance takes another instance
// type (vCPU, memory, GPUs), which its next start boots with. An instance that still holds
// its host's capacity (stopped in KeepCharging mode) keeps its place only if the host has room
// for the new type (else OperationDenied.NoStock and nothing changes); one stopped in
// StopCharging mode is placed again at its next start. Types with local disks (the guest's
// disks would change) cannot be moved to or from. Subscription instances: ChargeTypeViolation.
Status ModifyInstanceSpec(Cloud& cloud, const std::string& account_id,
                          const std::string& instance_id, const std::string& instance_type,
                          bool dry_run);
// ModifyInstanceSpec's rules for what `i` may become with instance type `to`, status and
// charge type aside (DescribeResourcesModification asks the same): `i` with the new vCPUs,
// memory and GPUs; InvalidInstanceType to or from a type with local disks; NoStock when `i`
// holds a claim on a host that has no room for the new size beside everything else it runs.
Result<Instance> WithInstanceType(const State& s, const Instance& i, const InstanceType& to);

// ModifyInstanceAutoReleaseTime: a pay-as-you-go instance is released at `when` (epoch
// seconds, at least 30 minutes and at most 3 years after `now`; 0 cancels), whatever its state
// and its deletion protection, as ECS does; ReleaseDueInstances (called by the server's clock
// tick) carries it out and returns how many releases it started.
Status ModifyAutoReleaseTime(Cloud& cloud, const std::string& account_id,
                             const std::string& instance_id, int64_t when, int64_t now);
int ReleaseDueInstances(Cloud& cloud, int64_t now);

// ModifyInstanceMaintenanceAttributes on each of `instance_ids` (all or none): the action
// (Stop | AutoRecover | AutoRedeploy), the notice, and the windows ("HH:00:00Z" start and end,
// UTC, different; at most 1 window as ECS allows today). Unset fields stay as they are.
struct MaintenanceChange {
  std::optional<std::string> action;
  std::optional<bool> notify;
  std::optional<std::vector<MaintenanceWindow>> windows;
};
Status ModifyMaintenanceAttributes(Cloud& cloud, const std::string& account_id,
                                   const std::vector<std::string>& instance_ids,
                                   const MaintenanceChange& change);

// JoinSecurityGroup / LeaveSecurityGroup: Running or Stopped instances only; at most five groups
// of the instance's own VPC; never none. Rules change on the host at once (no restart).
Status JoinSecurityGroup(Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id, const std::string& group_id);
Status LeaveSecurityGroup(Cloud& cloud, const std::string& account_id,
                          const std::string& instance_id, const std::string& group_id);

// Validators shared with other services.
Status ValidatePassword(const std::string& p);
// ModifyInstanceVncPasswd: exactly 6 letters and digits.
Status ValidateVncPassword(const std::string& p);
Status ValidateUserData(const std::string& base64);
// A host name as ECS takes it; `batch_pattern`: RunInstances' "name-[begin,digits]" form.
Status ValidateHostName(const std::string& name, bool batch_pattern = false);
// HttpEndpoint enabled|disabled, HttpTokens optional|required.
Status ValidateMetadataOptions(const std::string& endpoint, const std::string& tokens);

}  // namespace openecs
