#pragma once
// Operation locks on instances (Instance::operation_locks) and what each refuses, as ECS
// documents it ("API behavior for accounts that have overdue payments"; the error tables):
// - security: the operator locked the instance (`ecsd operator lock`); every mutation that
//   names it is refused with 403 InstanceLockedForSecurity until it is unlocked.
// - financial: an expired subscription or an overdue account's instance (service/
//   billing_service.h). Start/Stop/Reboot, disk attach/reset/re-init/replace/resize, public IP
//   allocation and type changes are refused with 403 InstanceExpiredOrInArrears (StartInstance:
//   InstanceExpired); reads, DeleteInstance, attribute changes, snapshots, images and security
//   groups work as usual; RenewInstance is how the lock is lifted.
// - Recycling: a spot instance that has its reclaim notice; it can only be read or released.
// - refunded: a subscription given back (BSS RefundInstance) and waiting to be released; the
//   same.
#include <string>
#include <string_view>

#include "common/result.h"
#include "model/resources.h"

namespace openecs {

inline constexpr const char* kLockFinancial = "financial";
inline constexpr const char* kLockSecurity = "security";
inline constexpr const char* kLockRecycling = "Recycling";
inline constexpr const char* kLockRefunded = "refunded";

bool HasLock(const Instance& i, std::string_view reason);
// Adds or removes one reason; false when there was nothing to change.
bool AddLock(Instance& i, std::string_view reason);
bool RemoveLock(Instance& i, std::string_view reason);
// The LockMsg DescribeInstances shows with a reason.
std::string LockMessage(std::string_view reason);
// Ok if the ECS action `action` may act on `i` as its locks stand, else the refusal.
Status CheckInstanceLocks(const Instance& i, std::string_view action);

}  // namespace openecs
