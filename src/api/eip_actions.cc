// Elastic IP addresses, VPC API 2016-04-28 (service/eip_service.h has the rules).
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "service/eip_service.h"
#include "service/names.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

Error InvalidName() {
  return MakeError(ErrorCode::kInvalidParameter,
                   "Name must be 2 to 128 characters, start with a letter and hold no control "
                   "characters.");
}

Result<json> AllocateEipAddressAction(ApiContext& c) {
  AllocateEipRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  OPENECS_ASSIGN_OR_RETURN(int64_t bw, c.params.IntOr("Bandwidth", 5, -1000000, 1000000));
  r.bandwidth = static_cast<int>(bw);
  r.internet_charge_type = c.params.GetOr("InternetChargeType", "PayByTraffic");
  r.name = c.params.GetOr("Name", "");
  if (!ValidResourceName(r.name)) return InvalidName();
  r.description = c.params.GetOr("Description", "");
  r.resource_group_id = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(c.params));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  OPENECS_ASSIGN_OR_RETURN(EipAddress e, AllocateEip(c.cloud, r));
  return json{{"AllocationId", e.id},
              {"EipAddress", e.ip_address},
              {"OrderId", 0},
              {"ResourceGroupId", EffectiveGroup(e.resource_group_id, e.account_id)}};
}

Result<json> AssociateEipAddressAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("AllocationId"));
  OPENECS_ASSIGN_OR_RETURN(std::string instance, c.params.Required("InstanceId"));
  std::string type = c.params.GetOr("InstanceType", "EcsInstance");
  if (type != "EcsInstance")
    return MakeError(ErrorCode::kInvalidParameter,
                     "InstanceType " + type + " is not supported here: use EcsInstance.");
  OPENECS_RETURN_IF_ERROR(AssociateEip(c.cloud, c.account_id, id, instance));
  return json::object();
}

Result<json> UnassociateEipAddressAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("AllocationId"));
  OPENECS_RETURN_IF_ERROR(
      UnassociateEip(c.cloud, c.account_id, id, c.params.GetOr("InstanceId", "")));
  return json::object();
}

Result<json> ReleaseEipAddressAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("AllocationId"));
  OPENECS_RETURN_IF_ERROR(ReleaseEip(c.cloud, c.account_id, id));
  return json::object();
}

Result<json> ModifyEipAddressAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("AllocationId"));
  OPENECS_ASSIGN_OR_RETURN(auto bw, c.params.Int("Bandwidth", -1000000, 1000000));
  if (!ValidResourceName(c.params.GetOr("Name", ""))) return InvalidName();
  std::optional<int> bandwidth;
  if (bw) bandwidth = static_cast<int>(*bw);
  OPENECS_RETURN_IF_ERROR(ModifyEip(c.cloud, c.account_id, id, bandwidth, c.params.Get("Name"),
                                    c.params.Get("Description")));
  return json::object();
}

Result<json> DescribeEipAddressesAction(ApiContext& c) {
  std::set<std::string> ids;
  if (auto v = c.params.Get("AllocationId"))
    for (auto& id : Split(*v, ',')) ids.insert(Trim(id));
  auto address = c.params.Get("EipAddress");
  auto instance = c.params.Get("AssociatedInstanceId");
  auto status = c.params.Get("Status");
  auto name = c.params.Get("EipName");
  auto group = c.params.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(c.params));
  PageSpec spec;
  spec.token_style = false;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const EipAddress*> matched;
    for (const auto& [id, e] : Owned(s.eips, c.account_id)) {
      std::string st = e.instance_id.empty() ? "Available" : "InUse";
      if (!ids.empty() && !ids.count(id)) continue;
      if (address && e.ip_address != *address) continue;
      if (instance && e.instance_id != *instance) continue;
      if (status && st != *status) continue;
      if (name && e.name != *name) continue;
      if (!InGroup(group, e.resource_group_id, e.account_id)) continue;
      if (!TagsMatch(e.tags, want)) continue;
      matched.push_back(&e);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const EipAddress& e = *matched[k];
      // What the bound instance gives: its address, VPC and zone ("" while Available).
      std::string private_ip, vpc_id, zone;
      if (auto i = s.instances.find(e.instance_id); i != s.instances.end()) {
        private_ip = i->second.private_ip;
        vpc_id = i->second.vpc_id;
        zone = i->second.zone_id;
      }
      arr.push_back({{"AllocationId", e.id},
                     {"IpAddress", e.ip_address},
                     {"Status", e.instance_id.empty() ? "Available" : "InUse"},
                     {"InstanceId", e.instance_id},
                     {"InstanceType", e.instance_id.empty() ? "" : "EcsInstance"},
                     {"InstanceRegionId", e.instance_id.empty() ? "" : e.region_id},
                     {"PrivateIpAddress", private_ip},
                     {"Bandwidth", std::to_string(e.bandwidth)},
                     {"EipBandwidth", std::to_string(e.bandwidth)},
                     {"InternetChargeType", e.internet_charge_type},
                     {"ChargeType", "PostPaid"},
                     {"AllocationTime", FormatIso(e.creation_time)},
                     {"Name", e.name},
                     {"Description", e.description},
                     {"RegionId", e.region_id},
                     {"ISP", "BGP"},
                     {"Netmode", "public"},
                     {"Mode", "NAT"},
                     {"DeletionProtection", false},
                     {"OperationLocks", Wrap("LockReason", json::array())},
                     {"VpcId", vpc_id},
                     {"Zone", zone},
                     {"ExpiredTime", ""},
                     {"ResourceGroupId", EffectiveGroup(e.resource_group_id, e.account_id)},
                     // A plain pay-as-you-go EIP: no bandwidth plan, pool, reservation (pending
                     // change), DDoS tier, fine-grained monitoring or managing service.
                     {"BizType", "Default"},
                     {"BusinessStatus", "Normal"},
                     {"BandwidthPackageId", ""},
                     {"BandwidthPackageBandwidth", ""},
                     {"BandwidthPackageType", ""},
                     {"PublicIpAddressPoolId", ""},
                     {"SegmentInstanceId", ""},
                     {"HasReservationData", "false"},
                     {"ReservationActiveTime", ""},
                     {"ReservationBandwidth", ""},
                     {"ReservationInternetChargeType", ""},
                     {"ReservationOrderType", ""},
                     {"SecondLimited", false},
                     {"SecurityProtectionTypes", Wrap("SecurityProtectionType", json::array())},
                     {"HDMonitorStatus", "OFF"},
                     {"ServiceID", 0},
                     {"ServiceManaged", 0},
                     {"Tags", RenderTags(e.tags, true)}});
    }
    json reply = {{"EipAddresses", Wrap("EipAddress", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

}  // namespace

void RegisterEipActions(ActionTable& t) {
  t[{kVpcVersion, "AllocateEipAddress"}] = {AllocateEipAddressAction, true, true};
  t[{kVpcVersion, "AssociateEipAddress"}] = {AssociateEipAddressAction, false, true};
  t[{kVpcVersion, "UnassociateEipAddress"}] = {UnassociateEipAddressAction, false, true};
  t[{kVpcVersion, "ReleaseEipAddress"}] = {ReleaseEipAddressAction, false};
  t[{kVpcVersion, "ModifyEipAddressAttribute"}] = {ModifyEipAddressAttributeAction, false};
  t[{kVpcVersion, "DescribeEipAddresses"}] = {DescribeEipAddressesAction};
}

}  // namespace openecs
