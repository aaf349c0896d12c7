#pragma once
// Per-account quotas (issue 16): how many instances, vCPUs, cloud disks, snapshots, custom
// images, security groups, EIPs and dedicated hosts (whole machines taken out of the shared
// pool) one account may hold at once in the region.
//
// A quota's value comes from, first to last: the account's own override (Account::quotas, set by
// `ecsd account set-quota`), the operator's default for every account (`ecsd dev --quota`,
// State::quota_defaults), the built-in default below (what a new account gets in a real region).
// Usage is counted from State on every check: no counter can drift from the records.
//
// Race-freedom: a service checks inside the same Cloud::Write that creates the resource. The
// Write holds the exclusive lock from the check to the commit, so two concurrent creations
// cannot both see the last free unit.
//
// The instance and vCPU quotas count every instance not yet released (in State), whatever its
// charge type: ECS names them after pay-as-you-go instances, but subscriptions here cost the
// operator the same hosts. Disks count cloud disks (system disks included); the local disks of
// an instance type come and go with their instance and are not counted.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "service/cloud.h"

namespace openecs {

// The quota names: what the operator sets and DescribeAccountAttributes answers.
inline constexpr const char* kMaxInstances = "max-instances";
inline constexpr const char* kMaxVcpus = "max-postpaid-instance-vcpu-count";
inline constexpr const char* kMaxDisks = "max-disks";
inline constexpr const char* kMaxSnapshots = "max-snapshots";
inline constexpr const char* kMaxImages = "max-images";
inline constexpr const char* kMaxSecurityGroups = "max-security-groups";
inline constexpr const char* kMaxEips = "max-eips";
inline constexpr const char* kMaxDedicatedHosts = "max-dedicated-hosts";

// The largest value a quota may be set to (a quota that never refuses).
inline constexpr int64_t kQuotaMaxValue = 1'000'000'000'000;

struct QuotaSpec {
  const char* name;       // kMaxInstances ...
  const char* used_name;  // its usage in DescribeAccountAttributes: "used-instances" ...
  int64_t builtin_default;
  ErrorCode exceeded;  // what a creation beyond it answers
};

// Every quota, in a stable order.
const std::vector<QuotaSpec>& AllQuotas();
// "max-instances, max-postpaid-instance-vcpu-count, ...", with " (100)" ... after each name
// when `with_defaults` (the built-in defaults), for messages and help texts.
std::string QuotaNames(bool with_defaults);
// The spec of quota `name`, or null when there is no such quota.
const QuotaSpec* FindQuota(const std::string& name);

// Parses an operator's "NAME=VALUE" (a quota name, a whole number 0..kQuotaMaxValue); with
// `allow_default`, "NAME=default" too, which gives nullopt (the override is removed).
// InvalidParameter, with a message naming the valid quotas, for anything else.
Result<std::pair<std::string, std::optional<int64_t>>> ParseQuotaSetting(const std::string& text,
                                                                         bool allow_default);

// Account `account_id`'s value of quota `name` (see the top of this file for the order).
// InvalidParameter for an unknown name. An account State does not hold gets the defaults.
Result<int64_t> QuotaOf(const State& s, const std::string& account_id, const std::string& name);

// How much of quota `name` the account uses now (0 for an unknown name).
int64_t QuotaUsage(const State& s, const std::string& account_id, const std::string& name);

// How much more the account may add under quota `name`: quota - usage, at least 0 (an override
// lowered below the usage leaves no room; nothing is taken away).
int64_t QuotaRoom(const State& s, const std::string& account_id, const std::string& name);

// Ok if the account may add `adding` more under quota `name` (always for adding <= 0), else the
// quota's error (QuotaSpec::exceeded) with the quota, the usage and the request in the message.
Status CheckQuota(const State& s, const std::string& account_id, const std::string& name,
                  int64_t adding);

// RunInstances' step: how many of `count` new instances, each of `vcpus` vCPUs with `disks`
// cloud disks, the account's instance, vCPU and disk quotas leave room for (count when all
// fit); the first quota's error when fewer than `at_least` fit (MinAmount).
Result<int> InstancesWithinQuota(const State& s, const std::string& account_id, int count,
                                 int at_least, int64_t vcpus, int64_t disks);

}  // namespace openecs
