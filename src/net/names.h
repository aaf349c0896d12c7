#pragma once
// Names of the Linux objects of the VPC data plane on a host. Everything OpenECS creates
// starts with "oe" (network namespaces "oe-<vpc-id>", interfaces "oe<13 chars>"), so it can
// be listed, adopted after a restart, and told apart from everything else on the host.
#include <string>

namespace openecs {

inline std::string VpcNamespace(const std::string& vpc_id) { return "oe-" + vpc_id; }

// The public side: a bridge in the host's namespace, and per VPC a veth pair from it to the
// router namespace (host end "oeu<last 12 of the VPC id>", router end "uplink").
inline constexpr const char* kPublicBridge = "oe-public";
inline constexpr const char* kUplink = "uplink";
inline std::string UplinkHostEnd(const std::string& vpc_id) {
  return "oeu" + (vpc_id.size() > 12 ? vpc_id.substr(vpc_id.size() - 12) : vpc_id);
}

// Routing in the router namespace: custom route entries are routes of protocol "static" in
// the main table; the uplink's default route is in table kUplinkTable, which packets from
// instances with a public address (marked kPublicRouteMark by the ruleset) use after the main
// table's specific routes (policy rules at priorities 1000 and 1001).
inline constexpr const char* kPublicRouteMark = "0x4f45";
inline constexpr const char* kUplinkTable = "200";

// The instance metadata service, on the router's loopback in every VPC namespace (port 80).
inline constexpr const char* kMetadataAddress = "100.100.100.200";

// The VPC's VXLAN device: "vxlan" in the router namespace; made in the host's namespace as
// "oex<last 12 of the VPC id>" and moved. A host's router MAC on every VXLAN segment is
// 02:0e followed by its underlay IPv4 address, so hosts know each other's without asking.
inline constexpr const char* kVxlan = "vxlan";
inline std::string VxlanHostName(const std::string& vpc_id) {
  return "oex" + (vpc_id.size() > 12 ? vpc_id.substr(vpc_id.size() - 12) : vpc_id);
}

// The tap of an ENI (IFNAMSIZ allows 15 characters): "oe" + the last 13 of its id.
inline std::string TapName(const std::string& eni_id) {
  return "oe" + (eni_id.size() > 13 ? eni_id.substr(eni_id.size() - 13) : eni_id);
}

}  // namespace openecs
