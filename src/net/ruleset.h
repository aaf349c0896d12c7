#pragma once
// The nftables ruleset of one VPC's router namespace, from the interfaces in it (pure; golden
// tests in ruleset_test.cc). One table, `inet openecs`, replaced atomically by `nft -f`:
//
// - anti-spoofing (prerouting): a tap may only send with its ENI's MAC, and with its ENI's IP
//   (DHCP requests from 0.0.0.0 aside) or, for the next hop of custom routes, from their
//   destinations; packets from instances with a public address are marked kPublicRouteMark;
// - forward: replies to allowed connections pass (conntrack); a new connection must pass the
//   sender's egress chain (first matching rule decides; no match: allowed) and, when it goes to
//   a tap, the receiver's ingress chain (first matching rule decides; no match: dropped);
//   traffic from or to a tap the ruleset does not know is dropped;
// - input: guests reach the router (DHCP, DNS, gateway) only from their own address.
#include <set>
#include <string>
#include <vector>

#include "model/agent_protocol.h"

namespace openecs {

std::string BuildVpcRuleset(const std::vector<DesiredNic>& nics);

// The host's own filter on its underlay (issue 13's M1): VXLAN (UDP 4789) to this host's
// underlay address is taken only from the hosts that share a VPC segment with it (`peers`, their
// underlay addresses); anything else could inject frames into a tenant's VPC. Table
// `inet openecs_underlay` in the host's namespace, replaced atomically; with no peers (no
// segment here) the table is removed, so a host that uses no VXLAN filters nothing.
std::string BuildUnderlayFilter(const std::string& underlay_ip, const std::set<std::string>& peers);

// The public traffic counters of one VPC's router namespace: table `ip openecs_traffic`, one named
// counter per public address and direction ("in_198_18_0_5": reaching it through the uplink,
// counted before DNAT; "out_...": leaving from it, counted after SNAT). The table is never
// replaced, so the counters keep counting while addresses come and go: the script adds what is
// missing and rewrites the two rules; TrafficCounterName's of addresses that left are deleted
// by the caller (it lists them). Pure.
std::string BuildTrafficCounters(const std::set<std::string>& public_ips);
inline constexpr const char* kTrafficTable = "openecs_traffic";
// "in_198_18_0_5" / "out_198_18_0_5".
std::string TrafficCounterName(bool in, const std::string& ip);

}  // namespace openecs
