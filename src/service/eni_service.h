#pragma once
// Elastic network interfaces (ENIs), as ECS has them.
//
// Every instance in a VPC has a primary ENI. It is not a record of its own: its id is
// PrimaryEniId(instance id), and its vSwitch, address and security groups are the instance's
// own fields (ModifyNetworkInterfaceAttribute on it changes the instance's groups;
// AssignPrivateIpAddresses adds to Instance::secondary_ips). It is never detached or deleted
// on its own.
//
// Secondary ENIs are NetworkInterface records: created Available in a vSwitch (the zone is the
// vSwitch's) with 1-5 security groups of its VPC and a primary address; attached to a Running
// or Stopped instance of the same VPC and zone, up to the instance type's ENI count (InUse;
// the host hot-plugs it into a running guest); detached (Available again) by
// DetachNetworkInterface or when the instance is released; deleted only while Available.
//
// Secondary private addresses: up to the instance type's per-ENI count (10 on an ENI that is
// not attached), from the ENI's vSwitch, each unique in it. The guest configures them itself
// (as on ECS); the data plane routes them to the ENI and lets the ENI send from them.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

std::string PrimaryEniId(const std::string& instance_id);

// One ENI as the API shows it, primary or secondary.
struct EniView {
  std::string id;
  bool primary = false;
  std::string status;  // Available | InUse
  std::string account_id, region_id, zone_id, vpc_id, vswitch_id;
  std::string name, description, mac, primary_ip;
  std::vector<std::string> secondary_ips, security_group_ids;
  std::string instance_id;
  int device_index = 0;
  // As stored (resource_group_service.h): a primary ENI is in its instance's group.
  std::string resource_group_id;
  Tags tags;
  int64_t creation_time = 0;
};
// The primary ENI of an instance in a VPC; a secondary ENI.
EniView ViewOf(const Instance& i);
EniView ViewOf(const NetworkInterface& e);
// Every ENI of every account: primaries (in instance order), then secondaries.
std::vector<EniView> ListEnis(const State& s);
std::optional<EniView> FindEni(const State& s, const std::string& eni_id);
// The secondary ENIs attached to an instance, by device index.
std::vector<const NetworkInterface*> AttachedEnis(const State& s, const std::string& instance_id);

struct CreateEniRequest {
  std::string account_id, region_id, vswitch_id;
  std::vector<std::string> security_group_ids;
  std::string primary_ip;                  // "" picks one
  std::vector<std::string> secondary_ips;  // PrivateIpAddress.N
  int secondary_count = 0;                 // SecondaryPrivateIpAddressCount
  std::string name, description;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
  Tags tags;
};
Result<NetworkInterface> CreateNetworkInterface(Cloud& cloud, const CreateEniRequest& r);
Status AttachNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id, const std::string& instance_id);
Status DetachNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id, const std::string& instance_id);
Status DeleteNetworkInterface(Cloud& cloud, const std::string& account_id,
                              const std::string& eni_id);

struct ModifyEniRequest {
  std::string account_id, eni_id;
  std::optional<std::vector<std::string>> security_group_ids;
  std::optional<std::string> name, description;
};
Status ModifyNetworkInterface(Cloud& cloud, const ModifyEniRequest& r);

// Returns the addresses assigned: `ips` as given, then `count` more picked from the vSwitch.
Result<std::vector<std::string>> AssignPrivateIps(Cloud& cloud, const std::string& account_id,
                                                  const std::string& eni_id,
                                                  const std::vector<std::string>& ips, int count);
Status UnassignPrivateIps(Cloud& cloud, const std::string& account_id, const std::string& eni_id,
                          const std::vector<std::string>& ips);

// ModifyInstanceVpcAttribute: moves a Stopped instance's primary ENI to another vSwitch of
// its zone and/or another private address; with `vpc_id` (and the groups to join there) to
// another VPC, which needs no secondary ENI attached, no EIP and no secondary addresses. The
// guest gets the new address by DHCP at its next start.
struct ModifyVpcAttributeRequest {
  std::string account_id, instance_id, vswitch_id;
  std::string private_ip;  // "" keeps it when the vSwitch stays, else picks one
  std::string vpc_id;      // "" = the instance's VPC
  std::vector<std::string> security_group_ids;
};
Status ModifyInstanceVpcAttribute(Cloud& cloud, const ModifyVpcAttributeRequest& r);

// On release of an instance: its secondary ENIs become Available.
void DetachEnisOf(Txn& txn, const std::string& instance_id);
// ENIs the instance's host `refused` to hot-plug: detached again (Available), if still attached
// to it; the reason is logged (the attach failed; nothing is kept).
void SettleEnis(Txn& txn, const Instance& inst, const std::map<std::string, std::string>& refused);

}  // namespace openecs
