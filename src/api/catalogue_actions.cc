// Catalogue actions: regions, zones, instance types and families, stock, images, and the
// account's quotas (DescribeAccountAttributes).
#include <set>

#include "api/action.h"
#include "api/paging.h"
#include "common/text.h"
#include "model/catalogue.h"
#include "service/capacity.h"
#include "service/quota_service.h"

namespace openecs {
namespace {
using json = nlohmann::json;

bool AnyGpuHost(const State& s) {
  for (const auto& [id, h] : s.hosts)
    if (h.gpus > 0 && h.lost_since == 0) return true;
  return false;
}

}  // namespace

// Types offered for sale (zones, stock): GPU types only where some host declares GPUs.
// DescribeInstanceTypes lists the whole catalogue, as ECS does.
std::vector<const InstanceType*> OfferedTypes(Cloud& cloud) {
  bool gpu = cloud.Read<bool>([](const State& s) { return AnyGpuHost(s); });
  std::vector<const InstanceType*> out;
  for (const auto& t : AllInstanceTypes())
    if (t.gpu == 0 || gpu) out.push_back(&t);
  return out;
}

namespace {

// One instance type. Beyond the catalogue's figures, what OpenECS's hypervisor gives every
// guest: `-smp N` (N cores of one thread each, fixed), single-queue virtio-net NICs on one network
// card, no SR-IOV, RDMA, trunk ENIs, jumbo frames, PTP clock, nested virtualisation or Secure
// Boot; burstable types are sold without CPU credits (so no baseline or initial credit).
json RenderType(const InstanceType& t) {
  json cpu_options = {{"Core", t.cpu},
                      {"ThreadsPerCore", 1},
                      {"CoreFactor", 1},
                      {"HyperThreadingAdjustable", false},
                      {"NestedVirtualizationSupport", "unsupported"},
                      {"SupportedTopologyTypes", Wrap("SupportedTopologyType", json::array())}};
  json enhanced_network = {{"SriovSupport", false},
                           {"RssSupport", false},
                           {"ExpressSupport", false},
                           {"VfQueueNumberPerEni", 0}};
  json network_info = {
      {"BandwidthWeighting", {{"WeightingInfos", Wrap("WeightingInfo", json::array())}}}};
  return {{"InstanceTypeId", t.id},
          {"InstanceTypeFamily", t.family},
          {"InstanceCategory", t.category},
          {"InstanceFamilyLevel", t.category == "Shared" ? "CreditEntryLevel" : "EnterpriseLevel"},
          {"CpuCoreCount", t.cpu},
          {"MemorySize", t.memory_gib},
          {"CpuArchitecture", "X86"},
          {"PhysicalProcessorModel", t.processor},
          {"GPUAmount", t.gpu},
          {"GPUSpec", t.gpu_spec},
          {"GPUMemorySize", t.gpu_memory_gib},
          {"LocalStorageAmount", t.local_storage_amount},
          {"LocalStorageCapacity", t.local_storage_gib},
          {"LocalStorageCategory", t.local_storage_category},
          {"EniQuantity", t.eni_quantity},
          {"EniPrivateIpAddressQuantity", t.eni_private_ips},
          {"EniIpv6AddressQuantity", 1},
          {"InstanceBandwidthRx", static_cast<int64_t>(t.bandwidth_gbps * 1024 * 1024)},
          {"InstanceBandwidthTx", static_cast<int64_t>(t.bandwidth_gbps * 1024 * 1024)},
          {"InstancePpsRx", t.pps_k * 1000},
          {"InstancePpsTx", t.pps_k * 1000},
          {"DiskQuantity", 17},
          {"NvmeSupport", "unsupported"},
          {"SupportedBootModes", Wrap("SupportedBootMode", json::array({"BIOS", "UEFI"}))},
          {"CpuOptions", cpu_options},
          {"CpuSpeedFrequency", 0},  // the host's CPU, not a property of the type here
          {"CpuTurboFrequency", 0},
          {"BaselineCredit", 0},
          {"InitialCredit", 0},
          {"EniTotalQuantity", t.eni_quantity},
          {"EniTrunkSupported", false},
          {"EriQuantity", 0},
          {"PrimaryEniQueueNumber", 1},
          {"SecondaryEniQueueNumber", 1},
          {"MaximumQueueNumberPerEni", 1},
          {"TotalEniQueueQuantity", t.eni_quantity},
          {"QueuePairNumber", 0},
          {"NetworkCardQuantity", 1},
          {"NetworkCards", Wrap("NetworkCardInfo", json::array({{{"NetworkCardIndex", 0}}}))},
          {"EnhancedNetwork", enhanced_network},
          {"NetworkInfo", network_info},
          {"JumboFrameSupport", false},
          {"NetworkEncryptionSupport", false},
          {"Clock", {{"PtpSupport", "unsupported"}}},
          {"SecurityOptions", {{"SecureBootSupport", "unsupported"}}},
          {"Attributes", Wrap("Attribute", json::array())}};
}

Result<json> DescribeRegions(ApiContext& c) {
  auto type = c.params.Get("ResourceType");
  if (type && *type != "instance" && *type != "disk" && *type != "reservedinstance" &&
      *type != "scu")
    return MakeError(ErrorCode::kInvalidResourceTypeNotFound);
  const std::string& r = c.cloud.config().region_id;
  json region = {{"RegionId", r},
                 {"LocalName", "OpenECS " + r},
                 {"RegionEndpoint", "ecs.openecs.local"},
                 {"Status", "available"}};
  return json{{"Regions", Wrap("Region", json::array({region}))}};
}

Result<json> DescribeZones(ApiContext& c) {
  auto types = OfferedTypes(c.cloud);
  // Every zone offers the same: the types for sale, their families and generations, the cloud
  // disk categories (system or data), VPC networking, I/O optimised.
  json type_ids = json::array(), families = json::array(), generations = json::array();
  std::set<std::string> seen_family, seen_generation;
  for (auto* t : types) {
    type_ids.push_back(t->id);
    if (seen_family.insert(t->family).second) families.push_back(t->family);
    if (seen_generation.insert(t->generation).second) generations.push_back(t->generation);
  }
  json cats = json::array();
  for (const auto& d : DiskCategories()) cats.push_back(d.name);
  json resources_info = {{"IoOptimized", true},
                         {"InstanceTypes", Wrap("supportedInstanceType", type_ids)},
                         {"InstanceTypeFamilies", Wrap("supportedInstanceTypeFamily", families)},
                         {"InstanceGenerations", Wrap("supportedInstanceGeneration", generations)},
                         {"SystemDiskCategories", Wrap("supportedSystemDiskCategory", cats)},
                         {"DataDiskCategories", Wrap("supportedDataDiskCategory", cats)},
                         {"NetworkTypes", Wrap("supportedNetworkCategory", json::array({"vpc"}))}};
  json zones = json::array();
  for (const auto& z : c.cloud.config().zones) {
    zones.push_back({{"ZoneId", z},
                     {"LocalName", "OpenECS zone " + z},
                     {"ZoneType", "AvailabilityZone"},
                     {"AvailableResourceCreation",
                      Wrap("ResourceTypes", json::array({"Instance", "Disk", "VSwitch"}))},
                     {"AvailableDiskCategories", Wrap("DiskCategories", cats)},
                     {"AvailableVolumeCategories", Wrap("VolumeCategories", cats)},
                     {"AvailableInstanceTypes", Wrap("InstanceTypes", type_ids)},
                     {"AvailableResources", Wrap("ResourcesInfo", json::array({resources_info}))},
                     {"AvailableDedicatedHostTypes", Wrap("DedicatedHostType", json::array())},
                     {"DedicatedHostGenerations", Wrap("DedicatedHostGeneration", json::array())}});
  }
  return json{{"Zones", Wrap("Zone", zones)}};
}

Result<json> DescribeInstanceTypes(ApiContext& c) {
  std::set<std::string> want_ids, want_families;
  for (auto& v : c.params.RepeatList("InstanceTypes")) want_ids.insert(v);
  for (auto& v : c.params.RepeatList("InstanceTypeFamilies")) want_families.insert(v);
  if (auto f = c.params.Get("InstanceTypeFamily")) want_families.insert(*f);
  auto category = c.params.Get("InstanceCategory");
  OPENECS_ASSIGN_OR_RETURN(auto min_cpu, c.params.Int("MinimumCpuCoreCount", 0, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto max_cpu, c.params.Int("MaximumCpuCoreCount", 0, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto min_mem, c.params.Double("MinimumMemorySize", 0, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto max_mem, c.params.Double("MaximumMemorySize", 0, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto min_gpu, c.params.Int("MinimumGPUAmount", 0, 1 << 20));
  std::vector<const InstanceType*> matched;
  for (const auto& type : AllInstanceTypes()) {
    const InstanceType* t = &type;
    if (!want_ids.empty() && !want_ids.count(t->id)) continue;
    if (!want_families.empty() && !want_families.count(t->family)) continue;
    if (category && *category != t->category) continue;
    if (min_cpu && t->cpu < *min_cpu) continue;
    if (max_cpu && t->cpu > *max_cpu) continue;
    if (min_mem && t->memory_gib < *min_mem) continue;
    if (max_mem && t->memory_gib > *max_mem) continue;
    if (min_gpu && t->gpu < *min_gpu) continue;
    matched.push_back(t);
  }
  PageSpec spec;
  spec.max_results_default = 1600;
  spec.max_results_max = 1600;
  spec.page_size_max = 1600;
  OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(c.params, matched.size(), spec));
  if (!page.token_mode) {  // DescribeInstanceTypes has no PageNumber: everything at once
    page.begin = 0;
    page.end = matched.size();
  }
  json arr = json::array();
  for (size_t i = page.begin; i < page.end; ++i) arr.push_back(RenderType(*matched[i]));
  return json{{"InstanceTypes", Wrap("InstanceType", arr)}, {"NextToken", page.next_token}};
}

Result<json> DescribeInstanceTypeFamilies(ApiContext& c) {
  auto generation = c.params.Get("Generation");
  std::set<std::string> seen;
  json arr = json::array();
  for (const auto& type : AllInstanceTypes()) {
    const InstanceType* t = &type;
    if (generation && *generation != t->generation) continue;
    if (!seen.insert(t->family).second) continue;
    arr.push_back({{"InstanceTypeFamilyId", t->family}, {"Generation", t->generation}});
  }
  return json{{"InstanceTypeFamilies", Wrap("InstanceTypeFamily", arr)}};
}

json Offer(const std::string& value, bool in_stock, int min = 0, int max = 0,
           const char* unit = "") {
  return SupportedResource(value, in_stock, min, max, unit);
}

Result<json> DescribeAvailableResource(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string dest, c.params.Required("DestinationResource"));
  static const std::set<std::string> kDest = {"Zone", "IoOptimized", "InstanceType", "Network",
                                              "ddh",  "SystemDisk",  "DataDisk"};
  if (!kDest.count(dest))
    return MakeError(ErrorCode::kInvalidParameter,
                     "DestinationResource \"" + dest + "\" is not valid.");
  auto zone_filter = c.params.Get("ZoneId");
  if (zone_filter) {
    const auto& zones = c.cloud.config().zones;
    if (std::find(zones.begin(), zones.end(), *zone_filter) == zones.end())
      return MakeError(ErrorCode::kInvalidZoneIdNotFound);
  }
  auto type_filter = c.params.Get("InstanceType");
  OPENECS_ASSIGN_OR_RETURN(auto cores, c.params.Int("Cores", 1, 1 << 20));
  OPENECS_ASSIGN_OR_RETURN(auto memory, c.params.Double("Memory", 0, 1 << 20));
  auto hosts =
      c.cloud.Read<std::vector<HostCapacity>>([](const State& s) { return Capacities(s); });
  auto offered = OfferedTypes(c.cloud);
  json zones = json::array();
  for (const auto& z : c.cloud.config().zones) {
    if (zone_filter && *zone_filter != z) continue;
    json types = json::array();
    bool any = false;
    for (auto* t : offered) {
      if (type_filter && *type_filter != t->id) continue;
      if (cores && t->cpu != *cores) continue;
      if (memory && t->memory_gib != *memory) continue;
      Demand d{z, "", t->cpu, static_cast<int64_t>(t->memory_gib * 1024), t->gpu};
      bool in_stock = PickHost(hosts, d).has_value();
      any |= in_stock;
      types.push_back(Offer(t->id, in_stock));
    }
    json resources = json::array();
    auto add = [&](const char* type, json supported) {
      resources.push_back(
          {{"Type", type}, {"SupportedResources", Wrap("SupportedResource", supported)}});
    };
    auto categories = [&](bool system) {
      json arr = json::array();
      for (const auto& d : DiskCategories())
        arr.push_back(Offer(d.name, true, system ? d.min_system_gib : d.min_data_gib,
                            system ? d.max_system_gib : d.max_data_gib, "GiB"));
      return arr;
    };
    if (dest == "InstanceType")
      add("InstanceType", types);
    else if (dest == "SystemDisk")
      add("SystemDisk", categories(true));
    else if (dest == "DataDisk")
      add("DataDisk", categories(false));
    else if (dest == "Network")
      add("Network", json::array({Offer("vpc", true)}));
    else if (dest == "IoOptimized")
      add("IoOptimized", json::array({Offer("optimized", true)}));
    else if (dest == "Zone")
      add("Zone", json::array({Offer(z, any)}));
    else
      add("DedicatedHost", json::array());
    zones.push_back({{"ZoneId", z},
                     {"RegionId", c.region_id},
                     {"Status", any ? "Available" : "SoldOut"},
                     {"StatusCategory", any ? "WithStock" : "WithoutStock"},
                     {"AvailableResources", Wrap("AvailableResource", resources)}});
  }
  return json{{"AvailableZones", Wrap("AvailableZone", zones)}};
}

// DescribeAccountAttributes: the caller's quotas and what it uses of them (quota_service.h),
// under ECS's attribute names where ECS has one (max-security-groups,
// max-postpaid-instance-vcpu-count, used-postpaid-instance-vcpu-count) and OpenECS's otherwise
// (max-instances, used-instances, max-disks, ...), and the network type (VPC only).
// AttributeName.N picks attributes by name; a name there is none of matches nothing.
Result<json> DescribeAccountAttributes(ApiContext& c) {
  auto zone = c.params.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  std::vector<std::string> names = c.params.RepeatList("AttributeName");
  std::set<std::string> wanted(names.begin(), names.end());
  json items = json::array();
  auto add = [&](const std::string& name, const std::string& value, bool vcpus) {
    if (!wanted.empty() && !wanted.count(name)) return;
    json value_item = {{"Value", value},
                       {"Count", 1},
                       {"ZoneId", vcpus && zone ? *zone : ""},
                       {"InstanceChargeType", vcpus ? "PostPaid" : ""},
                       {"InstanceType", ""},
                       {"DiskCategory", ""},
                       {"ExpiredTime", ""}};
    items.push_back({{"AttributeName", name},
                     {"AttributeValues", Wrap("ValueItem", json::array({value_item}))}});
  };
  add("instance-network-type", "vpc", false);
  c.cloud.Read<int>([&](const State& s) {
    for (const auto& q : AllQuotas()) {
      bool vcpus = std::string_view(q.name) == kMaxVcpus;
      add(q.name, std::to_string(QuotaOf(s, c.account_id, q.name).value()), vcpus);
      add(q.used_name, std::to_string(QuotaUsage(s, c.account_id, q.name)), vcpus);
    }
    return 0;
  });
  return json{{"AccountAttributeItems", Wrap("AccountAttributeItem", items)}};
}

}  // namespace

nlohmann::json SupportedResource(const std::string& value, bool in_stock, int min, int max,
                                 const char* unit) {
  return {{"Value", value},
          {"Status", in_stock ? "Available" : "SoldOut"},
          {"StatusCategory", in_stock ? "WithStock" : "WithoutStock"},
          {"Min", min},
          {"Max", max},
          {"Unit", unit}};
}

void RegisterCatalogueActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeRegions"}] = {DescribeRegions, false};
  t[{kEcsVersion, "DescribeZones"}] = {DescribeZones};
  t[{kEcsVersion, "DescribeInstanceTypes"}] = {DescribeInstanceTypes, false};
  t[{kEcsVersion, "DescribeInstanceTypeFamilies"}] = {DescribeInstanceTypeFamilies};
  t[{kEcsVersion, "DescribeAvailableResource"}] = {DescribeAvailableResource};
  t[{kEcsVersion, "DescribeAccountAttributes"}] = {DescribeAccountAttributes};
  t[{kVpcVersion, "DescribeRegions"}] = {DescribeRegions, false};
  t[{kVpcVersion, "DescribeZones"}] = {DescribeZones};
}

}  // namespace openecs
