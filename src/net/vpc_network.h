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
//   Packets from those instances are marked and routed by the uplink table (their default
//   route), so a custom default route (a NAT instance) serves only the instances without a
//   public address, as ECS does;
//   Public bandwidth is shaped with tc HTB, one class per public address: outbound on the
//   "uplink" (matched by the public source, after SNAT), inbound on the veth's host end
//   (matched by the public destination, before DNAT);
// - custom route entries: a route of protocol "static" per destination, via the next hop's
//   address (its tap here, or the VXLAN segment to its host), in the router of every host the
//   VPC is on; the next hop's tap may send from those destinations (see ruleset.h);
// - the metadata service: 100.100.100.200 on the router's loopback, port 80, a socket this
//   process opens inside the namespace (so it knows the VPC of every caller, and the caller
//   by its source address, without NAT). Guests reach it through their gateway;
// - across hosts: when the VPC has interfaces on other hosts, a VXLAN device "vxlan" (VNI:
//   the VPC's) in the router namespace. It is created in the host's namespace, so its UDP
//   socket (port 4789, this host's underlay address) stays on the underlay. Each remote
//   address has a /32 route over it and a permanent neighbour entry naming the remote host's
//   router MAC (02:0e:<underlay address>); each remote host one forwarding entry from that
//   MAC to its underlay address. No learning, no flooding: the routers route between hosts
//   as they do between taps, so a packet passes its sender's egress rules on the sending host
//   and its receiver's ingress rules on the receiving one. TCP SYNs get their MSS clamped to
//   the route's MTU (the segment carries 50 bytes of headers).
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
  // `state_dir` keeps each VPC's dnsmasq files (<state_dir>/<vpc-id>/). `underlay_ip` is this
  // host's address for VXLAN traffic ("": the source address of the default route; none: VPCs
  // stay on this host).
  VpcNetworks(std::string state_dir, std::string underlay_ip);

  // The address other hosts reach this host's VPCs at ("" if it has none).
  const std::string& underlay_ip() const { return underlay_ip_; }

  // Answers http://100.100.100.200 in every VPC namespace with `handler` (given the VPC).
  // Call before the first Plug or Apply.
  using MetadataHandler =
      std::function<HttpResponse(const std::string& vpc_id, const HttpRequest& request)>;
  void ServeMetadata(MetadataHandler handler) { metadata_handler_ = std::move(handler); }

  // Moves the ENI's tap (just created by QEMU in this namespace) into its VPC's namespace and
  // sets it up, with the ENI's rules and DHCP entry in force before the guest runs.
  Status Plug(const DesiredNic& nic);

  // The interfaces this host should have, all of them, and the addresses of their VPCs on
  // other hosts: updates rules, DHCP entries and VXLAN routes of every VPC, and removes the
  // namespaces (and dnsmasq) of VPCs that have none left.
  Status Apply(const std::vector<DesiredNic>& nics, const std::vector<RemoteAddress>& remote = {});

  // When each MAC last sent a DHCP request that dnsmasq answered (epoch seconds), from the
  // lease files of this host's VPCs: a guest that asks for an address is a guest whose OS runs.
  std::map<std::string, int64_t> DhcpRequests() const;
  static constexpr int64_t kDhcpLeaseSeconds = 12 * 3600;

  // The counters of this host's plugged interfaces, by ENI id, as their guests see them (the
  // tap's statistics turned around), with the traffic of each one's public address at the
  // VPC's uplink (ruleset.h BuildTrafficCounters). Interfaces whose tap is not in a namespace
  // (their guest is not running) are absent.
  std::map<std::string, NicIo> Counters();

 private:
  struct Vpc {
    std::map<std::string, DesiredNic> nics;                // by ENI id
    std::string ruleset, dhcp_hosts, hosts, dnsmasq_conf;  // what was last applied
    std::string publics = "?";  // public IPs last put on the uplink ("?": not yet synced)
    std::string shaping = "?";  // bandwidth limits last applied ("?": not yet)
    std::map<std::string, std::string> routed;   // ENI -> addresses routed to its tap
    std::vector<RemoteAddress> remote;           // its addresses on other hosts (wanted)
    int overlay_vni = -1;                        // VNI of what `overlay` describes (-1: not known)
    std::map<std::string, std::string> overlay;  // remote address -> underlay, in force
    bool ready = false;                          // namespace set up by this process
    std::unique_ptr<HttpServer> metadata;        // listening inside the namespace
  };
  // The namespace with its router basics and the metadata listener (idempotent).
  Status EnsureNamespace(const std::string& vpc_id, Vpc& vpc);
  Status Sync(const std::string& vpc_id, Vpc& vpc);  // rules, DHCP entries, dnsmasq
  Status EnsureDnsmasq(const std::string& vpc_id, Vpc& vpc, bool restart);
  // The public bridge, the VPC's uplink, and the VPC's public addresses on it.
  Status SyncUplink(const std::string& vpc_id, const std::vector<DesiredNic>& nics);
  // The HTB trees of the uplink (outbound) and the veth's host end (inbound), rebuilt whole.
  Status SyncBandwidth(const std::string& vpc_id, const std::vector<DesiredNic>& nics);
  // The public traffic counters (ruleset.h): those of `nics`' public addresses, exactly.
  Status SyncTrafficCounters(const std::string& vpc_id, const std::vector<DesiredNic>& nics);
  // The VXLAN device, routes, neighbours and forwarding entries for vpc.remote, exactly.
  Status SyncOverlay(const std::string& vpc_id, Vpc& vpc, int vni);
  // The custom routes (routes of protocol static in the main table) to the next hops among
  // vpc.nics and vpc.remote, exactly; a route whose next hop is not reachable yet is left out.
  Status SyncCustomRoutes(const std::string& vpc_id, Vpc& vpc);
  Status Teardown(const std::string& vpc_id);
  // The /32 routes of an ENI's addresses (primary and secondary) on its tap, exactly. False
  // when the tap is not in the namespace (its guest is not running).
  Result<bool> SyncRoutes(const std::string& ns, const DesiredNic& nic);
  std::string Dir(const std::string& vpc_id) const { return state_dir_ + "/" + vpc_id; }

  std::string state_dir_;
  std::string underlay_ip_;
  std::string underlay_filter_;  // the underlay filter last applied (ruleset.h)
  MetadataHandler metadata_handler_;
  std::mutex mu_;
  std::map<std::string, Vpc> vpcs_;
};

}  // namespace openecs
