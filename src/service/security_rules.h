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

namespace openecs {

// What PrimaryNic looks up across instances, built once per desired-state computation (one
// pass over the instances and EIPs, instead of one per interface).
struct NetworkIndex {
  std::map<std::string, std::vector<std::string>> members;  // group id -> private IPs
  std::map<std::string, const EipAddress*> eip_of;          // instance id -> its EIP
};
NetworkIndex IndexNetworks(const State& s);

// The primary interface of `i` as its host must set it up.
DesiredNic PrimaryNic(const State& s, const Instance& i, const NetworkIndex& index,
                      const std::string& public_cidr);

}  // namespace openecs
