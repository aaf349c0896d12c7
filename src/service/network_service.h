#pragma once
// VPCs, vSwitches and security groups: the records and their validation. The data plane
// (net/vpc_network) builds what these records say, on every host that has their instances.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ipv4.h"
#include "service/cloud.h"

namespace openecs {

struct CreateVpcRequest {
  std::string account_id, region_id, cidr_block, name, description;
  Tags tags;
  bool dry_run = false;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
};
Result<Vpc> CreateVpc(Cloud& cloud, const CreateVpcRequest& r);
// Brings VPC records made by older versions up to date, at startup: a VXLAN segment number for
// each VPC without one (before multi-host VPCs), a RouteTable record for each VPC without one
// (before route tables were records).
Status UpgradeVpcRecords(Cloud& cloud);
Status ModifyVpc(Cloud& cloud, const std::string& account_id, const std::string& vpc_id,
                 const std::optional<std::string>& name,
                 const std::optional<std::string>& description);
// The vSwitch's name and description (ModifyVSwitchAttribute).
Status ModifyVSwitch(Cloud& cloud, const std::string& account_id, const std::string& vswitch_id,
                     const std::optional<std::string>& name,
                     const std::optional<std::string>& description);
// Refused with DependencyViolation while vSwitches or security groups remain.
Status DeleteVpc(Cloud& cloud, const std::string& account_id, const std::string& vpc_id,
                 bool dry_run);

struct CreateVSwitchRequest {
  std::string account_id, region_id, vpc_id, zone_id, cidr_block, name, description;
  Tags tags;
  bool dry_run = false;
};
Result<VSwitch> CreateVSwitch(Cloud& cloud, const CreateVSwitchRequest& r);
// Refused with DependencyViolation while instances use it.
Status DeleteVSwitch(Cloud& cloud, const std::string& account_id, const std::string& vswitch_id,
                     bool dry_run);
// Free private addresses of a vSwitch (ECS reserves the first and the last three).
int64_t AvailableIpCount(const State& s, const VSwitch& vsw);

// Addresses a vSwitch can hand out: all but the network address and the last three (the
// gateway is the third-last). `used`: instances' and ENIs' primary and secondary addresses.
// A vSwitch's private addresses for one operation: the ones records hold (State::index, which
// follows the records as the operation puts them) and what the operation took or let go of
// before its records say so. The network, the first address and the last three are never given.
struct IpPool {
  Cidr cidr;
  const StateIndex::Addresses* held = nullptr;  // the index's, for this vSwitch (null: none)
  std::set<uint32_t> taken, released;

  bool Usable(uint32_t ip) const { return ip > cidr.first() && ip + 3 <= cidr.last(); }
  bool InUse(uint32_t ip) const {
    return !released.count(ip) && (taken.count(ip) || (held && held->Holds(ip)));
  }
  void Take(uint32_t ip) {
    taken.insert(ip);
    released.erase(ip);
  }
  void Release(uint32_t ip) {
    released.insert(ip);
    taken.erase(ip);
    if (ip < cursor_) cursor_ = ip;
  }
  // Addresses in use (each usable: records only hold addresses of their vSwitch's block).
  int64_t InUseCount() const;
  // The lowest free address, now taken; nullopt when the block is full.
  std::optional<uint32_t> Next();

 private:
  uint32_t cursor_ = 0;  // every usable address below it is in use
};
IpPool PoolOf(const State& s, const VSwitch& vsw);

struct CreateSecurityGroupRequest {
  std::string account_id, region_id, vpc_id, name, description, type;
  Tags tags;
  bool dry_run = false;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
};
Result<SecurityGroup> CreateSecurityGroup(Cloud& cloud, const CreateSecurityGroupRequest& r);
// Refused with DependencyViolation while instances are members or other groups' rules name it.
Status DeleteSecurityGroup(Cloud& cloud, const std::string& account_id, const std::string& sg_id);

// Adds rules (direction set on each). Rules equal to an existing one are ignored, as on ECS.
Status AuthorizeRules(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                      std::vector<SecurityGroupRule> rules);
// Removes rules matching by id or by value; unknown rules are ignored (as on ECS).
Status RevokeRules(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                   const std::vector<std::string>& rule_ids,
                   const std::vector<SecurityGroupRule>& rules);
// ModifySecurityGroupAttribute: the name and/or the description.
Status ModifySecurityGroupAttribute(Cloud& cloud, const std::string& account_id,
                                    const std::string& sg_id,
                                    const std::optional<std::string>& name,
                                    const std::optional<std::string>& description);
// ModifySecurityGroupPolicy: InnerAccessPolicy "Accept" or "Drop" (any case).
Status ModifySecurityGroupPolicy(Cloud& cloud, const std::string& account_id,
                                 const std::string& sg_id, const std::string& policy);
// ModifySecurityGroupRule / ModifySecurityGroupEgressRule. The rule is `rule_id`, or without
// one the rule of `direction` with the protocol, ports, peer and NIC type in `fields` (the
// wire names: IpProtocol, PortRange, SourceCidrIp, ...). By id, every field given replaces
// the rule's; by value, Policy, Priority and Description do. The result is validated like a
// new rule (and its peer group must exist). SecurityGroupRule.NotFound if no rule matches.
Status ModifyRule(Cloud& cloud, const std::string& account_id, const std::string& sg_id,
                  const std::string& direction, const std::string& rule_id,
                  const std::map<std::string, std::string>& fields);
// The wire names of a rule's fields (IpProtocol, PortRange, SourceCidrIp, ..., Description).
const std::vector<std::string>& RuleFieldNames();
// Sets the fields given in `fields` by wire name (empty values are ignored) on `r`. A Priority
// that is not a number becomes 0, which NormaliseRule refuses.
void SetRuleFields(SecurityGroupRule& r, const std::map<std::string, std::string>& fields);
// Validates and normalises one rule in place (protocol upper case, port range, CIDRs, policy,
// priority); errors name the offending field.
Status NormaliseRule(SecurityGroupRule& rule);

}  // namespace openecs
