#pragma once
// What the data plane enforces for an instance's network interface, from the security group
// records (ECS semantics):
// - the rules of every group the instance is in, merged, ordered by Priority (1 first) and,
//   at equal priority, drop before accept;
// - a rule naming a source (ingress) or destination (egress) group applies to the private
//   addresses of that group's instances; a rule with a CIDR applies to that block;
// - a group whose InnerAccessPolicy is Accept lets its own members in (after the explicit
//   rules, so a drop rule still wins);
// - ingress that nothing accepts is dropped; egress that nothing drops is accepted.
#include <map>
#include <string>
#include <vector>

#include "model/agent_protocol.h"
#include "service/cloud.h"
#include "service/eni_service.h"

namespace openecs {

// What InstanceNics looks up across instances, built once per desired-state computation (one
// pass over the instances, ENIs and EIPs, instead of one per interface).
struct NetworkIndex {
  // group id -> private IPs (primary and secondary) of the ENIs in it
  std::map<std::string, std::vector<std::string>> members;
  std::map<std::string, const EipAddress*> eip_of;  // instance id -> its EIP
  // instance id -> its attached secondary ENIs, by device index
  std::map<std::string, std::vector<const NetworkInterface*>> enis_of;
  // ENI id (primary or secondary) -> destinations of the custom route entries it is the next
  // hop of (route_service.h)
  std::map<std::string, std::vector<std::string>> routed_to;
};
// `members` false: without NetworkIndex::members (the merged rules need them; a host without
// a VPC data plane gets none), which would read every instance.
NetworkIndex IndexNetworks(const State& s, bool members = true);

// The interfaces of `i` as its host must set them up: the primary ENI (with the instance's
// public address), then the attached secondary ENIs by device index. Without `with_rules`,
// their identity and addresses only (for hosts that build no VPC data plane: the emulator's
// guests count traffic per interface), without the merged rules that are the costly part.
std::vector<DesiredNic> InstanceNics(const State& s, const Instance& i, const NetworkIndex& index,
                                     const std::string& public_cidr, bool with_rules = true);

}  // namespace openecs
