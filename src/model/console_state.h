#pragma once
// The state a person reads for an instance (the console's and the `ecs` CLI's), from what
// DescribeInstances answers: ECS's API keeps Status to Pending/Starting/Running/Stopping/
// Stopped and shows the rest as OperationLocks and ExpiredTime; the console names them:
// Locked (security), To Be Released (a reclaimed spot instance), Expired (a subscription past its
// ExpiredTime, financial lock), Overdue (a pay-as-you-go instance stopped for an unpaid bill),
// Expiring (a subscription within 15 days of its ExpiredTime), else the Status itself.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace openecs {

inline constexpr int64_t kExpiringSeconds = 15 * 86400;

inline std::string ConsoleStateOf(std::string_view status, std::string_view charge_type,
                                  int64_t expired_time, const std::vector<std::string>& locks,
                                  int64_t now) {
  auto has = [&](std::string_view r) {
    return std::find(locks.begin(), locks.end(), r) != locks.end();
  };
  if (has("security")) return "Locked";
  if (has("Recycling") || has("refunded")) return "To Be Released";
  if (has("financial")) return charge_type == "PrePaid" ? "Expired" : "Overdue";
  if (charge_type == "PrePaid" && expired_time > 0 && expired_time - now <= kExpiringSeconds)
    return "Expiring";
  return std::string(status);
}

}  // namespace openecs
