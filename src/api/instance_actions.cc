// Instance actions: creation, description, power operations, release, attributes, and the
// disks that RunInstances creates.
#include <set>

#include "api/action.h"
#include "api/authorizer.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_writer.h"
#include "common/text.h"
#include "model/catalogue.h"
#include "model/instance_health.h"
#include "service/billing_service.h"
#include "service/eni_service.h"
#include "service/instance_locks.h"
#include "service/instance_service.h"
#include "service/public_ip.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

// HttpPutResponseHopLimit: 1 to 64.
Result<std::optional<int>> HopLimitOf(const Params& p) {
  auto v = p.Int("HttpPutResponseHopLimit", 1, 64);
  if (!v.ok()) return MakeError(ErrorCode::kInvalidHttpPutResponseHopLimit);
  if (!*v) return std::optional<int>();
  return std::optional<int>(static_cast<int>(**v));
}

// A disk of the request; without Size, 0: the service takes the image's size for a system disk
// (at least 20 GiB) and the snapshot's for a data disk made from one.
Result<DiskRequest> DiskOf(const std::map<std::string, std::string>& m, bool system) {
  DiskRequest d;
  auto get = [&](const char* k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
  d.category =
      get("Category").empty() ? (system ? "cloud_essd" : "cloud_efficiency") : get("Category");
  d.performance_level = get("PerformanceLevel");
  d.name = get("DiskName");
  d.description = get("Description");
  d.snapshot_id = get("SnapshotId");
  d.device = get("Device");
  std::string size = get("Size");
  if (size.empty()) {
    if (!system && d.snapshot_id.empty())
      return MakeError(ErrorCode::kMissingParameter,
                       "The input parameter \"DataDisk.N.Size\" that is mandatory for processing "
                       "this request is not supplied.");
    d.size_gib = 0;
  } else {
    Params p({{"Size", size}});
    OPENECS_ASSIGN_OR_RETURN(auto n, p.Int("Size", 1, 1 << 20));
    d.size_gib = static_cast<int>(*n);
  }
  std::string dwi = get("DeleteWithInstance");
  if (!dwi.empty()) {
    Params p({{"DeleteWithInstance", dwi}});
    OPENECS_ASSIGN_OR_RETURN(d.delete_with_instance, p.Bool("DeleteWithInstance", true));
  }
  return d;
}

Result<RunRequest> ParseRun(ApiContext& c, bool start) {
  // A launch template's version fills in what the request leaves out (api/action.h).
  OPENECS_ASSIGN_OR_RETURN(const Params merged, WithLaunchTemplate(c));
  // What the template adds (its image, vSwitch, security groups, key pair) is authorized too.
  if (merged.all() != c.params.all())
    OPENECS_RETURN_IF_ERROR(Authorize(c.cloud, c.principal, kEcsVersion,
                                      start ? "RunInstances" : "CreateInstance", merged,
                                      c.region_id));
  const Params& p = merged;
  RunRequest r;
  r.account_id = c.account_id;
  r.region_id = c.region_id;
  r.start = start;
  r.public_ip = start;
  r.zone_id = p.GetOr("ZoneId", "");
  r.image_id = p.GetOr("ImageId", "");
  r.instance_type = p.GetOr("InstanceType", "");
  r.vswitch_id = p.GetOr("VSwitchId", "");
  r.private_ip = p.GetOr("PrivateIpAddress", "");
  if (auto sg = p.Get("SecurityGroupId")) r.security_group_ids.push_back(*sg);
  for (auto& sg : p.RepeatList("SecurityGroupIds"))
    if (std::find(r.security_group_ids.begin(), r.security_group_ids.end(), sg) ==
        r.security_group_ids.end())
      r.security_group_ids.push_back(sg);
  r.name = p.GetOr("InstanceName", "");
  r.host_name = p.GetOr("HostName", "");
  r.description = p.GetOr("Description", "");
  r.key_pair_name = p.GetOr("KeyPairName", "");
  r.password = p.GetOr("Password", "");
  r.user_data = p.GetOr("UserData", "");
  r.metadata_http_endpoint = p.GetOr("HttpEndpoint", "enabled");
  r.metadata_http_tokens = p.GetOr("HttpTokens", "optional");
  OPENECS_ASSIGN_OR_RETURN(auto hops, HopLimitOf(p));
  r.metadata_hop_limit = hops.value_or(1);
  OPENECS_ASSIGN_OR_RETURN(r.unique_suffix, p.Bool("UniqueSuffix", false));
  std::map<std::string, std::string> sys;
  for (const char* k : {"Category", "Size", "PerformanceLevel", "DiskName", "Description"})
    if (auto v = p.Get(std::string("SystemDisk.") + k)) sys[k] = *v;
  OPENECS_ASSIGN_OR_RETURN(r.system_disk, DiskOf(sys, true));
  for (auto& m : p.ObjectList("DataDisk")) {
    OPENECS_ASSIGN_OR_RETURN(DiskRequest d, DiskOf(m, false));
    r.data_disks.push_back(std::move(d));
  }
  OPENECS_ASSIGN_OR_RETURN(r.tags, TagsOf(p));
  OPENECS_RETURN_IF_ERROR(ValidateTags(r.tags));
  r.charge_type = p.GetOr("InstanceChargeType", "PostPaid");
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 0, -1000000, 1000000));
  if (period < 0) return MakeError(ErrorCode::kInvalidPeriod);  // ignored unless PrePaid, never < 0
  r.period = static_cast<int>(period);
  r.period_unit = p.GetOr("PeriodUnit", "Month");
  if (r.period_unit != "Month" && r.period_unit != "Week")
    return MakeError(ErrorCode::kInvalidPeriodUnit);
  OPENECS_ASSIGN_OR_RETURN(r.auto_renew, p.Bool("AutoRenew", false));
  OPENECS_ASSIGN_OR_RETURN(int64_t renew_period, p.IntOr("AutoRenewPeriod", 1, 1, 60));
  static const std::set<int64_t> kRenewMonths = {1, 2, 3, 6, 12, 24, 36, 48, 60};
  if (r.period_unit == "Week" ? renew_period > 3 : !kRenewMonths.count(renew_period))
    return MakeError(ErrorCode::kInvalidAutoRenewPeriod);
  r.auto_renew_period = static_cast<int>(renew_period);
  r.spot_strategy = p.GetOr("SpotStrategy", "NoSpot");
  OPENECS_ASSIGN_OR_RETURN(int64_t spot_duration, p.IntOr("SpotDuration", 1, -1000, 1000));
  if (spot_duration < 0 || spot_duration > 1) return MakeError(ErrorCode::kInvalidSpotDuration);
  r.spot_duration = static_cast<int>(spot_duration);
  r.spot_interruption_behavior = p.GetOr("SpotInterruptionBehavior", "Terminate");
  if (r.spot_interruption_behavior != "Terminate" && r.spot_interruption_behavior != "Stop")
    return MakeError(ErrorCode::kInvalidSpotInterruptionBehavior);
  OPENECS_ASSIGN_OR_RETURN(auto limit, p.Double("SpotPriceLimit"));
  // An hourly price: never negative, and a million is past any price (it is stored and shown
  // even when the strategy ignores it).
  if (limit && (*limit < 0 || *limit > 1e6))
    return MakeError(ErrorCode::kInvalidSpotPriceLimit,
                     "SpotPriceLimit must be an hourly price from 0 to 1000000.");
  r.spot_price_limit = limit ? *limit : 0;
  OPENECS_ASSIGN_OR_RETURN(auto internet_charge,
                           p.Enum("InternetChargeType", {"PayByBandwidth", "PayByTraffic"}));
  r.internet_charge_type = internet_charge.value_or("PayByTraffic");
  OPENECS_ASSIGN_OR_RETURN(int64_t bw_out, p.IntOr("InternetMaxBandwidthOut", 0, 0, 1024));
  OPENECS_ASSIGN_OR_RETURN(int64_t bw_in, p.IntOr("InternetMaxBandwidthIn", 0, 0, 1024));
  r.internet_max_bandwidth_out = static_cast<int>(bw_out);
  r.internet_max_bandwidth_in = static_cast<int>(bw_in);
  OPENECS_ASSIGN_OR_RETURN(r.deletion_protection, p.Bool("DeletionProtection", false));
  OPENECS_ASSIGN_OR_RETURN(int64_t amount, p.IntOr("Amount", 1, -1000000, 1000000));
  OPENECS_ASSIGN_OR_RETURN(int64_t min_amount, p.IntOr("MinAmount", 0, -1000000, 1000000));
  r.amount = static_cast<int>(amount);
  r.min_amount = static_cast<int>(min_amount);
  r.deployment_set_id = p.GetOr("DeploymentSetId", "");
  OPENECS_ASSIGN_OR_RETURN(int64_t set_group, p.IntOr("DeploymentSetGroupNo", 0, 1, 7));
  r.deployment_set_group = static_cast<int>(set_group);
  r.resource_group_id = p.Get("ResourceGroupId");
  r.ram_role_name = p.GetOr("RamRoleName", "");
  r.dedicated_host_id = p.GetOr("DedicatedHostId", "");
  // Tenancy=host places on one of the account's dedicated hosts, which OpenECS does only when
  // DedicatedHostId names it (service/dedicated_host_service.h).
  OPENECS_ASSIGN_OR_RETURN(auto tenancy, p.Enum("Tenancy", {"default", "host"}));
  if (tenancy && *tenancy == "host" && r.dedicated_host_id.empty())
    return MakeError(ErrorCode::kInvalidParameter,
                     "Tenancy=host needs DedicatedHostId: OpenECS does not choose among an "
                     "account's dedicated hosts.");
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(p));
  return r;
}

Result<json> RunInstancesAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(RunRequest r, ParseRun(c, true));
  OPENECS_RETURN_IF_ERROR(CheckPassRole(c, r.ram_role_name));
  RunOrder order;
  OPENECS_ASSIGN_OR_RETURN(auto ids, RunInstances(c.cloud, r, &order));
  json arr = json::array();
  for (auto& id : ids) arr.push_back(id);
  return json{{"InstanceIdSets", Wrap("InstanceIdSet", arr)},
              {"OrderId", order.order_id},
              {"TradePrice", ToAmount(order.trade_price)}};
}

Result<json> CreateInstanceAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(RunRequest r, ParseRun(c, false));
  OPENECS_RETURN_IF_ERROR(CheckPassRole(c, r.ram_role_name));
  r.amount = 1;
  r.min_amount = 1;
  RunOrder order;
  OPENECS_ASSIGN_OR_RETURN(auto ids, RunInstances(c.cloud, r, &order));
  return json{{"InstanceId", ids.at(0)},
              {"OrderId", order.order_id},
              {"TradePrice", ToAmount(order.trade_price)}};
}

// One instance as DescribeInstances shows it, written straight to text (the hot path).
void RenderInstance(const State& s, const Instance& i, JsonWriter& w) {
  const EipAddress* eip = EipOf(s, i.id);
  std::vector<const NetworkInterface*> secondaries = AttachedEnis(s, i.id);
  std::string family, gpu_spec;
  if (const InstanceType* t = FindInstanceType(i.instance_type)) {
    family = t->family;
    gpu_spec = t->gpu_spec;
  }
  // Of the image it was made from (blank if that custom image is gone).
  std::string os_name, os_type = "linux";
  if (const Image* img = FindBuiltinImage(i.image_id)) {
    os_name = img->os_name;
    os_type = img->os_type;
  } else if (auto c = s.images.find(i.image_id); c != s.images.end()) {
    os_name = c->second.os_name;
    os_type = c->second.os_type;
  }
  std::string suffix = i.id.substr(2);
  std::string mac = MacForId(i.id);  // what the guest's NIC carries
  auto ip_list = [&](std::string_view key, const std::string& ip) {
    w.Key(key).BeginObject().Key("IpAddress").BeginArray();
    if (!ip.empty()) w.String(ip);
    w.EndArray().EndObject();
  };
  w.BeginObject()
      .Field("InstanceId", i.id)
      .Field("InstanceName", i.name)
      .Field("HostName", i.host_name)
      .Field("Description", i.description)
      .Field("RegionId", i.region_id)
      .Field("ZoneId", i.zone_id)
      .Field("InstanceType", i.instance_type)
      .Field("InstanceTypeFamily", family)
      .Field("Cpu", i.cpu)
      .Field("Memory", i.memory_mb)
      .Field("GPUAmount", i.gpu)
      .Field("GPUSpec", gpu_spec)
      .Field("ImageId", i.image_id)
      .Field("OSName", os_name)
      .Field("OSNameEn", os_name)
      .Field("OSType", os_type)
      .Field("Status", ToString(i.status))
      .Field("StoppedMode",
             i.status == InstanceStatus::kStopped ? i.stopped_mode : "Not-applicable")
      .Field("InstanceNetworkType", "vpc");
  w.Key("VpcAttributes")
      .BeginObject()
      .Field("VpcId", i.vpc_id)
      .Field("VSwitchId", i.vswitch_id)
      .Field("NatIpAddress", "");
  ip_list("PrivateIpAddress", i.private_ip);
  w.EndObject();
  ip_list("InnerIpAddress", "");
  ip_list("PublicIpAddress", i.public_ip);
  w.Key("EipAddress")
      .BeginObject()
      .Field("AllocationId", eip ? eip->id : "")
      .Field("IpAddress", eip ? eip->ip_address : "")
      .Field("Bandwidth", eip ? eip->bandwidth : 0)
      .Field("InternetChargeType", eip ? eip->internet_charge_type : "")
      .Field("IsSupportUnassociate", eip != nullptr)
      .EndObject();
  w.Key("RdmaIpAddress").BeginObject().Key("IpAddress").BeginArray().EndArray().EndObject();
  w.Key("NetworkInterfaces").BeginObject().Key("NetworkInterface").BeginArray();
  auto nic = [&](const std::string& id, const char* type, const std::string& nic_mac,
                 const std::string& ip, const std::vector<std::string>& secondary) {
    w.BeginObject()
        .Field("NetworkInterfaceId", id)
        .Field("Type", type)
        .Field("PrimaryIpAddress", ip)
        .Field("MacAddress", nic_mac)
        .Key("PrivateIpSets")
        .BeginObject()
        .Key("PrivateIpSet")
        .BeginArray();
    auto address = [&](const std::string& a, bool primary) {
      w.BeginObject()
          .Field("PrivateIpAddress", a)
          .Field("Primary", primary)
          .Field("PrivateDnsName", "")
          .EndObject();
    };
    address(ip, true);
    for (const auto& s : secondary) address(s, false);
    w.EndArray().EndObject();
    // No IPv6 and no prefixes (Ipv4Prefix / Ipv6Prefix) on OpenECS interfaces.
    for (const char* set : {"Ipv6Sets", "Ipv4PrefixSets", "Ipv6PrefixSets"}) {
      std::string inner(set);
      inner.pop_back();  // Ipv6Sets -> Ipv6Set
      w.Key(set).BeginObject().Key(inner).BeginArray().EndArray().EndObject();
    }
    w.EndObject();
  };
  if (!i.vpc_id.empty()) nic(PrimaryEniId(i.id), "Primary", mac, i.private_ip, i.secondary_ips);
  for (const NetworkInterface* e : secondaries)
    nic(e->id, "Secondary", MacForId(e->id), e->primary_ip, e->secondary_ips);
  w.EndArray().EndObject();
  w.Key("SecurityGroupIds").BeginObject().Key("SecurityGroupId").BeginArray();
  for (const auto& g : i.security_group_ids) w.String(g);
  w.EndArray().EndObject();
  w.Field("InstanceChargeType", i.charge_type)
      .Field("InternetChargeType", i.internet_charge_type)
      .Field("InternetMaxBandwidthOut", i.internet_max_bandwidth_out)
      .Field("InternetMaxBandwidthIn", i.internet_max_bandwidth_in)
      .Field("SpotStrategy", i.spot_strategy)
      .Field("SpotPriceLimit", i.spot_price_limit)
      .Field("DeletionProtection", i.deletion_protection)
      .Field("KeyPairName", i.key_pair_name)
      .Field("CreationTime", FormatIsoMinutes(i.creation_time))
      .Field("StartTime", i.start_time ? FormatIsoMinutes(i.start_time) : "")
      .Field("ExpiredTime", i.expired_time ? FormatIsoMinutes(i.expired_time) : "2099-12-31T15:59Z")
      .Field("IoOptimized", true)
      .Field("DeviceAvailable", true)
      .Field("Recyclable", false)
      .Field("SerialNumber", suffix)
      .Field("ResourceGroupId", EffectiveGroup(i.resource_group_id, i.account_id))
      // Features OpenECS does not have, in the form ECS gives an instance without them.
      .Field("AutoReleaseTime", i.auto_release_time ? FormatIso(i.auto_release_time) : "")
      .Field("ClusterId", "")
      .Field("CreditSpecification", "")
      .Field("DeploymentSetGroupNo", i.deployment_set_group)
      .Field("DeploymentSetId", i.deployment_set_id)
      .Field("EnableNVS", false)
      .Field("HpcClusterId", "")
      .Field("ISP", "")
      .Field("LocalStorageAmount", 0)
      .Field("LocalStorageCapacity", 0)
      .Field("SaleCycle", i.charge_type == "PrePaid" ? ToLower(i.period_unit) : "")
      .Field("SpotDuration", i.spot_strategy == "NoSpot" ? 0 : i.spot_duration)
      .Field("SpotInterruptionBehavior", i.spot_interruption_behavior)
      .Field("VlanId", "");
  // One socket of `Cpu` single-threaded cores, as QEMU is given them.
  w.Key("CpuOptions")
      .BeginObject()
      .Field("CoreCount", i.cpu)
      .Field("ThreadsPerCore", 1)
      .Field("Numa", "")
      .Field("NestedVirtualization", "")
      .Field("TopologyType", "")
      .Field("TurboMode", "")
      .Field("EnableVISST", false)
      .Field("EnableVRDT", false)
      .EndObject();
  w.Key("AdditionalInfo")
      .BeginObject()
      .Field("EnableHighDensityMode", false)
      .Field("ManagedHostId", "")
      .Field("NodeSerialNumber", "")
      .EndObject();
  w.Key("ClockOptions").BeginObject().Field("PtpStatus", "").EndObject();
  const DedicatedHost* dh = nullptr;
  if (auto it = s.dedicated_hosts.find(i.dedicated_host_id); it != s.dedicated_hosts.end())
    dh = &it->second;
  w.Key("DedicatedHostAttribute")
      .BeginObject()
      .Field("DedicatedHostClusterId", "")
      .Field("DedicatedHostId", i.dedicated_host_id)
      .Field("DedicatedHostName", dh ? dh->name : "")
      .EndObject();
  w.Key("DedicatedInstanceAttribute")
      .BeginObject()
      .Field("Affinity", i.dedicated_host_id.empty() ? "" : "default")
      .Field("Tenancy", i.dedicated_host_id.empty() ? "" : "host")
      .EndObject();
  w.Key("EcsCapacityReservationAttr")
      .BeginObject()
      .Field("CapacityReservationId", "")
      .Field("CapacityReservationPreference", "")
      .EndObject();
  w.Key("HibernationOptions").BeginObject().Field("Configured", false).EndObject();
  w.Key("ImageOptions")
      .BeginObject()
      .Field("CurrentOSNVMeSupported", false)
      .Field("LoginAsNonRoot", false)
      .EndObject();
  w.Key("PrivateDnsNameOptions")
      .BeginObject()
      .Field("EnableInstanceIdDnsAAAARecord", false)
      .Field("EnableInstanceIdDnsARecord", false)
      .Field("EnableIpDnsARecord", false)
      .Field("EnableIpDnsPtrRecord", false)
      .Field("HostnameType", "")
      .EndObject();
  w.Key("SecurityOptions").BeginObject().Field("EnableSecureBoot", false).EndObject();
  w.Key("OperationLocks").BeginObject().Key("LockReason").BeginArray();
  for (const auto& reason : i.operation_locks)
    w.BeginObject().Field("LockReason", reason).Field("LockMsg", LockMessage(reason)).EndObject();
  w.EndArray().EndObject();
  w.Key("Tags").BeginObject().Key("Tag").BeginArray();
  for (const auto& t : i.tags)
    w.BeginObject().Field("TagKey", t.key).Field("TagValue", t.value).EndObject();
  w.EndArray().EndObject();
  w.Key("MetadataOptions")
      .BeginObject()
      .Field("HttpEndpoint", i.metadata_http_endpoint)
      .Field("HttpTokens", i.metadata_http_tokens)
      .Field("HttpPutResponseHopLimit", i.metadata_hop_limit)
      .Field("InstanceMetadataTags", "disabled")
      .EndObject();
  w.EndObject();
}

json RenderInstance(const State& s, const Instance& i) {
  JsonWriter w;
  RenderInstance(s, i, w);
  return json::parse(w.str());
}

Result<json> DescribeInstancesAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(auto ids_list, p.JsonList("InstanceIds"));
  if (ids_list.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 InstanceIds.");
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  OPENECS_ASSIGN_OR_RETURN(auto ips_list, p.JsonList("PrivateIpAddresses"));
  std::set<std::string> ips(ips_list.begin(), ips_list.end());
  auto vpc = p.Get("VpcId"), vsw = p.Get("VSwitchId"), zone = p.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  auto name = p.Get("InstanceName"), type = p.Get("InstanceType"), sg = p.Get("SecurityGroupId");
  auto image = p.Get("ImageId"), charge = p.Get("InstanceChargeType"), key = p.Get("KeyPairName");
  auto group = p.Get("ResourceGroupId");
  OPENECS_ASSIGN_OR_RETURN(auto lock,
                           p.Enum("LockReason", {kLockFinancial, kLockSecurity, kLockRecycling,
                                                 "dedicatedhostfinancial", "refunded"}));
  std::optional<InstanceStatus> status;
  if (auto st = p.Get("Status")) {
    InstanceStatus parsed;
    if (!ParseStatus(*st, &parsed)) return MakeError(ErrorCode::kInvalidStatus);
    status = parsed;
  }
  OPENECS_ASSIGN_OR_RETURN(Tags want, TagsOf(p));
  // InstanceName supports a trailing '*' wildcard (prefix match), as on ECS.
  auto name_match = [&](const std::string& n) {
    if (!name) return true;
    if (!name->empty() && name->back() == '*')
      return n.rfind(name->substr(0, name->size() - 1), 0) == 0;
    return n == *name;
  };
  // No filter but the account: the fast path below.
  const bool unfiltered = ids.empty() && ips.empty() && !vpc && !vsw && !zone && !status && !name &&
                          !type && !image && !charge && !lock && !key &&
                          (!group || group->empty()) && !sg && want.empty();
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Instance*> matched;
    auto consider = [&](const Instance& i) {  // one of the caller's
      if (vpc && i.vpc_id != *vpc) return;
      if (vsw && i.vswitch_id != *vsw) return;
      if (zone && i.zone_id != *zone) return;
      if (status && i.status != *status) return;
      if (!name_match(i.name)) return;
      if (type && i.instance_type != *type) return;
      if (image && i.image_id != *image) return;
      if (charge && i.charge_type != *charge) return;
      if (lock && !HasLock(i, *lock)) return;
      if (key && i.key_pair_name != *key) return;
      if (!InGroup(group, i.resource_group_id, i.account_id)) return;
      if (!ips.empty() && !ips.count(i.private_ip)) return;
      if (sg && std::find(i.security_group_ids.begin(), i.security_group_ids.end(), *sg) ==
                    i.security_group_ids.end())
        return;
      if (!want.empty() && !TagsMatch(i.tags, want)) return;
      matched.push_back(&i);
    };
    size_t total = 0;
    Page page;
    if (unfiltered) {
      // Every instance of the account: the page is found by its position in the index, without
      // reading the instances before it (a page at 100,000 instances read all of them).
      const StateIndex::RankedIds& ranked = s.index.InstancesOf(c.account_id);
      total = ranked.size();
      OPENECS_ASSIGN_OR_RETURN(page, Paginate(p, total, PageSpec{}));
      auto it = ranked.find_by_order(page.begin);
      for (size_t k = page.begin; k < page.end && it != ranked.end(); ++k, ++it)
        if (const Instance* i = FindOwned(s.instances, *it, c.account_id)) matched.push_back(i);
    } else {
      if (!ids.empty()) {
        for (const auto& id : ids)
          if (const Instance* i = FindOwned(s.instances, id, c.account_id)) consider(*i);
      } else {
        for (const auto& [id, i] : Owned(s.instances, c.account_id)) consider(i);
      }
      total = matched.size();
      OPENECS_ASSIGN_OR_RETURN(page, Paginate(p, total, PageSpec{}));
      matched = {matched.begin() + static_cast<std::ptrdiff_t>(page.begin),
                 matched.begin() + static_cast<std::ptrdiff_t>(page.end)};
    }
    JsonWriter w;
    w.BeginArray();
    for (const Instance* i : matched) RenderInstance(s, *i, w);
    w.EndArray();
    c.raw.push_back(w.Take());
    json reply = {{"Instances", {{"Instance", RawPlaceholder(0)}}}};
    page.Render(reply, total);
    if (!page.token_mode) reply["NextToken"] = "";
    return reply;
  });
}

Result<json> DescribeInstanceStatusAction(ApiContext& c) {
  auto ids_list = c.params.RepeatList("InstanceId");
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  auto zone = c.params.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  PageSpec spec;
  spec.token_style = false;
  spec.page_size_max = 50;
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Instance*> matched;
    for (const auto& [id, i] : Owned(s.instances, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      if (zone && i.zone_id != *zone) continue;
      matched.push_back(&i);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
    json arr = json::array();
    for (size_t i = page.begin; i < page.end; ++i)
      arr.push_back({{"InstanceId", matched[i]->id}, {"Status", ToString(matched[i]->status)}});
    json reply = {{"InstanceStatuses", Wrap("InstanceStatus", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> DescribeInstancesFullStatusAction(ApiContext& c) {
  auto ids_list = c.params.RepeatList("InstanceId");
  std::set<std::string> ids(ids_list.begin(), ids_list.end());
  auto status = c.params.Get("Status");
  auto health = c.params.Get("HealthStatus");
  int64_t now = c.cloud.Now();
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<std::pair<const Instance*, std::string>> matched;
    for (const auto& [id, i] : Owned(s.instances, c.account_id)) {
      if (!ids.empty() && !ids.count(id)) continue;
      // Full status knows three states: transitional ones report as where they are heading.
      std::string st =
          i.status == InstanceStatus::kRunning ? "Running"
          : (i.status == InstanceStatus::kStopped || i.status == InstanceStatus::kStopping)
              ? "Stopped"
              : "Starting";
      if (status && *status != st) continue;
      std::string h = HealthStatusOf(i, now, c.cloud.GuestAgent(id));
      if (health && *health != h) continue;
      matched.push_back({&i, st + "/" + h});
    }
    OPENECS_ASSIGN_OR_RETURN(Page page,
                             Paginate(c.params, matched.size(), PageSpec{.token_style = false}));
    static const std::map<std::string, int> kStatusCode = {
        {"Starting", 0}, {"Running", 1}, {"Stopped", 64}};
    static const std::map<std::string, int> kHealthCode = {
        {"Ok", 0}, {"Impaired", 1}, {"Initializing", 3}, {"NotApplicable", 6}};
    json arr = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      auto parts = Split(matched[k].second, '/');
      arr.push_back({{"InstanceId", matched[k].first->id},
                     {"Status", {{"Name", parts[0]}, {"Code", kStatusCode.at(parts[0])}}},
                     {"HealthStatus", {{"Name", parts[1]}, {"Code", kHealthCode.at(parts[1])}}},
                     {"ScheduledSystemEventSet", Wrap("ScheduledSystemEventType", json::array())}});
    }
    json reply = {{"InstanceFullStatusSet", Wrap("InstanceFullStatusType", arr)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> DescribeInstanceAttributeAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const Instance* i = FindOwned(s.instances, id, c.account_id);
    if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    json full = RenderInstance(s, *i);
    json out;
    for (const char* k : {"InstanceId",
                          "InstanceName",
                          "HostName",
                          "Description",
                          "RegionId",
                          "ZoneId",
                          "InstanceType",
                          "Cpu",
                          "Memory",
                          "ImageId",
                          "Status",
                          "StoppedMode",
                          "InstanceNetworkType",
                          "VpcAttributes",
                          "InnerIpAddress",
                          "PublicIpAddress",
                          "EipAddress",
                          "SecurityGroupIds",
                          "InstanceChargeType",
                          "InternetChargeType",
                          "InternetMaxBandwidthOut",
                          "InternetMaxBandwidthIn",
                          "CreationTime",
                          "ExpiredTime",
                          "OperationLocks",
                          "SerialNumber",
                          "ClusterId",
                          "CreditSpecification",
                          "VlanId",
                          "SecurityOptions"})
      out[k] = full[k];
    out["IoOptimized"] = "optimized";
    out["DedicatedHostAttribute"] = {
        {"DedicatedHostId", full["DedicatedHostAttribute"]["DedicatedHostId"]},
        {"DedicatedHostName", full["DedicatedHostAttribute"]["DedicatedHostName"]}};
    out["EnableJumboFrame"] = false;
    out["EnableNetworkEncryption"] = false;
    out["NetworkOptions"] = {{"BandwidthWeighting", ""},
                             {"EnableJumboFrame", false},
                             {"EnableNetworkEncryption", false}};
    return out;
  });
}

json RenderBatch(const std::vector<BatchResult>& results) {
  json arr = json::array();
  for (const auto& r : results) {
    std::string code = "200", message = "success";
    if (r.error) {
      code = std::string(Describe(r.error->code).code);
      message = r.error->message.empty() ? std::string(Describe(r.error->code).message)
                                         : r.error->message;
    }
    arr.push_back({{"InstanceId", r.instance_id},
                   {"Code", code},
                   {"Message", message},
                   {"PreviousStatus", ToString(r.previous)},
                   {"CurrentStatus", ToString(r.current)}});
  }
  return json{{"InstanceResponses", Wrap("InstanceResponse", arr)}};
}

using BatchFn = Result<std::vector<BatchResult>> (*)(Cloud&, const PowerRequest&);

// One handler for the single and batch forms of a power operation.
ActionHandler PowerAction(BatchFn fn, bool batch, const char* force_param) {
  return [fn, batch, force_param](ApiContext& c) -> Result<json> {
    PowerRequest r;
    r.account_id = c.account_id;
    if (batch) {
      OPENECS_ASSIGN_OR_RETURN(r.instance_ids, RequiredRepeatList(c.params, "InstanceId"));
      OPENECS_ASSIGN_OR_RETURN(auto mode,
                               c.params.Enum("BatchOptimization", {"AllTogether", "SuccessFirst"}));
      r.mode = mode && *mode == "SuccessFirst" ? BatchMode::kSuccessFirst : BatchMode::kAllTogether;
    } else {
      OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
      r.instance_ids = {id};
    }
    OPENECS_ASSIGN_OR_RETURN(r.force, c.params.Bool(force_param, false));
    if (std::string(force_param) == "ForceReboot" && !r.force) {
      OPENECS_ASSIGN_OR_RETURN(r.force, c.params.Bool("ForceStop", false));
    }
    r.stopped_mode = c.params.GetOr("StoppedMode", "KeepCharging");
    OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
    OPENECS_ASSIGN_OR_RETURN(auto results, fn(c.cloud, r));
    if (!batch || fn == DeleteInstances) return json::object();
    return RenderBatch(results);
  };
}

Result<json> ModifyInstanceAttributeAction(ApiContext& c) {
  ModifyInstanceRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, c.params.Required("InstanceId"));
  r.name = c.params.Get("InstanceName");
  r.description = c.params.Get("Description");
  r.host_name = c.params.Get("HostName");
  r.password = c.params.Get("Password");
  r.user_data = c.params.Get("UserData");
  OPENECS_ASSIGN_OR_RETURN(r.deletion_protection, c.params.OptBool("DeletionProtection"));
  auto sgs = c.params.RepeatList("SecurityGroupIds");
  if (!sgs.empty()) r.security_group_ids = sgs;
  OPENECS_ASSIGN_OR_RETURN(r.dry_run, DryRunOf(c.params));
  OPENECS_RETURN_IF_ERROR(ModifyInstanceAttribute(c.cloud, r));
  return json::object();
}

Result<json> DescribeUserDataAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const Instance* i = FindOwned(s.instances, id, c.account_id);
    if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    return json{{"InstanceId", id}, {"RegionId", c.region_id}, {"UserData", i->user_data}};
  });
}

Result<json> JoinSecurityGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string sg, c.params.Required("SecurityGroupId"));
  OPENECS_RETURN_IF_ERROR(JoinSecurityGroup(c.cloud, c.account_id, id, sg));
  return json::object();
}

Result<json> LeaveSecurityGroupAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string sg, c.params.Required("SecurityGroupId"));
  OPENECS_RETURN_IF_ERROR(LeaveSecurityGroup(c.cloud, c.account_id, id, sg));
  return json::object();
}

// Gives a static public IP to an instance with public bandwidth (InternetMaxBandwidthOut > 0).
Result<json> AllocatePublicIpAddressAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(std::string ip, AllocatePublicIp(c.cloud, c.account_id, id));
  return json{{"IpAddress", ip}};
}

// Sets the password VNC clients must give; it applies at the guest's next start or reboot.
Result<json> ModifyInstanceVncPasswdAction(ApiContext& c) {
  ModifyInstanceRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(r.vnc_password, c.params.Required("VncPassword"));
  OPENECS_RETURN_IF_ERROR(ModifyInstanceAttribute(c.cloud, r));
  return json::object();
}

// The metadata service options of one instance; they reach its host at once (no restart).
Result<json> ModifyInstanceMetadataOptionsAction(ApiContext& c) {
  ModifyInstanceRequest r;
  r.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(r.instance_id, c.params.Required("InstanceId"));
  r.metadata_http_endpoint = c.params.Get("HttpEndpoint");
  r.metadata_http_tokens = c.params.Get("HttpTokens");
  OPENECS_ASSIGN_OR_RETURN(r.metadata_hop_limit, HopLimitOf(c.params));
  OPENECS_RETURN_IF_ERROR(ModifyInstanceAttribute(c.cloud, r));
  return json::object();
}

// Where a VNC client (noVNC) reaches the running guest's screen: a websocket on the guest's
// host, protected by the instance's VNC password (ModifyInstanceVncPasswd).
Result<json> DescribeInstanceVncUrlAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    const Instance* found = FindOwned(s.instances, id, c.account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    const Instance& i = *found;
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kVncUrl, i.status, i.task));
    if (i.vnc_url.empty())
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "The instance's host has not reported a VNC endpoint yet.");
    return json{{"VncUrl", i.vnc_url}};
  });
}

// The guest's serial console (Base64), as the host last reported it. ECS answers
// IncorrectInstanceStatus for instances that never booted.
Result<json> GetInstanceConsoleOutputAction(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, c.params.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(bool remove_symbols, c.params.Bool("RemoveSymbols", false));
  OPENECS_RETURN_IF_ERROR(c.cloud.Read<Status>([&](const State& s) -> Status {
    if (!FindOwned(s.instances, id, c.account_id))
      return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    return Ok();
  }));
  std::string text = c.cloud.Console(id);
  if (remove_symbols) {
    std::string clean;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\x1b') {  // drop ANSI escape sequences
        while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        continue;
      }
      if (text[i] != '\r') clean += text[i];
    }
    text = std::move(clean);
  }
  return json{{"InstanceId", id},
              {"ConsoleOutput", Base64Encode(text)},
              {"LastUpdateTime", FormatIso(c.cloud.Now())}};
}

}  // namespace

void RegisterInstanceActions(ActionTable& t) {
  t[{kEcsVersion, "RunInstances"}] = {RunInstancesAction, true, true};
  t[{kEcsVersion, "CreateInstance"}] = {CreateInstanceAction, true, true};
  t[{kEcsVersion, "DescribeInstances"}] = {DescribeInstancesAction};
  t[{kEcsVersion, "DescribeInstanceStatus"}] = {DescribeInstanceStatusAction};
  t[{kEcsVersion, "DescribeInstancesFullStatus"}] = {DescribeInstancesFullStatusAction};
  t[{kEcsVersion, "DescribeInstanceAttribute"}] = {DescribeInstanceAttributeAction, false};
  t[{kEcsVersion, "StartInstance"}] = {PowerAction(StartInstances, false, "InitLocalDisk"), false};
  t[{kEcsVersion, "StartInstances"}] = {PowerAction(StartInstances, true, "InitLocalDisk")};
  t[{kEcsVersion, "StopInstance"}] = {PowerAction(StopInstances, false, "ForceStop"), false};
  t[{kEcsVersion, "StopInstances"}] = {PowerAction(StopInstances, true, "ForceStop")};
  t[{kEcsVersion, "RebootInstance"}] = {PowerAction(RebootInstances, false, "ForceStop"), false};
  t[{kEcsVersion, "RebootInstances"}] = {PowerAction(RebootInstances, true, "ForceReboot")};
  t[{kEcsVersion, "DeleteInstance"}] = {PowerAction(DeleteInstances, false, "Force"), false};
  t[{kEcsVersion, "DeleteInstances"}] = {PowerAction(DeleteInstances, true, "Force"), true, true};
  t[{kEcsVersion, "ModifyInstanceAttribute"}] = {ModifyInstanceAttributeAction, false};
  t[{kEcsVersion, "DescribeUserData"}] = {DescribeUserDataAction};
  t[{kEcsVersion, "GetInstanceConsoleOutput"}] = {GetInstanceConsoleOutputAction};
  t[{kEcsVersion, "ModifyInstanceVncPasswd"}] = {ModifyInstanceVncPasswdAction};
  t[{kEcsVersion, "DescribeInstanceVncUrl"}] = {DescribeInstanceVncUrlAction};
  t[{kEcsVersion, "ModifyInstanceMetadataOptions"}] = {ModifyInstanceMetadataOptionsAction};
  t[{kEcsVersion, "AllocatePublicIpAddress"}] = {AllocatePublicIpAddressAction, false};
  t[{kEcsVersion, "JoinSecurityGroup"}] = {JoinSecurityGroupAction, false};
  t[{kEcsVersion, "LeaveSecurityGroup"}] = {LeaveSecurityGroupAction, false};
}

}  // namespace openecs
