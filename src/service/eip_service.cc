#include "service/eip_service.h"

#include "common/clock.h"
#include "common/ids.h"
#include "service/public_ip.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"

namespace openecs {
namespace {

Result<EipAddress*> Find(State& s, const std::string& account_id, const std::string& id) {
  EipAddress* e = FindOwned(s.eips, id, account_id);
  if (!e) return MakeError(ErrorCode::kInvalidAllocationIdNotFound);
  return e;
}

}  // namespace

Status ValidateEipBandwidth(int mbps) {
  if (mbps < 1 || mbps > 200)
    return MakeError(ErrorCode::kInvalidParameter, "Bandwidth must be 1 to 200 Mbps.");
  return Ok();
}

Result<EipAddress> AllocateEip(Cloud& cloud, const AllocateEipRequest& r) {
  OPENECS_RETURN_IF_ERROR(ValidateEipBandwidth(r.bandwidth));
  if (r.internet_charge_type != "PayByTraffic" && r.internet_charge_type != "PayByBandwidth")
    return MakeError(ErrorCode::kInvalidParameter,
                     "InternetChargeType must be PayByTraffic or PayByBandwidth.");
  EipAddress out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_RETURN_IF_ERROR(CheckQuota(txn.state(), r.account_id, kMaxEips, 1));
    auto ip = PublicIpPool(txn.state(), cloud.config()).Next();
    if (!ip) return MakeError(ErrorCode::kNoPublicIp);
    EipAddress e;
    e.id = NewId("eip");
    e.account_id = r.account_id;
    OPENECS_ASSIGN_OR_RETURN(e.resource_group_id,
                             ResolveResourceGroup(txn.state(), r.account_id, r.resource_group_id));
    e.region_id = r.region_id;
    e.ip_address = *ip;
    e.bandwidth = r.bandwidth;
    e.internet_charge_type = r.internet_charge_type;
    e.name = r.name;
    e.description = r.description;
    e.tags = r.tags;
    e.creation_time = txn.now();
    out = txn.Put(e);
    return Ok();
  }));
  return out;
}

Status AssociateEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                    const std::string& instance_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(EipAddress * e, Find(s, account_id, allocation_id));
    const Instance* found = FindOwned(s.instances, instance_id, account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    const Instance& i = *found;
    if (!e->instance_id.empty())
      return MakeError(ErrorCode::kIncorrectEipStatus,
                       "The EIP is already associated with " + e->instance_id + ".");
    if (i.status != InstanceStatus::kRunning && i.status != InstanceStatus::kStopped)
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "An EIP can be associated with a Running or Stopped instance only.");
    if (!PublicAddressOf(i, EipOf(s, i.id)).ip.empty())
      return MakeError(ErrorCode::kInstanceHasPublicIp);
    e->instance_id = instance_id;
    txn.Touch(*e);
    return Ok();
  });
}

Status UnassociateEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                      const std::string& instance_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(EipAddress * e, Find(txn.state(), account_id, allocation_id));
    if (e->instance_id.empty())
      return MakeError(ErrorCode::kIncorrectEipStatus, "The EIP is not associated.");
    if (!instance_id.empty() && instance_id != e->instance_id)
      return MakeError(
          ErrorCode::kIncorrectEipStatus,
          "The EIP is associated with " + e->instance_id + ", not " + instance_id + ".");
    e->instance_id.clear();
    txn.Touch(*e);
    return Ok();
  });
}

Status ReleaseEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(EipAddress * e, Find(txn.state(), account_id, allocation_id));
    if (!e->instance_id.empty())
      return MakeError(ErrorCode::kIncorrectEipStatus,
                       "Unassociate the EIP from " + e->instance_id + " before releasing it.");
    txn.Erase<EipAddress>(allocation_id);
    return Ok();
  });
}

Status ModifyEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                 std::optional<int> bandwidth, std::optional<std::string> name,
                 std::optional<std::string> description) {
  if (bandwidth) OPENECS_RETURN_IF_ERROR(ValidateEipBandwidth(*bandwidth));
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(EipAddress * e, Find(txn.state(), account_id, allocation_id));
    if (bandwidth) e->bandwidth = *bandwidth;
    if (name) e->name = *name;
    if (description) e->description = *description;
    txn.Touch(*e);
    return Ok();
  });
}

}  // namespace openecs
