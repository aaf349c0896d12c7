#pragma once
// The resource records the control plane keeps. Plain structs: the service layer owns them,
// the store persists them as JSON documents (to_json/from_json below), the API renders them.
// Every record has an `id` and a `version` (bumped on each durable write; the store refuses a
// write whose version does not match what it holds, so writers cannot silently overwrite).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/instance_state.h"

namespace openecs {

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};
using Tags = std::vector<Tag>;

// A time of day (UTC) when a host's maintenance may touch an instance: "HH:00:00Z" each.
struct MaintenanceWindow {
  std::string start_time, end_time;
  bool operator==(const MaintenanceWindow&) const = default;
};

struct Instance {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string zone_id;
  std::string name;
  std::string host_name;
  std::string description;
  std::string instance_type;
  int cpu = 0;
  int memory_mb = 0;
  int gpu = 0;
  std::string image_id;
  std::string vpc_id;
  std::string vswitch_id;
  std::string private_ip;
  std::vector<std::string> secondary_ips;  // of the primary ENI (AssignPrivateIpAddresses)
  std::vector<std::string> security_group_ids;
  std::vector<std::string> disk_ids;  // system disk first
  std::string key_pair_name;
  std::string password;      // kept for the guest's metadata; never returned by the API
  std::string vnc_password;  // 6 characters; applied at the guest's next start or reboot
  std::string vnc_url;       // where the host serves the guest's VNC (websocket), while running
  std::string public_ip;     // static public address (InternetMaxBandwidthOut > 0), "" if none
  bool public_ip_on_start = false;  // an economical stop took it: the next start gives one
  std::string user_data;            // Base64, as given
  // The metadata service (100.100.100.200) for this instance: enabled | disabled, and
  // optional | required (required: only requests carrying a token are answered).
  std::string metadata_http_endpoint = "enabled";
  std::string metadata_http_tokens = "optional";
  int metadata_hop_limit = 1;  // the TTL of the metadata token answer (DesiredVm)
  Tags tags;
  std::string charge_type = "PostPaid";  // PostPaid | PrePaid
  int period = 0;
  std::string period_unit;  // Month | Week
  int64_t expired_time = 0;
  std::string spot_strategy = "NoSpot";
  double spot_price_limit = 0;
  // Billing (service/billing_service.h). A subscription's renewal at expiry: AutoRenewal (for
  // auto_renew_period auto_renew_unit), Normal or NotRenewal.
  std::string renewal_status = "Normal";
  int auto_renew_period = 1;
  std::string auto_renew_unit = "Month";
  // A downgrade (ModifyPrepayInstanceSpec) waiting for the next renewal ("" none).
  std::string renewal_instance_type;
  // What the subscription's orders paid (nano-units) for the span from subscription_start to
  // expired_time: a refund gives back the unused share of it, never more.
  int64_t subscription_paid = 0;
  int64_t subscription_start = 0;
  // It was running when a financial lock stopped it: it starts again when paid (renewed, or
  // its account credited).
  bool restart_when_paid = false;
  // Spot: hours protected from reclaim after creation (0 or 1), what a reclaim does
  // (Terminate | Stop), and the notice: stopped or released at this time (0: none).
  int spot_duration = 1;
  std::string spot_interruption_behavior = "Terminate";
  int64_t spot_termination_time = 0;
  // OperationLocks: financial (expired subscription, overdue account), security (the
  // operator), Recycling (a spot instance being reclaimed). Mutations check them
  // (service/instance_locks.h).
  std::vector<std::string> operation_locks;
  std::string internet_charge_type = "PayByTraffic";
  int internet_max_bandwidth_out = 0;
  int internet_max_bandwidth_in = 0;
  bool deletion_protection = false;
  int64_t creation_time = 0;
  int64_t start_time = 0;
  int64_t auto_release_time = 0;  // ModifyInstanceAutoReleaseTime: released then (0: never)
  // ModifyInstanceMaintenanceAttributes: what a host's maintenance does to the guest
  // (Stop | AutoRecover | AutoRedeploy), whether the owner is told first, and when it may
  // happen. Kept and reported; OpenECS hosts raise no maintenance events yet.
  std::string maintenance_action = "AutoRecover";
  bool maintenance_notify = false;
  std::vector<MaintenanceWindow> maintenance_windows;

  InstanceStatus status = InstanceStatus::kPending;
  std::string stopped_mode = "Not-applicable";  // KeepCharging | StopCharging | Not-applicable
  InstanceTask task = InstanceTask::kNone;
  bool force_stop = false;  // the stop in flight is a hard power-off
  DesiredPower desired = DesiredPower::kStopped;
  int64_t reboot_seq = 0;  // bumped by each reboot request; the agent echoes what it did
  PowerState power = PowerState::kUnknown;  // last observed on the host
  std::string host_id;                      // where it is placed ("" if nowhere)
  bool claimed = false;                     // holds vCPU/memory on host_id
  std::string last_error;                   // why the last operation failed, for the user
  bool booted_once = false;                 // has reached Running at least once
  // HealthStatus: when the host last (re)started the guest, and whether its OS has shown it
  // is up since (Ok); Running without that for a while is Impaired (instance_health.h).
  int64_t boot_time = 0;
  bool guest_ready = false;
  // The deployment set it belongs to ("" if none) and, under AvailabilityGroup, its group
  // (1..7; 0 otherwise). Membership lives here only: a set's members are the instances naming it.
  std::string deployment_set_id;
  int deployment_set_group = 0;
  // The dedicated host it was placed on by request (RunInstances DedicatedHostId, "" if none):
  // it starts there only, and only instances of the host's account share it.
  std::string dedicated_host_id;
  // The RAM role the guest acts as (AttachInstanceRamRole, RunInstances RamRoleName; "" none):
  // the metadata service hands the guest STS credentials of it.
  std::string ram_role_name;

  bool operator==(const Instance&) const = default;
};

struct Disk {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string zone_id;
  std::string name;
  std::string description;
  std::string type;  // system | data
  std::string category;
  std::string performance_level;
  int size_gib = 0;
  std::string image_id;
  std::string snapshot_id;
  std::string instance_id;  // "" when not attached
  std::string device;       // /dev/xvda, /dev/xvdb ...
  // Creating (made from a snapshot) | Available | Attaching | In_use | Detaching | ReIniting
  std::string status = "Available";
  bool delete_with_instance = true;
  // PrePaid: bought with its subscription instance (not metered while attached to it).
  std::string charge_type = "PostPaid";
  bool delete_auto_snapshot = true;
  bool enable_auto_snapshot = false;
  bool portable = true;
  // The host whose disk pool holds the file ("" while no host has made it: a new disk is
  // made where it is first attached). Local storage (storage/local_storage.h) is host-local,
  // so the disk stays on that host; on storage hosts share (Host::storage, an RBD pool) it is
  // the host that last used it, and moves with its instance or an attach.
  std::string host_id;
  Tags tags;
  int64_t creation_time = 0;
  int64_t attached_time = 0;
  int64_t detached_time = 0;
  // A rebuild of the file by its host (CreateDisk from a snapshot, ResetDisk, ReInitDisk) while
  // the status is Creating or ReIniting: its number, its source (a snapshot; "" for the image
  // or empty), and the task that tracks it. Afterwards the disk is In_use if attached, else
  // Available (the only statuses a rebuild starts from).
  int64_t build_generation = 0;
  std::string build_snapshot_id;
  std::string build_task_id;
  std::string auto_snapshot_policy_id;  // "" when none is applied
};

// A point-in-time copy of a disk, kept in the snapshot store of the disk's host (outside the
// disk, so it outlives it). Made by the host; the record follows its progress.
struct Snapshot {
  std::string id;  // s-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string name;
  std::string description;
  std::string disk_id;  // the source disk (it may be gone since)
  std::string source_disk_type;
  std::string source_disk_category;
  int source_disk_size_gib = 0;
  std::string source_image_id;         // the system disk's image (what an image made from it boots)
  bool automatic = false;              // made by an automatic snapshot policy
  std::string host_id;                 // whose snapshot store holds the file
  std::string status = "progressing";  // progressing | accomplished | failed
  int progress = 0;                    // percent
  std::string checksum;                // sha256 of the file, once accomplished
  int64_t size_bytes = 0;
  std::string error;  // why it failed
  std::string task_id;
  int retention_days = 0;
  Tags tags;
  int64_t creation_time = 0;
  int64_t last_modified_time = 0;
};

// A long piece of work (a snapshot, a disk rebuilt from a snapshot, an image): what
// DescribeTasks shows. The work itself is driven by the records it changes (the snapshot, the
// disk), so it resumes after a restart; the task follows it to Finished or Failed.
// A custom image (CreateImage, ImportImage): a whole qcow2 copy of a system disk in the image
// store of the host that made it, with the boot files (kernel, initrd, command line) of the
// image the disk came from; an imported one boots with its own boot loader.
struct CustomImage {
  std::string id;  // m-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string name;
  std::string description;
  std::string status = "Creating";  // Creating | Available | CreateFailed
  int progress = 0;
  std::string snapshot_id;         // the source (CreateImage from an instance makes one)
  std::string source_instance_id;  // CreateImage from an instance
  std::string boot_image_id;       // whose kernel and initrd it boots with ("": its own loader)
  std::string import_url;          // ImportImage: an http(s) URL or a path on the host
  std::string import_format;       // qcow2 | raw | vmdk | vhd
  std::string host_id;             // whose image store holds it (and makes and exports it)
  // The storage the image's disk and boot files live in when hosts share it (Host::storage, an
  // RBD pool): any host of it can start the image's instances. "": only host_id's store has it.
  std::string storage;
  int size_gib = 0;  // the smallest system disk it fits
  int64_t size_bytes = 0;
  std::string os_name;
  std::string os_type = "linux";
  std::string platform;
  std::string architecture = "x86_64";
  std::string error;
  std::string task_id;
  std::vector<std::string> shared_with;  // account ids (ModifyImageSharePermission)
  // An export under way (ExportImage): its task, "<bucket>/<object>" and format.
  std::string export_task_id, export_object, export_format;
  Tags tags;
  int64_t creation_time = 0;
};

// An automatic snapshot policy: at each of its hours (UTC) on each of its weekdays, every disk
// it is applied to gets a snapshot, kept `retention_days` (-1: until deleted).
struct AutoSnapshotPolicy {
  std::string id;  // sp-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string name;
  std::vector<int> time_points;      // hours 0..23
  std::vector<int> repeat_weekdays;  // 1 (Monday) .. 7 (Sunday)
  int retention_days = -1;
  Tags tags;
  int64_t creation_time = 0;
  int64_t last_run = 0;  // the scheduled time of the last round it made
};

struct Task {
  std::string id;  // t-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string action;                 // CreateSnapshot | CreateDisk | ResetDisk | ReInitDisk | ...
  std::string resource_id;            // what it works on (a disk, a snapshot)
  std::string status = "Processing";  // Processing | Finished | Failed
  int progress = 0;                   // percent
  std::string error_code, error_message;
  int64_t creation_time = 0;
  int64_t finished_time = 0;
};

struct Vpc {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string name;
  std::string description;
  std::string cidr_block;
  std::string vrouter_id;
  std::string route_table_id;  // its system route table (a RouteTable record)
  int vni = 0;                 // its VXLAN segment between hosts: 1..2^24-1, unique among the VPCs
  Tags tags;
  int64_t creation_time = 0;
};

// A VPC's system route table (made and deleted with the VPC): what ModifyRouteTableAttributes
// and the VPC API's tags change. Its entries are the VPC's vSwitch blocks and RouteEntry records.
struct RouteTable {
  std::string id;  // vtb-..., the VPC's route_table_id
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string vpc_id;
  std::string name;
  std::string description;
  Tags tags;
  int64_t creation_time = 0;
};

// A custom entry of a VPC's (system) route table (CreateRouteEntry): traffic to `destination`
// goes to the next hop, an instance (its primary ENI) or an ENI of the VPC, which may forward
// it; that ENI may also send from addresses in `destination` (the replies it forwards). An
// entry whose next hop is gone (released, deleted) stays and routes nothing, as a blackhole
// route would, until it is deleted.
struct RouteEntry {
  std::string id;  // rte-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string vpc_id;
  std::string route_table_id;
  std::string destination;    // a normalized IPv4 CIDR block
  std::string next_hop_type;  // Instance | NetworkInterface
  std::string next_hop_id;
  std::string name;
  std::string description;
  int64_t creation_time = 0;
};

struct VSwitch {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string vpc_id;
  std::string zone_id;
  std::string name;
  std::string description;
  std::string cidr_block;
  Tags tags;
  int64_t creation_time = 0;
};

struct SecurityGroupRule {
  std::string id;           // sgr-...
  std::string direction;    // ingress | egress
  std::string ip_protocol;  // TCP | UDP | ICMP | GRE | ALL (upper case)
  std::string port_range;   // "22/22" or "-1/-1"
  std::string source_cidr_ip;
  std::string source_group_id;
  std::string dest_cidr_ip;
  std::string dest_group_id;
  std::string source_port_range;
  std::string policy = "accept";  // accept | drop
  int priority = 1;
  std::string nic_type = "intranet";
  std::string description;
  int64_t create_time = 0;
};

struct SecurityGroup {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string vpc_id;
  std::string name;
  std::string description;
  std::string type = "normal";  // normal | enterprise
  std::string inner_access_policy = "Accept";
  std::vector<SecurityGroupRule> rules;
  Tags tags;
  int64_t creation_time = 0;
};

// ECS identifies key pairs by name, unique within an account (two accounts may each have a
// "deploy"): the record's key is "<account_id>/<name>", as RAM names are (model/ram.h).
inline std::string KeyPairKey(const std::string& account_id, const std::string& name) {
  return account_id + "/" + name;
}

struct KeyPair {
  std::string id;  // KeyPairKey(account_id, name)
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string key_pair_id;  // kp-...
  std::string public_key;
  std::string fingerprint;
  Tags tags;
  int64_t creation_time = 0;
  std::string name;  // the KeyPairName the API shows and looks up (with the caller's account)
};

// An elastic IP address (VPC API): allocated on its own, associated with one instance at a time,
// and kept when that instance is released.
struct EipAddress {
  std::string id;  // eip-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string ip_address;
  std::string name;
  std::string description;
  int bandwidth = 5;  // Mbps
  std::string internet_charge_type = "PayByTraffic";
  std::string instance_id;  // "" while Available
  Tags tags;
  int64_t creation_time = 0;
};

// A secondary elastic network interface. (An instance's primary ENI is not a record: it is
// the instance's own VPC fields, see service/eni_service.h.) Created Available in a vSwitch,
// attached to one instance of its VPC and zone at a time (InUse), detached when that instance
// is released.
struct NetworkInterface {
  std::string id;  // eni-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string zone_id;
  std::string vpc_id;
  std::string vswitch_id;
  std::string name;
  std::string description;
  std::string primary_ip;
  std::vector<std::string> secondary_ips;
  std::vector<std::string> security_group_ids;
  std::string instance_id;  // "" while Available
  int device_index = 0;     // 1.. on its instance (0 is the primary ENI)
  Tags tags;
  int64_t creation_time = 0;
};

// A host registered by an agent.
struct Host {
  std::string id;
  int64_t version = 0;
  std::string name;
  std::string zone_id;
  int vcpus = 0;
  int64_t memory_mb = 0;
  int64_t disk_gib = 0;
  int gpus = 0;
  std::string gpu_spec;
  bool kvm = false;
  std::string driver;
  bool vpc_data_plane = false;  // see HostInfo
  std::string underlay_ip;      // see HostInfo
  std::string storage;          // see HostInfo
  int64_t last_seen = 0;        // when it last registered
  // When the server declared it lost (its agent silent for --host-lost-after,
  // service/host_health.h); 0 while it answers. A lost host is given no instance.
  int64_t lost_since = 0;
  // sha256 of the host's own credential (api/agent_endpoint.h), issued when a remote agent
  // enrols; "" for the embedded agent of `ecsd dev`, which needs none.
  std::string key_hash;
};

// A ClientToken remembered with the request it came with and the answer it got
// (api/client_token.h). Pending: the call's changes are committed (recorded in the same
// commit, with the records it made) but its answer is not yet.
struct IdempotencyRecord {
  std::string id;  // account/action/token
  int64_t version = 0;
  std::string fingerprint;  // hash of the canonical parameters
  std::string response;     // JSON body of the first success
  int64_t created = 0;
  bool pending = false;
  std::vector<std::string> made;  // "<kind>:<id>" of every record the call created
};

// A system event of an instance (DescribeInstanceHistoryEvents): something the platform did to
// it and why, in the host's words. Kept after the instance is released, so a user whose
// instance vanished can still learn why.
struct InstanceEvent {
  std::string id;  // e-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string instance_id;
  std::string event_type;                 // SystemFailure.Delete | SystemFailure.Stop | ...
  std::string cycle_status = "Executed";  // what the platform did is done when it is recorded
  std::string reason;                     // for the user: what failed and the host's reason
  std::string host_id;
  int64_t publish_time = 0;
  int64_t finish_time = 0;
};

// What one version of a launch template presets: RunInstances parameters under their wire names
// ("ImageId", "SystemDisk.Size", "DataDisk.2.Category", "Tag.1.Key", ...), values as text
// (booleans "true"/"false"). A version is exactly "the parameters a RunInstances call leaves
// out", so it is kept in the form it is merged in (service/launch_template_service.h).
using LaunchTemplateData = std::map<std::string, std::string>;

struct LaunchTemplateVersion {
  int64_t number = 0;  // 1.., never reused within its template
  std::string description;
  std::string created_by;  // the account that made it
  int64_t creation_time = 0;
  int64_t modified_time = 0;
  LaunchTemplateData data;
};

// A launch template (CreateLaunchTemplate): named presets for RunInstances, in numbered versions
// (at most 30), one of them the default. Its versions live in the record: they are small, few,
// and always read with their template.
struct LaunchTemplate {
  std::string id;  // lt-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string name;  // unique per account
  std::string resource_group_id;
  int64_t default_version = 1;
  int64_t last_number = 0;                      // the highest version number ever given
  std::vector<LaunchTemplateVersion> versions;  // by number, ascending
  Tags tags;                                    // TemplateTag.N: the template's own tags
  int64_t creation_time = 0;
  int64_t modified_time = 0;
};

// A deployment set (CreateDeploymentSet): a placement rule over the instances that name it
// (Instance::deployment_set_id), enforced by the scheduler (service/deployment_set_service.h).
struct DeploymentSet {
  std::string id;  // ds-...
  int64_t version = 0;
  std::string account_id;
  std::string region_id;
  std::string name;
  std::string description;
  std::string strategy = "Availability";  // Availability | AvailabilityGroup | LowLatency
  int group_count = 0;                    // AvailabilityGroup: 1..7 (0 for the others)
  std::string on_unable_to_redeploy = "CancelMembershipAndStart";  // | KeepStopped
  // The deprecated Domain ("Default") and Granularity ("Host"), as given ("" if not): read back
  // as given, so a configuration that names them (Terraform's) sees no difference.
  std::string domain, granularity;
  int64_t creation_time = 0;
};

// A dedicated host (AllocateDedicatedHosts, service/dedicated_host_service.h): one registered
// machine (Host) reserved whole for one account; no other account's instance is placed on it.
struct DedicatedHost {
  std::string id;  // dh-...
  int64_t version = 0;
  std::string account_id;
  std::string resource_group_id;  // "": the account's default group
  std::string region_id;
  std::string zone_id;
  std::string host_id;  // the machine
  std::string name;
  std::string description;
  std::string type;                               // ddh.<instance family>
  std::string charge_type = "PostPaid";           // PostPaid (OpenECS has no subscription DDH)
  std::string auto_placement = "on";              // on | off: Tenancy=host without an id
  std::string action_on_maintenance = "Migrate";  // Migrate | Stop (when the machine is lost)
  Tags tags;
  int64_t creation_time = 0;
};

// A metric alarm rule (CloudMonitor PutResourceMetricRule, service/alarm_service.h): a
// statistic of one acs_ecs_dashboard metric over `period`, compared with a threshold for each
// of its instances; `times` breaches in a row raise the alert, one evaluation without a breach
// clears it, and each change is posted to the webhook.
struct MetricRule {
  std::string id;  // the caller's RuleId
  int64_t version = 0;
  std::string account_id;
  std::string name;
  std::string metric_namespace = "acs_ecs_dashboard";
  std::string metric_name;
  std::vector<std::string> resources;  // instance ids
  std::string resources_text;          // Resources as given (read back as given)
  int period = 60;
  std::string level = "Critical";  // the escalation given: Critical | Warn | Info
  std::string statistics = "Average";
  std::string comparison = "GreaterThanThreshold";
  double threshold = 0;
  std::string threshold_text;
  int times = 1;
  std::string webhook;
  std::string contact_groups;
  int silence_time = 86400;
  std::string no_data_policy = "KEEP_LAST_STATE";
  bool enabled = true;
  // Per instance: the alert state (OK | ALARM) and the breaches in a row.
  std::map<std::string, std::string> states;
  std::map<std::string, int> breaches;
  std::map<std::string, int64_t> notified;  // when its last alert was sent (silence)
  int64_t evaluated_until = 0;              // the last minute evaluated (its start)
  int64_t creation_time = 0;
  int64_t update_time = 0;
};

// A resource group (Resource Manager): a named set of an account's resources, for ordering and,
// with RAM, for permissions. Every account also has a default group, which is not a record
// (service/resource_group_service.h); a resource whose resource_group_id is "" is in it.
struct ResourceGroup {
  std::string id;  // rg-...
  int64_t version = 0;
  std::string account_id;
  std::string name;  // unique in the account
  std::string display_name;
  int64_t creation_time = 0;
};

// An account (a tenant): it owns resources and signs with its own AccessKey (more keys, RAM users
// and roles: model/ram.h). Made by `ecsd account create` (service/account_service.h).
struct Account {
  std::string id;
  int64_t version = 0;
  std::string name;
  std::string access_key_id;
  std::string access_key_secret;
  int64_t creation_time = 0;
  // The operator's overrides of this account's quotas (`ecsd account set-quota`), by quota name
  // (service/quota_service.h); a quota not here takes the cloud's default.
  std::map<std::string, int64_t> quotas;
};

void to_json(nlohmann::json& j, const Tag& v);
void from_json(const nlohmann::json& j, Tag& v);
void to_json(nlohmann::json& j, const EipAddress& v);
void to_json(nlohmann::json& j, const NetworkInterface& v);
void from_json(const nlohmann::json& j, NetworkInterface& v);
void from_json(const nlohmann::json& j, EipAddress& v);
void to_json(nlohmann::json& j, const Instance& v);
void from_json(const nlohmann::json& j, Instance& v);
void to_json(nlohmann::json& j, const CustomImage& v);
void from_json(const nlohmann::json& j, CustomImage& v);
void to_json(nlohmann::json& j, const AutoSnapshotPolicy& v);
void from_json(const nlohmann::json& j, AutoSnapshotPolicy& v);
void to_json(nlohmann::json& j, const Task& v);
void from_json(const nlohmann::json& j, Task& v);
void to_json(nlohmann::json& j, const InstanceEvent& v);
void from_json(const nlohmann::json& j, InstanceEvent& v);
void to_json(nlohmann::json& j, const Disk& v);
void from_json(const nlohmann::json& j, Disk& v);
void to_json(nlohmann::json& j, const Vpc& v);
void from_json(const nlohmann::json& j, Vpc& v);
void to_json(nlohmann::json& j, const ResourceGroup& v);
void from_json(const nlohmann::json& j, ResourceGroup& v);
void to_json(nlohmann::json& j, const RouteTable& v);
void from_json(const nlohmann::json& j, RouteTable& v);
void to_json(nlohmann::json& j, const RouteEntry& v);
void from_json(const nlohmann::json& j, RouteEntry& v);
void to_json(nlohmann::json& j, const VSwitch& v);
void from_json(const nlohmann::json& j, VSwitch& v);
void to_json(nlohmann::json& j, const SecurityGroupRule& v);
void from_json(const nlohmann::json& j, SecurityGroupRule& v);
void to_json(nlohmann::json& j, const SecurityGroup& v);
void from_json(const nlohmann::json& j, SecurityGroup& v);
void to_json(nlohmann::json& j, const KeyPair& v);
void from_json(const nlohmann::json& j, KeyPair& v);
void to_json(nlohmann::json& j, const Snapshot& v);
void from_json(const nlohmann::json& j, Snapshot& v);
void to_json(nlohmann::json& j, const Host& v);
void from_json(const nlohmann::json& j, Host& v);
void to_json(nlohmann::json& j, const IdempotencyRecord& v);
void from_json(const nlohmann::json& j, IdempotencyRecord& v);
void to_json(nlohmann::json& j, const Account& v);
void from_json(const nlohmann::json& j, Account& v);
void to_json(nlohmann::json& j, const LaunchTemplateVersion& v);
void from_json(const nlohmann::json& j, LaunchTemplateVersion& v);
void to_json(nlohmann::json& j, const LaunchTemplate& v);
void from_json(const nlohmann::json& j, LaunchTemplate& v);
void to_json(nlohmann::json& j, const DeploymentSet& v);
void from_json(const nlohmann::json& j, DeploymentSet& v);
void to_json(nlohmann::json& j, const DedicatedHost& v);
void from_json(const nlohmann::json& j, DedicatedHost& v);
void to_json(nlohmann::json& j, const MetricRule& v);
void from_json(const nlohmann::json& j, MetricRule& v);

}  // namespace openecs
