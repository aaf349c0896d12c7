#pragma once
// Static public IP addresses of instances, from the pool in CloudConfig::public_cidr. An
// address belongs to one instance from allocation (RunInstances with InternetMaxBandwidthOut
// > 0, or AllocatePublicIpAddress) until the instance is released or stopped in economical
// mode; the data plane NATs it 1:1 to the instance's private address.
#include <optional>
#include <set>
#include <string>

#include "common/ipv4.h"
#include "service/cloud.h"

namespace openecs {

class PublicIpPool {
 public:
  PublicIpPool(const State& s, const CloudConfig& config);
  // The next free address, now taken; nullopt when the pool is exhausted or not configured.
  std::optional<std::string> Next();
  int64_t free() const;

 private:
  std::optional<Cidr> cidr_;
  std::set<uint32_t> used_;
};

// The EIP associated with an instance, or null.
const EipAddress* EipOf(const State& s, const std::string& instance_id);

// The public address an instance is reached at and its bandwidth, as ECS sells it: a static
// public IP has InternetMaxBandwidthOut out and InternetMaxBandwidthIn in (200 Mbit/s when not
// given); an EIP (`eip`: the one associated with `i`, or null) has its Bandwidth out and the
// same in, but never less than 10 Mbit/s. ip "" if none.
struct PublicAddress {
  std::string ip;
  int out_mbps = 0, in_mbps = 0;
};
PublicAddress PublicAddressOf(const Instance& i, const EipAddress* eip);

// AllocatePublicIpAddress: gives a public IP to an instance whose InternetMaxBandwidthOut > 0.
Result<std::string> AllocatePublicIp(Cloud& cloud, const std::string& account_id,
                                     const std::string& instance_id);

// ModifyInstanceNetworkSpec: the instance's public bandwidth (Mbit/s, 0 to 1024 each way; a
// static public IP needs at least 1 out) and how it is billed (PayByTraffic | PayByBandwidth),
// on a Running or Stopped instance. The host's shaper follows at once (it reads the bandwidth
// from the desired state). `allocate_public_ip` gives the instance a public IP as well when it
// has none (what AllocatePublicIpAddress does). Unset fields stay as they are.
struct NetworkSpecChange {
  std::optional<int> out_mbps, in_mbps;
  std::optional<std::string> charge_type;
  bool allocate_public_ip = false;
  bool dry_run = false;
};
Status ModifyNetworkSpec(Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id, const NetworkSpecChange& change);

}  // namespace openecs
