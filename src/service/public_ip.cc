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
    auto it = s.instances.find(instance_id);
    if (it == s.instances.end() || it->second.account_id != account_id)
      return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = it->second;
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

}  // namespace openecs
