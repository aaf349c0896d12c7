#pragma once
// The VPC data plane of one host, on Linux networking (DESIGN.md §7, routed variant):
//
// - each VPC with an instance on this host has a router namespace "oe-<vpc-id>" (overlapping
//   CIDRs in different VPCs never meet: each VPC routes in its own namespace);
// - each ENI is a tap (QEMU's) moved into its VPC's namespace. The tap carries the vSwitch's
//   gateway address (without a prefix route) and a /32 route to the ENI's IP, with proxy ARP,
//   so guests on one vSwitch and across vSwitches reach each other through the router, which
//   is where the security groups are enforced (nftables, stateful: see ruleset.h);
// - one dnsmasq per VPC namespace hands each ENI its address, gateway and DNS (a fixed
//   MAC -> IP entry per ENI; DNS answers the VPC's host names);
// - public IPs: a bridge "oe-public" in the host's namespace holds the pool's first address;
//   each VPC with public IPs has a veth "uplink" to it carrying those addresses (/32), which
//   the router NATs 1:1 to the private ones. The host reaches public IPs over that bridge.
//   Public bandwidth is shaped with tc HTB, one class per public address: outbound on the
//   "uplink" (matched by the public source, after SNAT), inbound on the veth's host end
//   (matched by the public destination, before DNAT);
// - the metadata service: 100.100.100.200 on the router's loopback, port 80, a socket this
//   process opens inside the namespace (so it knows the VPC of every caller, and the caller
//   by its source address, without NAT). Guests reach it through their gateway.
//
// Why routed and not a bridge per vSwitch: this kernel has no bridge conntrack
// (CONFIG_NF_CONNTRACK_BRIDGE is off), so stateful security groups on bridge ports are not
// possible without br_netfilter tricks; per-ENI routing gives conntrack, simple per-tap rules
// and no ARP spoofing (a tap's neighbours are never used for other ENIs' addresses).
//
// Thread-safe. Everything is idempotent, so after a restart Apply() adopts what exists. Only
// namespaces this agent set up (it keeps <state_dir>/<vpc-id>/ for each) are ever removed.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class VpcNetworks {
 public:
  // `state_dir` keeps each VPC's dnsmasq files (<state_dir>/<vpc-id>/).
  explicit VpcNetworks(std::string state_dir);

  // True if this host can build VPC networks (root, ip, nft, tc, dnsmasq).
  static bool Available();

  // Answers http://100.100.100.200 in every VPC namespace with `handler` (given the VPC).
  // Call before the first Plug or Apply.
  using MetadataHandler =
      std::function<HttpResponse(const std::string& vpc_id, const HttpRequest& request)>;
  void ServeMetadata(MetadataHandler handler) { metadata_handler_ = std::move(handler); }

  // Moves the ENI's tap (just created by QEMU in this namespace) into its VPC's namespace and
  // sets it up, with the ENI's rules and DHCP entry in force before the guest runs.
  Status Plug(const DesiredNic& nic);

  // The interfaces this host should have, all of them: updates rules and DHCP entries of
  // every VPC, and removes the namespaces (and dnsmasq) of VPCs that have none left.
  Status Apply(const std::vector<DesiredNic>& nics);

 private:
  struct Vpc {
    std::map<std::string, DesiredNic> nics;                // by ENI id
    std::string ruleset, dhcp_hosts, hosts, dnsmasq_conf;  // what was last applied
    std::string publics = "?";  // public IPs last put on the uplink ("?": not yet synced)
    std::string shaping = "?";  // bandwidth limits last applied ("?": not yet)
    std::map<std::string, std::string> routed;  // ENI -> addresses routed to its tap
    bool ready = false;                         // namespace set up by this process
    std::unique_ptr<HttpServer> metadata;       // listening inside the namespace
  };
  // The namespace with its router basics and the metadata listener (idempotent).
  Status EnsureNamespace(const std::string& vpc_id, Vpc& vpc);
  Status Sync(const std::string& vpc_id, Vpc& vpc);  // rules, DHCP entries, dnsmasq
  Status EnsureDnsmasq(const std::string& vpc_id, Vpc& vpc, bool restart);
  // The public bridge, the VPC's uplink, and the VPC's public addresses on it.
  Status SyncUplink(const std::string& vpc_id, const std::vector<DesiredNic>& nics);
  // The HTB trees of the uplink (outbound) and the veth's host end (inbound), rebuilt whole.
  Status SyncBandwidth(const std::string& vpc_id, const std::vector<DesiredNic>& nics);
  Status Teardown(const std::string& vpc_id);
  // The /32 routes of an ENI's addresses (primary and secondary) on its tap, exactly. False
  // when the tap is not in the namespace (its guest is not running).
  Result<bool> SyncRoutes(const std::string& ns, const DesiredNic& nic);
  std::string Dir(const std::string& vpc_id) const { return state_dir_ + "/" + vpc_id; }

  std::string state_dir_;
  MetadataHandler metadata_handler_;
  std::mutex mu_;
  std::map<std::string, Vpc> vpcs_;
};

}  // namespace openecs
