#include "service/instance_locks.h"

#include <algorithm>
#include <set>

namespace openecs {

bool HasLock(const Instance& i, std::string_view reason) {
  return std::find(i.operation_locks.begin(), i.operation_locks.end(), reason) !=
         i.operation_locks.end();
}

bool AddLock(Instance& i, std::string_view reason) {
  if (HasLock(i, reason)) return false;
  i.operation_locks.emplace_back(reason);
  return true;
}

bool RemoveLock(Instance& i, std::string_view reason) {
  auto it = std::find(i.operation_locks.begin(), i.operation_locks.end(), reason);
  if (it == i.operation_locks.end()) return false;
  i.operation_locks.erase(it);
  return true;
}

std::string LockMessage(std::string_view reason) {
  if (reason == kLockFinancial) return "The specified instance is locked due to financial reason.";
  if (reason == kLockSecurity) return "The specified instance is locked for security reasons.";
  if (reason == kLockRecycling) return "The spot instance is being reclaimed.";
  if (reason == kLockRefunded) return "The subscription was refunded; the instance is released.";
  return "";
}

namespace {

bool IsRead(std::string_view action) {
  for (std::string_view prefix : {"Describe", "List", "Get", "Query"})
    if (action.substr(0, prefix.size()) == prefix) return true;
  return false;
}

// What a financial lock refuses (ECS's list for overdue accounts, plus the type changes).
const std::set<std::string_view>& FinancialRefused() {
  static const std::set<std::string_view> kActions = {"StartInstance",
                                                      "StartInstances",
                                                      "StopInstance",
                                                      "StopInstances",
                                                      "RebootInstance",
                                                      "RebootInstances",
                                                      "ReplaceSystemDisk",
                                                      "ResetDisk",
                                                      "ResetDisks",
                                                      "ReInitDisk",
                                                      "AttachDisk",
                                                      "CreateDisk",
                                                      "ResizeDisk",
                                                      "AllocatePublicIpAddress",
                                                      "ModifyInstanceSpec",
                                                      "ModifyPrepayInstanceSpec",
                                                      "ModifyInstanceChargeType",
                                                      "AttachNetworkInterface",
                                                      "ModifyInstanceNetworkSpec",
                                                      "ModifyDiskSpec",
                                                      "ModifyInstanceDeployment"};
  return kActions;
}

}  // namespace

Status CheckInstanceLocks(const Instance& i, std::string_view action) {
  if (i.operation_locks.empty() || IsRead(action)) return Ok();
  if (HasLock(i, kLockSecurity)) return MakeError(ErrorCode::kInstanceLockedForSecurity);
  if ((HasLock(i, kLockRecycling) || HasLock(i, kLockRefunded)) && action != "DeleteInstance" &&
      action != "DeleteInstances")
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "The instance " + i.id + " is waiting to be released.");
  if (HasLock(i, kLockFinancial) && FinancialRefused().count(action)) {
    bool expired = i.charge_type == "PrePaid";
    if (action == "StartInstance" || action == "StartInstances")
      return MakeError(ErrorCode::kInstanceExpired,
                       expired ? "The prePaid instance has been expired."
                               : "The postPaid instance has been expired. Please ensure your "
                                 "account have enough balance.");
    if (action == "ModifyInstanceChargeType" && expired)
      return MakeError(ErrorCode::kExpiredInstance);
    return MakeError(ErrorCode::kInstanceExpiredOrInArrears);
  }
  return Ok();
}

}  // namespace openecs
