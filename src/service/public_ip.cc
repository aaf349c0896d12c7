#include "service/public_ip.h"

#include <algorithm>

namespace openecs {

PublicIpPool::PublicIpPool(const State& s, const CloudConfig& config)
    : cidr_(ParseCidr(config.public_cidr, false)) {
  for (const auto& [id, i] : s.instances)
    if (auto ip = ParseIpv4(i.public_ip)) used_.insert(*ip);
  for (const auto& [id, e] : s.eips)
    if (auto ip = ParseIpv4(e.ip_address)) used_.insert(*ip);
}

std::optional<std::string> PublicIpPool::Next() {
  if (!cidr_ || cidr_->prefix > 30) return std::nullopt;
  for (uint32_t ip = cidr_->first() + 2; ip < cidr_->last(); ++ip) {
    if (used_.count(ip)) continue;
    used_.insert(ip);
    return FormatIpv4(ip);
  }
  return std::nullopt;
}

int64_t PublicIpPool::free() const {
  if (!cidr_ || cidr_->prefix > 30) return 0;
  return static_cast<int64_t>(cidr_->size()) - 3 - static_cast<int64_t>(used_.size());
}

const EipAddress* EipOf(const State& s, const std::string& instance_id) {
  for (const auto& [id, e] : s.eips)
    if (e.instance_id == instance_id) return &e;
  return nullptr;
}

PublicAddress PublicAddressOf(const Instance& i, const EipAddress* eip) {
  if (!i.public_ip.empty())
    return {i.public_ip, i.internet_max_bandwidth_out,
            i.internet_max_bandwidth_in > 0 ? i.internet_max_bandwidth_in : 200};
  if (eip) return {eip->ip_address, eip->bandwidth, std::max(10, eip->bandwidth)};
  return {};
}

Result<std::string> AllocatePublicIp(Cloud& cloud, const std::string& account_id,
                                     const std::string& instance_id) {
  std::string out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, instance_id, account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = *found;
    if (!i.public_ip.empty()) return MakeError(ErrorCode::kPublicIpAllocated);
    if (i.internet_max_bandwidth_out <= 0)
      return MakeError(ErrorCode::kInvalidParameter,
                       "The instance's InternetMaxBandwidthOut must be greater than 0.");
    auto ip = PublicIpPool(s, cloud.config()).Next();
    if (!ip) return MakeError(ErrorCode::kNoPublicIp);
    i.public_ip = out = *ip;
    txn.Touch(i);
    return Ok();
  }));
  return out;
}

Status ModifyNetworkSpec(Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id, const NetworkSpecChange& change) {
  for (const auto& mbps : {change.out_mbps, change.in_mbps})
    if (mbps && (*mbps < 0 || *mbps > 1024))
      return MakeError(ErrorCode::kInvalidParameter,
                       "Public bandwidth is 0 to 1024 Mbit/s each way.");
  if (change.charge_type && *change.charge_type != "PayByTraffic" &&
      *change.charge_type != "PayByBandwidth")
    return MakeError(ErrorCode::kInvalidParameter,
                     "NetworkChargeType must be PayByTraffic or PayByBandwidth.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, instance_id, account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = *found;
    if ((i.status != InstanceStatus::kRunning && i.status != InstanceStatus::kStopped) ||
        i.task != InstanceTask::kNone)
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "The public bandwidth changes while the instance is Running or Stopped.");
    int out = change.out_mbps.value_or(i.internet_max_bandwidth_out);
    if (!i.public_ip.empty() && out == 0)
      return MakeError(ErrorCode::kInvalidParameter,
                       "An instance with a public IP keeps at least 1 Mbit/s out.");
    std::string ip;
    if (change.allocate_public_ip && i.public_ip.empty()) {
      if (out <= 0)
        return MakeError(ErrorCode::kInvalidParameter,
                         "A public IP needs InternetMaxBandwidthOut greater than 0.");
      auto next = PublicIpPool(s, cloud.config()).Next();
      if (!next) return MakeError(ErrorCode::kNoPublicIp);
      ip = *next;
    }
    if (change.dry_run) return DryRunOk();
    i.internet_max_bandwidth_out = out;
    if (change.in_mbps) i.internet_max_bandwidth_in = *change.in_mbps;
    if (change.charge_type) i.internet_charge_type = *change.charge_type;
    if (!ip.empty()) i.public_ip = ip;
    txn.Touch(i);
    return Ok();
  });
}

}  // namespace openecs
