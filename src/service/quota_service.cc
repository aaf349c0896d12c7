#include "service/quota_service.h"

#include <algorithm>
#include <charconv>

#include "model/catalogue.h"

namespace openecs {
namespace {

// The records of a count quota's table; vCPUs are not a count of records.
size_t TableSize(const State& s, std::string_view name) {
  if (name == kMaxInstances) return s.instances.size();
  if (name == kMaxDisks) return s.disks.size();
  if (name == kMaxSnapshots) return s.snapshots.size();
  if (name == kMaxImages) return s.images.size();
  if (name == kMaxSecurityGroups) return s.security_groups.size();
  if (name == kMaxEips) return s.eips.size();
  if (name == kMaxDedicatedHosts) return s.dedicated_hosts.size();
  return SIZE_MAX;
}

template <typename Table>
int64_t CountOwned(const Table& table, const std::string& account_id) {
  int64_t n = 0;
  for (const auto& entry : Owned(table, account_id)) {
    (void)entry;
    ++n;
  }
  return n;
}

}  // namespace

std::string QuotaNames(bool with_defaults) {
  std::string out;
  for (const auto& q : AllQuotas()) {
    out += std::string(out.empty() ? "" : ", ") + q.name;
    if (with_defaults) out += " (" + std::to_string(q.builtin_default) + ")";
  }
  return out;
}

const std::vector<QuotaSpec>& AllQuotas() {
  static const std::vector<QuotaSpec> kQuotas = {
      {kMaxInstances, "used-instances", 100, ErrorCode::kQuotaExceedInstances},
      {kMaxVcpus, "used-postpaid-instance-vcpu-count", 500, ErrorCode::kQuotaExceedVcpus},
      {kMaxDisks, "used-disks", 500, ErrorCode::kQuotaExceedDisks},
      {kMaxSnapshots, "used-snapshots", 1000, ErrorCode::kQuotaExceedSnapshots},
      {kMaxImages, "used-images", 100, ErrorCode::kQuotaExceedImages},
      {kMaxSecurityGroups, "used-security-groups", 100, ErrorCode::kQuotaExceedSecurityGroups},
      {kMaxEips, "used-eips", 20, ErrorCode::kQuotaExceededEips},
      {kMaxDedicatedHosts, "used-dedicated-hosts", 2, ErrorCode::kQuotaExceedDedicatedHosts},
  };
  return kQuotas;
}

const QuotaSpec* FindQuota(const std::string& name) {
  for (const auto& q : AllQuotas())
    if (name == q.name) return &q;
  return nullptr;
}

Result<std::pair<std::string, std::optional<int64_t>>> ParseQuotaSetting(const std::string& text,
                                                                         bool allow_default) {
  size_t eq = text.find('=');
  std::string name = text.substr(0, eq);
  if (eq == std::string::npos || !FindQuota(name))
    return MakeError(
        ErrorCode::kInvalidParameter,
        "'" + text + "' is not NAME=VALUE with NAME one of " + QuotaNames(false) + ".");
  std::string value = text.substr(eq + 1);
  if (allow_default && value == "default")
    return std::pair<std::string, std::optional<int64_t>>{name, std::nullopt};
  int64_t n = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 0 ||
      n > kQuotaMaxValue)
    return MakeError(ErrorCode::kInvalidParameter,
                     "The value of quota " + name + " must be a whole number from 0 to " +
                         std::to_string(kQuotaMaxValue) + (allow_default ? " (or 'default')" : "") +
                         ", not '" + value + "'.");
  return std::pair<std::string, std::optional<int64_t>>{name, n};
}

Result<int64_t> QuotaOf(const State& s, const std::string& account_id, const std::string& name) {
  const QuotaSpec* spec = FindQuota(name);
  if (!spec) return MakeError(ErrorCode::kInvalidParameter, "There is no quota " + name + ".");
  if (auto a = s.accounts.find(account_id); a != s.accounts.end())
    if (auto q = a->second.quotas.find(name); q != a->second.quotas.end()) return q->second;
  if (auto d = s.quota_defaults.find(name); d != s.quota_defaults.end()) return d->second;
  return spec->builtin_default;
}

int64_t QuotaUsage(const State& s, const std::string& account_id, const std::string& name) {
  // Instances, vCPUs and cloud disks change with every launch: State::index keeps the account's
  // sums (service/state_index.h). Instance::cpu is its type's vCPUs (set from the catalogue at
  // creation and by ModifyInstanceSpec); local disks do not count.
  if (name == kMaxInstances) return s.index.account_use(account_id).instances;
  if (name == kMaxVcpus) return s.index.account_use(account_id).vcpus;
  if (name == kMaxDisks) return s.index.account_use(account_id).cloud_disks;
  if (name == kMaxSnapshots) return CountOwned(s.snapshots, account_id);
  if (name == kMaxImages) return CountOwned(s.images, account_id);
  if (name == kMaxSecurityGroups) return CountOwned(s.security_groups, account_id);
  if (name == kMaxEips) return CountOwned(s.eips, account_id);
  if (name == kMaxDedicatedHosts) return CountOwned(s.dedicated_hosts, account_id);
  return 0;
}

int64_t QuotaRoom(const State& s, const std::string& account_id, const std::string& name) {
  auto quota = QuotaOf(s, account_id, name);
  if (!quota.ok()) return 0;
  return std::max<int64_t>(0, *quota - QuotaUsage(s, account_id, name));
}

Status CheckQuota(const State& s, const std::string& account_id, const std::string& name,
                  int64_t adding) {
  if (adding <= 0) return Ok();
  const QuotaSpec* spec = FindQuota(name);
  if (!spec) return MakeError(ErrorCode::kInternalError, "There is no quota " + name + ".");
  OPENECS_ASSIGN_OR_RETURN(int64_t quota, QuotaOf(s, account_id, name));
  // A count quota's whole table bounds the account's usage: with room beyond it (the generous
  // quotas of tests and benches of 100,000 instances) the records need not be counted.
  size_t bound = TableSize(s, name);
  if (bound != SIZE_MAX && static_cast<int64_t>(bound) + adding <= quota) return Ok();
  int64_t used = QuotaUsage(s, account_id, name);
  if (used + adding <= quota) return Ok();
  std::string message(Describe(spec->exceeded).message);
  if (!message.empty() && message.back() != '.') message += '.';
  return MakeError(spec->exceeded, message + " The account may have " + std::to_string(quota) +
                                       " (" + name + "), has " + std::to_string(used) +
                                       " and asked for " + std::to_string(adding) + " more.");
}

Result<int> InstancesWithinQuota(const State& s, const std::string& account_id, int count,
                                 int at_least, int64_t vcpus, int64_t disks) {
  int fit = count;
  for (auto [name, each] : {std::pair{kMaxInstances, int64_t{1}}, std::pair{kMaxVcpus, vcpus},
                            std::pair{kMaxDisks, disks}}) {
    if (each <= 0 || CheckQuota(s, account_id, name, each * fit).ok()) continue;
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, account_id, name, each * at_least));
    fit = static_cast<int>(std::min<int64_t>(fit, QuotaRoom(s, account_id, name) / each));
  }
  return fit;
}

}  // namespace openecs
