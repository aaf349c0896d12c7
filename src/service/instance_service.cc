#include "service/instance_service.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/ipv4.h"
#include "common/log.h"
#include "common/prom_metrics.h"
#include "model/catalogue.h"
#include "service/billing_service.h"
#include "service/capacity.h"
#include "service/dedicated_host_service.h"
#include "service/deployment_set_service.h"
#include "service/image_service.h"
#include "service/instance_role_service.h"
#include "service/names.h"
#include "service/network_service.h"
#include "service/public_ip.h"
#include "service/quota_service.h"
#include "service/resource_group_service.h"
#include "service/snapshot_service.h"

namespace openecs {

Status ValidateVncPassword(const std::string& p) {
  bool ok = p.size() == 6;
  for (char ch : p) ok = ok && std::isalnum(static_cast<unsigned char>(ch));
  return ok ? Ok() : MakeError(ErrorCode::kInvalidVncPassword);
}

Status ValidatePassword(const std::string& p) {
  if (p.size() < 8 || p.size() > 30) return MakeError(ErrorCode::kInvalidPassword);
  static const std::string kSpecial = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";
  bool upper = false, lower = false, digit = false, special = false;
  for (char c : p) {
    if (std::isupper(static_cast<unsigned char>(c)))
      upper = true;
    else if (std::islower(static_cast<unsigned char>(c)))
      lower = true;
    else if (std::isdigit(static_cast<unsigned char>(c)))
      digit = true;
    else if (kSpecial.find(c) != std::string::npos)
      special = true;
    else
      return MakeError(ErrorCode::kInvalidPassword);
  }
  if (upper + lower + digit + special < 3) return MakeError(ErrorCode::kInvalidPassword);
  return Ok();
}

Status ValidateUserData(const std::string& b64) {
  if (b64.empty()) return Ok();
  auto raw = Base64Decode(b64);
  if (!raw) return MakeError(ErrorCode::kInvalidUserDataBase64);
  if (raw->size() > 32 * 1024) return MakeError(ErrorCode::kInvalidUserDataSize);
  return Ok();
}

Status ValidateMetadataOptions(const std::string& endpoint, const std::string& tokens) {
  if (endpoint != "enabled" && endpoint != "disabled")
    return MakeError(ErrorCode::kInvalidHttpEndpoint);
  if (tokens != "optional" && tokens != "required") return MakeError(ErrorCode::kInvalidHttpTokens);
  return Ok();
}

namespace {
std::string BatchName(const std::string& pattern, int n, int amount, bool unique_suffix);
}  // namespace

Status ValidateHostName(const std::string& name, bool batch_pattern) {
  // A batch pattern ("web-[1,3]", RunInstances) is checked as it expands: what the guest gets,
  // and what reaches dnsmasq's dhcp-host line, is 2-64 characters of letters, digits, '.', '-'
  // (no ','), with no leading/trailing or doubled '.'/'-'.
  std::string h = batch_pattern ? BatchName(name, 0, 1, false) : name;
  if (h.size() < 2 || h.size() > 64) return MakeError(ErrorCode::kInvalidHostName);
  for (size_t i = 0; i < h.size(); ++i) {
    char c = h[i];
    bool sep = c == '.' || c == '-';
    if (!std::isalnum(static_cast<unsigned char>(c)) && !sep)
      return MakeError(ErrorCode::kInvalidHostName);
    if (sep && (i == 0 || i + 1 == h.size() || h[i - 1] == '.' || h[i - 1] == '-'))
      return MakeError(ErrorCode::kInvalidHostName);
  }
  return Ok();
}

namespace {

// Expands an ECS name pattern for the n-th (0-based) instance of a batch: "web-[1,3]" ->
// "web-001", "web-002"...; with unique_suffix and no pattern, appends "-001"...
// The first "[<1-6 digits>,<1 digit>]" in `s`: {position, length, begin, digits}. By hand:
// request input never meets a regex (libstdc++'s recurses per character).
struct NamePattern {
  size_t pos = std::string::npos, len = 0;
  long begin = 0;
  int digits = 0;
};
NamePattern FindNamePattern(const std::string& s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = s.find('['); i != std::string::npos; i = s.find('[', i + 1)) {
    size_t j = i + 1;
    while (j < s.size() && digit(s[j]) && j - i <= 6) ++j;
    size_t begin_len = j - i - 1;
    if (begin_len < 1 || begin_len > 6 || j + 3 > s.size() || s[j] != ',' || !digit(s[j + 1]) ||
        s[j + 2] != ']')
      continue;
    return {i, j + 3 - i, std::stol(s.substr(i + 1, begin_len)), s[j + 1] - '0'};
  }
  return {};
}

std::string BatchName(const std::string& pattern, int n, int amount, bool unique_suffix) {
  if (NamePattern m = FindNamePattern(pattern); m.pos != std::string::npos) {
    std::string num = std::to_string(m.begin + n);
    if (static_cast<int>(num.size()) < m.digits) num.insert(0, m.digits - num.size(), '0');
    return pattern.substr(0, m.pos) + num + pattern.substr(m.pos + m.len);
  }
  if (unique_suffix && amount > 1) {
    std::string num = std::to_string(n + 1);
    if (num.size() < 3) num.insert(0, 3 - num.size(), '0');
    return pattern + "-" + num;
  }
  return pattern;
}

}  // namespace

Status ValidateDisk(const DiskRequest& d, bool system, int image_min_gib) {
  if (!ValidResourceName(d.name)) return MakeError(ErrorCode::kInvalidDiskName);
  if (!d.device.empty() && !(d.device.size() == 9 && d.device.rfind("/dev/xvd", 0) == 0 &&
                             d.device[8] >= 'b' && d.device[8] <= 'z'))
    return MakeError(ErrorCode::kInvalidParameter, "Device must be /dev/xvdb to /dev/xvdz.");
  const DiskCategory* cat = FindDiskCategory(d.category);
  if (!cat)
    return MakeError(
        system ? ErrorCode::kInvalidSystemDiskCategory : ErrorCode::kInvalidDataDiskCategory,
        "Disk category \"" + d.category +
            "\" is not one of cloud_essd, cloud_ssd, cloud_efficiency, cloud.");
  int lo = system ? std::max(cat->min_system_gib, image_min_gib) : cat->min_data_gib;
  int hi = system ? cat->max_system_gib : cat->max_data_gib;
  if (d.size_gib < lo || d.size_gib > hi)
    return MakeError(system ? ErrorCode::kInvalidSystemDiskSize : ErrorCode::kInvalidDataDiskSize,
                     std::string(system ? "System" : "Data") + " disk size " +
                         std::to_string(d.size_gib) + " GiB is outside " + std::to_string(lo) +
                         "-" + std::to_string(hi) + " GiB for " + d.category + ".");
  if (!d.performance_level.empty()) {
    if (d.category != "cloud_essd")
      return MakeError(ErrorCode::kInvalidParameter,
                       "PerformanceLevel applies to cloud_essd only.");
    static const std::set<std::string> kLevels = {"PL0", "PL1", "PL2", "PL3"};
    if (!kLevels.count(d.performance_level))
      return MakeError(ErrorCode::kInvalidParameter,
                       "PerformanceLevel must be PL0, PL1, PL2 or PL3.");
  }
  return Ok();
}

namespace {

// RunInstances and CreateInstance, as five steps. Each step returns what the next needs; the
// order of the checks (and so which error a request with several faults gets) is ECS's.

// Step 1, the request alone: counts, names, charge and spot options, disks. The type and the
// image are resolved here, once; a system disk without a size gets the image's.
struct Launch {
  const InstanceType* type = nullptr;
  Image image;
  Reach image_reach;  // a custom image is on one host or one shared storage: placed there
  DiskRequest system_disk;
  int min_amount = 0;  // MinAmount, or Amount when not given
};

Status CheckCharge(const RunRequest& r, const InstanceType& type) {
  if (r.charge_type != "PostPaid" && r.charge_type != "PrePaid")
    return MakeError(ErrorCode::kInvalidParameter,
                     "InstanceChargeType must be PrePaid or PostPaid.");
  if (r.charge_type == "PrePaid") {
    if (r.period == 0)
      return MakeError(ErrorCode::kMissingParameter,
                       "The input parameter \"Period\" that is mandatory for subscription "
                       "(PrePaid) instances is not supplied.");
    if (r.period_unit != "Month" && r.period_unit != "Week")
      return MakeError(ErrorCode::kInvalidPeriod, "PeriodUnit must be Month or Week.");
    static const std::set<int> kMonths = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60};
    bool ok =
        r.period_unit == "Week" ? (r.period >= 1 && r.period <= 4) : kMonths.count(r.period) > 0;
    if (!ok) return MakeError(ErrorCode::kInvalidPeriod);
  }
  if (r.spot_strategy != "NoSpot" && r.spot_strategy != "SpotWithPriceLimit" &&
      r.spot_strategy != "SpotAsPriceGo")
    return MakeError(ErrorCode::kInvalidSpotStrategy);
  if (r.spot_strategy != "NoSpot" && r.charge_type != "PostPaid")
    return MakeError(ErrorCode::kInvalidParameter, "Spot instances must be PostPaid.");
  if (r.spot_strategy != "NoSpot" && r.spot_interruption_behavior == "Stop" &&
      type.local_storage_amount > 0)
    return MakeError(ErrorCode::kInvalidSpotLocalDisk);
  if (r.spot_strategy == "SpotWithPriceLimit" && r.spot_price_limit <= 0)
    return MakeError(ErrorCode::kInvalidSpotPriceLimit,
                     "SpotWithPriceLimit needs a SpotPriceLimit above zero.");
  return Ok();
}

Error Missing(const char* name) {
  return MakeError(ErrorCode::kMissingParameter, std::string("The input parameter \"") + name +
                                                     "\" that is mandatory for processing this "
                                                     "request is not supplied.");
}

Result<Launch> CheckRequest(const Cloud& cloud, const RunRequest& r) {
  if (r.amount < 1 || r.amount > 100) return MakeError(ErrorCode::kInvalidAmount);
  Launch l;
  l.min_amount = r.min_amount == 0 ? r.amount : r.min_amount;
  if (l.min_amount < 1 || l.min_amount > r.amount) return MakeError(ErrorCode::kInvalidAmount);
  if (r.image_id.empty()) return Missing("ImageId");
  if (r.instance_type.empty()) return Missing("InstanceType");
  l.type = FindInstanceType(r.instance_type);
  if (!l.type) return MakeError(ErrorCode::kInvalidInstanceType);
  std::optional<Image> image = cloud.Read<std::optional<Image>>(
      [&](const State& s) { return FindImage(s, r.account_id, r.image_id, &l.image_reach); });
  if (!image) return MakeError(ErrorCode::kInvalidImageIdNotFound);
  l.image = std::move(*image);
  if (r.vswitch_id.empty()) return Missing("VSwitchId");
  if (r.security_group_ids.empty()) return Missing("SecurityGroupId");
  if (r.security_group_ids.size() > 5)
    return MakeError(ErrorCode::kInvalidParameter,
                     "An instance can join at most 5 security groups.");
  if (!r.password.empty()) OPENECS_RETURN_IF_ERROR(ValidatePassword(r.password));
  OPENECS_RETURN_IF_ERROR(ValidateUserData(r.user_data));
  OPENECS_RETURN_IF_ERROR(
      ValidateMetadataOptions(r.metadata_http_endpoint, r.metadata_http_tokens));
  if (!r.host_name.empty()) OPENECS_RETURN_IF_ERROR(ValidateHostName(r.host_name, true));
  if (!ValidResourceName(r.name)) return MakeError(ErrorCode::kInvalidInstanceName);
  OPENECS_RETURN_IF_ERROR(CheckCharge(r, *l.type));
  if (r.internet_max_bandwidth_out < 0 || r.internet_max_bandwidth_out > 100)
    return MakeError(ErrorCode::kInvalidParameter,
                     "InternetMaxBandwidthOut must be 0 to 100 Mbps.");
  l.system_disk = r.system_disk;
  if (l.system_disk.size_gib == 0)
    l.system_disk.size_gib = std::max(kDefaultSystemDiskGib, l.image.size_gib);
  OPENECS_RETURN_IF_ERROR(ValidateDisk(l.system_disk, true, l.image.size_gib));
  if (r.data_disks.size() > 16)
    return MakeError(ErrorCode::kInvalidParameter, "At most 16 data disks.");
  for (const auto& d : r.data_disks)  // from a snapshot without a size: checked once resolved
    if (d.size_gib || d.snapshot_id.empty()) OPENECS_RETURN_IF_ERROR(ValidateDisk(d, false, 0));
  return l;
}

// Step 2, under the write lock: what the request names, found in the account.
struct Resolved {
  const VSwitch* vsw = nullptr;
  std::string group;  // resource group
  IpPool pool;        // the vSwitch's addresses; MakeInstance takes from it
  std::optional<uint32_t> fixed_ip;
  std::vector<DiskRequest> data_disks;  // sized from their snapshots
  Reach place;                          // where the image and snapshots can be opened
  std::string dedicated_host_id;        // the dedicated host it goes to ("" a shared one)
  int min_amount = 0;  // Launch::min_amount, or Amount with fixed addresses (all or nothing)
};

Result<Resolved> Resolve(const State& s, const RunRequest& r, const Launch& l) {
  Resolved res;
  res.min_amount = l.min_amount;
  res.vsw = FindOwned(s.vswitches, r.vswitch_id, r.account_id);
  if (!res.vsw) return MakeError(ErrorCode::kInvalidVSwitchIdNotFound);
  const VSwitch& vsw = *res.vsw;
  if (!r.zone_id.empty() && r.zone_id != vsw.zone_id)
    return MakeError(
        ErrorCode::kInvalidParameter,
        "ZoneId " + r.zone_id + " does not match the vSwitch's zone " + vsw.zone_id + ".");
  for (const auto& sg : r.security_group_ids) {
    const SecurityGroup* g = FindOwned(s.security_groups, sg, r.account_id);
    if (!g)
      return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound,
                       "The security group " + sg + " does not exist.");
    if (g->vpc_id != vsw.vpc_id) return MakeError(ErrorCode::kInvalidSecurityGroupVpcMismatch);
  }
  if (!r.key_pair_name.empty() &&
      !FindOwned(s.key_pairs, KeyPairKey(r.account_id, r.key_pair_name), r.account_id))
    return MakeError(ErrorCode::kInvalidKeyPairNameNotFound);
  if (!r.ram_role_name.empty())
    OPENECS_RETURN_IF_ERROR(CheckEcsRole(s, r.account_id, r.ram_role_name));
  OPENECS_ASSIGN_OR_RETURN(res.group, ResolveResourceGroup(s, r.account_id, r.resource_group_id));
  res.pool = PoolOf(s, vsw);
  // An explicit PrivateIpAddress with Amount N assigns N consecutive addresses from it.
  if (!r.private_ip.empty()) {
    res.fixed_ip = ParseIpv4(r.private_ip);
    if (!res.fixed_ip) return MakeError(ErrorCode::kInvalidPrivateIpAddressMalformed);
    for (uint32_t k = 0; k < static_cast<uint32_t>(r.amount); ++k) {
      uint32_t ip = *res.fixed_ip + k;
      if (!res.pool.cidr.Contains(ip) || !res.pool.Usable(ip))
        return MakeError(ErrorCode::kInvalidPrivateIpAddress,
                         "The private IP " + FormatIpv4(ip) +
                             " is not a usable address of vSwitch " + vsw.id + " (" +
                             vsw.cidr_block + ").");
      if (res.pool.InUse(ip))
        return MakeError(ErrorCode::kInvalidPrivateIpAddressDuplicated,
                         "The private IP " + FormatIpv4(ip) + " is already in use.");
    }
    res.min_amount = r.amount;  // consecutive addresses: all or nothing
  }
  // Data disks from snapshots: the snapshot must be made, the disk at least as large, and the
  // instances go where the snapshots are (like a custom image: their host, or the storage it
  // shares).
  res.data_disks = r.data_disks;
  res.place = l.image_reach;
  for (auto& d : res.data_disks) {
    if (d.snapshot_id.empty()) continue;
    OPENECS_ASSIGN_OR_RETURN(const Snapshot* snap,
                             FindMadeSnapshot(s, r.account_id, d.snapshot_id));
    OPENECS_ASSIGN_OR_RETURN(d.size_gib, SizeFromSnapshot(*snap, d.size_gib));
    OPENECS_RETURN_IF_ERROR(ValidateDisk(d, false, 0));
    if (!Narrow(s, res.place, ReachOf(s, *snap)))
      return MakeError(ErrorCode::kOperationDenied,
                       "Snapshot " + snap->id + " is kept on host " + snap->host_id +
                           ", apart from the image or the other snapshots.");
  }
  if (!r.dedicated_host_id.empty()) {
    OPENECS_ASSIGN_OR_RETURN(
        DedicatedHost dh,
        DedicatedHostFor(s, r.account_id, r.dedicated_host_id, vsw.zone_id, *l.type));
    if (!Narrow(s, res.place, Reach{dh.host_id, ""}))
      return MakeError(ErrorCode::kOperationDenied, "The image or the snapshots are kept on host " +
                                                        res.place.host +
                                                        ", not on dedicated host " + dh.id + ".");
    res.dedicated_host_id = dh.id;
  }
  return res;
}

// Step 3: how many instances the quotas, the hosts (within the deployment set's rule), the
// vSwitch's addresses and the public pool leave room for — at least min_amount — and where.
struct Placement {
  std::vector<std::string> hosts;  // one per instance
  std::vector<int> groups;         // each one's deployment set group
  int count = 0;
  std::optional<PublicIpPool> public_ips;  // when the instances get public addresses
};

// The scheduler's time (the capacity snapshot, the filters and the weigher, for every instance
// of a batch) and the instances it placed: bench/scale.js divides one by the other.
void CountPlacements(std::chrono::steady_clock::time_point since, size_t placed) {
  static CounterFamily& seconds = DefaultMetrics().Counter(
      "openecs_scheduler_seconds_total",
      "Time RunInstances spent choosing hosts: the capacity snapshot, filters and weigher.", {});
  static CounterFamily& placements = DefaultMetrics().Counter(
      "openecs_scheduler_placements_total", "Instances RunInstances placed on a host.", {});
  seconds.Add({}, std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
  placements.Add({}, static_cast<double>(placed));
}

Result<Placement> Place(const State& s, const CloudConfig& config, const RunRequest& r,
                        const Launch& l, const Resolved& res) {
  const VSwitch& vsw = *res.vsw;
  const auto started = std::chrono::steady_clock::now();
  // Quotas (quota_service.h), checked under the Write's lock, so race-free.
  int64_t cloud_disks = 1;  // the system disk
  for (const auto& d : res.data_disks)
    if (!IsLocalDiskCategory(d.category)) ++cloud_disks;
  OPENECS_ASSIGN_OR_RETURN(
      int quota_fit,
      InstancesWithinQuota(s, r.account_id, r.amount, res.min_amount, l.type->cpu, cloud_disks));
  auto hosts = Capacities(s);
  Demand demand{vsw.zone_id, "", l.type->cpu, static_cast<int64_t>(l.type->memory_gib * 1024),
                l.type->gpu};
  Require(res.place, demand);
  if (!res.dedicated_host_id.empty()) demand.dedicated_to = r.account_id;
  std::optional<SetPlacement> set;
  if (!r.deployment_set_id.empty()) {
    OPENECS_ASSIGN_OR_RETURN(
        set, SetPlacement::For(s, r.account_id, r.deployment_set_id, r.deployment_set_group,
                               vsw.zone_id, ErrorCode::kDeploymentSetNotFound));
  }
  Placement p;
  std::optional<Error> set_refusal;  // why the set stopped the batch short, if it did
  for (int n = 0; n < quota_fit; ++n) {
    Demand d = demand;
    int group = 0;
    if (set) {
      auto constrained = set->Constrain(d);
      if (!constrained.ok()) {
        set_refusal = constrained.error();
        break;
      }
      group = *constrained;
    }
    auto pick = PickHost(hosts, d);
    if (!pick) {
      if (set && PickHost(hosts, demand))  // room enough, but not within the set's rule
        set_refusal = MakeError(ErrorCode::kNoStock,
                                "No host in zone " + vsw.zone_id + " can take " + r.instance_type +
                                    " without breaking deployment set " + r.deployment_set_id +
                                    "'s " + set->set().strategy + " strategy.");
      break;
    }
    Claim(hosts[*pick], d);
    if (set) set->Add(hosts[*pick].host_id, group);
    p.hosts.push_back(hosts[*pick].host_id);
    p.groups.push_back(group);
  }
  CountPlacements(started, p.hosts.size());
  if (static_cast<int>(p.hosts.size()) < res.min_amount) {
    if (set_refusal) return *set_refusal;
    return MakeError(ErrorCode::kNoStock, "Not enough capacity for " +
                                              std::to_string(res.min_amount) + " x " +
                                              r.instance_type + " in zone " + vsw.zone_id + ".");
  }
  p.count = static_cast<int>(p.hosts.size());
  int64_t free_ips = static_cast<int64_t>(res.pool.cidr.size()) - 4 - res.pool.InUseCount();
  if (free_ips < res.min_amount) return MakeError(ErrorCode::kInsufficientIp);
  p.count = static_cast<int>(std::min<int64_t>(p.count, free_ips));
  if (r.public_ip && r.internet_max_bandwidth_out > 0) {
    p.public_ips.emplace(s, config);
    if (p.public_ips->free() < res.min_amount) return MakeError(ErrorCode::kNoPublicIp);
    p.count = static_cast<int>(std::min<int64_t>(p.count, p.public_ips->free()));
  }
  return p;
}

// Step 4, billing (billing_service.h): an overdue account buys nothing more; a subscription is
// paid for before anything is made. Returns one instance's quote.
Result<Quote> Price(Txn& txn, const Cloud& cloud, const RunRequest& r, const Launch& l,
                    const Resolved& res, int count, RunOrder* order) {
  const State& s = txn.state();
  if (IsOverdue(s, cloud.config(), r.account_id)) return MakeError(ErrorCode::kAccountArrearage);
  PricedInstance priced{
      l.type, {}, r.internet_charge_type, r.internet_max_bandwidth_out, res.vsw->zone_id};
  priced.disks.push_back(
      {l.system_disk.category, l.system_disk.performance_level, l.system_disk.size_gib, true});
  for (const auto& d : res.data_disks)
    priced.disks.push_back({d.category, d.performance_level, d.size_gib, false});
  bool prepaid = r.charge_type == "PrePaid";
  Quote quote = prepaid
                    ? QuoteSubscription(PricesOf(cloud), priced, r.period, r.period_unit)
                    : QuoteHourly(PricesOf(cloud), priced, r.spot_strategy != "NoSpot", txn.now());
  if (prepaid)
    OPENECS_RETURN_IF_ERROR(CheckFunds(s, cloud.config(), r.account_id, quote.total() * count));
  if (order) order->trade_price = quote.total() * count;
  return quote;
}

// Step 5: the n-th instance's records — the instance, its disks (the system disk first, then
// data disks in request order, then the type's local disks) and, for a subscription, its order
// (one order for the batch: `order_id` is "" for the first and its id after).
std::string MakeInstance(Txn& txn, const Cloud& cloud, const RunRequest& r, const Launch& l,
                         Resolved& res, Placement& p, const Quote& quote, int n,
                         std::string& order_id) {
  const VSwitch& vsw = *res.vsw;
  const InstanceType& type = *l.type;
  bool prepaid = r.charge_type == "PrePaid";
  int64_t now = txn.now();
  Instance inst;
  inst.id = NewId("i");
  inst.account_id = r.account_id;
  inst.resource_group_id = res.group;
  inst.region_id = r.region_id;
  inst.zone_id = vsw.zone_id;
  inst.name = r.name.empty() ? inst.id : BatchName(r.name, n, p.count, r.unique_suffix);
  std::string suffix = inst.id.substr(2);
  inst.host_name = r.host_name.empty() ? "iZ" + suffix + "Z"
                                       : BatchName(r.host_name, n, p.count, r.unique_suffix);
  inst.description = r.description;
  inst.instance_type = type.id;
  inst.cpu = type.cpu;
  inst.memory_mb = static_cast<int>(type.memory_gib * 1024);
  inst.gpu = type.gpu;
  inst.image_id = l.image.id;
  inst.vpc_id = vsw.vpc_id;
  inst.vswitch_id = vsw.id;
  inst.private_ip =
      FormatIpv4(res.fixed_ip ? *res.fixed_ip + static_cast<uint32_t>(n) : *res.pool.Next());
  inst.security_group_ids = r.security_group_ids;
  inst.key_pair_name = r.key_pair_name;
  inst.metadata_http_endpoint = r.metadata_http_endpoint;
  inst.metadata_http_tokens = r.metadata_http_tokens;
  inst.metadata_hop_limit = r.metadata_hop_limit;
  inst.password = r.password;
  inst.vnc_password = RandomAlnum(6);  // until the user sets one (ModifyInstanceVncPasswd)
  inst.user_data = r.user_data;
  inst.tags = r.tags;
  inst.charge_type = r.charge_type;
  inst.period = prepaid ? r.period : 0;
  inst.period_unit = prepaid ? r.period_unit : "";
  inst.expired_time = prepaid ? AddPeriod(now, r.period, r.period_unit) : 0;
  inst.subscription_paid = prepaid ? quote.total() : 0;
  inst.subscription_start = prepaid ? now : 0;
  inst.renewal_status = prepaid && r.auto_renew ? "AutoRenewal" : "Normal";
  inst.auto_renew_period = r.auto_renew_period;
  inst.auto_renew_unit = prepaid ? r.period_unit : "Month";
  inst.spot_strategy = r.spot_strategy;
  inst.spot_price_limit = r.spot_price_limit;
  inst.spot_duration = r.spot_duration;
  inst.spot_interruption_behavior = r.spot_interruption_behavior;
  inst.internet_charge_type = r.internet_charge_type;
  inst.internet_max_bandwidth_out = r.internet_max_bandwidth_out;
  if (p.public_ips) inst.public_ip = p.public_ips->Next().value_or("");
  inst.internet_max_bandwidth_in =
      r.internet_max_bandwidth_in > 0 ? r.internet_max_bandwidth_in : 200;
  inst.deletion_protection = r.deletion_protection;
  inst.creation_time = now;
  inst.status = InstanceStatus::kPending;
  inst.task = InstanceTask::kCreating;
  inst.desired = r.start ? DesiredPower::kRunning : DesiredPower::kStopped;
  inst.host_id = p.hosts[n];
  inst.claimed = true;
  inst.deployment_set_id = r.deployment_set_id;
  inst.dedicated_host_id = res.dedicated_host_id;
  inst.ram_role_name = r.ram_role_name;
  inst.deployment_set_group = p.groups[n];
  auto make_disk = [&](const DiskRequest& d, bool system, int index) {
    Disk disk;
    disk.id = NewId("d");
    disk.account_id = r.account_id;
    disk.resource_group_id = res.group;
    disk.region_id = r.region_id;
    disk.zone_id = vsw.zone_id;
    disk.name = d.name;
    disk.description = d.description;
    disk.type = system ? "system" : "data";
    disk.category = d.category;
    disk.performance_level = d.category == "cloud_essd"
                                 ? (d.performance_level.empty() ? "PL1" : d.performance_level)
                                 : "";
    disk.size_gib = d.size_gib;
    disk.image_id = system ? l.image.id : "";
    disk.snapshot_id = d.snapshot_id;
    disk.instance_id = inst.id;
    disk.host_id = inst.host_id;
    disk.device =
        d.device.empty() ? std::string("/dev/xvd") + static_cast<char>('a' + index) : d.device;
    disk.status = "In_use";
    disk.delete_with_instance = d.delete_with_instance;
    disk.charge_type = prepaid ? "PrePaid" : "PostPaid";
    disk.portable = !system && !IsLocalDiskCategory(d.category);
    disk.creation_time = now;
    disk.attached_time = now;
    inst.disk_ids.push_back(disk.id);
    txn.Put(disk);
  };
  make_disk(l.system_disk, true, 0);
  for (size_t k = 0; k < res.data_disks.size(); ++k)
    make_disk(res.data_disks[k], false, static_cast<int>(k) + 1);
  // The type's local disks: raw files on the instance's host, released with it.
  for (int k = 0; k < type.local_storage_amount; ++k) {
    DiskRequest local;
    local.category = type.local_storage_category;
    local.size_gib = type.local_storage_gib;
    local.delete_with_instance = true;
    make_disk(local, false, static_cast<int>(res.data_disks.size()) + 1 + k);
  }
  if (prepaid)
    order_id = PlaceOrder(txn, cloud.config(),
                          {r.account_id, inst.id, inst.name, inst.zone_id, "SubscriptionOrder",
                           r.period, r.period_unit, order_id},
                          quote);
  std::string id = inst.id;
  txn.Put(std::move(inst));
  return id;
}

}  // namespace

Result<std::vector<std::string>> RunInstances(Cloud& cloud, const RunRequest& r, RunOrder* order) {
  OPENECS_ASSIGN_OR_RETURN(Launch launch, CheckRequest(cloud, r));
  std::vector<std::string> ids;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(Resolved resolved, Resolve(txn.state(), r, launch));
    OPENECS_ASSIGN_OR_RETURN(Placement placement,
                             Place(txn.state(), cloud.config(), r, launch, resolved));
    OPENECS_ASSIGN_OR_RETURN(Quote quote,
                             Price(txn, cloud, r, launch, resolved, placement.count, order));
    if (r.dry_run) return DryRunOk();
    std::string order_id;
    for (int n = 0; n < placement.count; ++n)
      ids.push_back(MakeInstance(txn, cloud, r, launch, resolved, placement, quote, n, order_id));
    if (order) order->order_id = order_id;
    return Ok();
  }));
  return ids;
}

namespace {

using Apply = std::function<Status(Txn&, Instance&, const PowerRequest&)>;

// Runs one power operation over a batch with ECS's BatchOptimization semantics.
Result<std::vector<BatchResult>> Batch(Cloud& cloud, const PowerRequest& r, const Apply& check,
                                       const Apply& apply) {
  if (r.instance_ids.empty())
    return MakeError(ErrorCode::kMissingParameter,
                     "The input parameter \"InstanceId\" that is mandatory for processing this "
                     "request is not supplied.");
  if (r.instance_ids.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "At most 100 instances per call.");
  std::vector<BatchResult> results;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    // Check everything first: AllTogether must change nothing if any instance fails.
    for (const auto& id : r.instance_ids) {
      BatchResult br;
      br.instance_id = id;
      Instance* found = FindOwned(s.instances, id, r.account_id);
      if (!found) {
        br.error = MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                             "The specified InstanceId " + id + " does not exist.");
      } else {
        br.previous = br.current = found->status;
        Status st = check(txn, *found, r);
        if (!st.ok()) br.error = st.error();
      }
      if (br.error && r.mode == BatchMode::kAllTogether) return *br.error;
      results.push_back(std::move(br));
    }
    if (r.dry_run) return DryRunOk();
    for (auto& br : results) {
      if (br.error) continue;
      Instance& inst = s.instances.at(br.instance_id);
      Status st = apply(txn, inst, r);
      if (!st.ok()) {  // apply is only allowed to fail before changing anything
        br.error = st.error();
        continue;
      }
      txn.Touch(inst);
      br.current = inst.status;
    }
    return Ok();
  }));
  return results;
}

}  // namespace

Result<std::vector<BatchResult>> StartInstances(Cloud& cloud, const PowerRequest& r) {
  // An economical stop gave the capacity back: the check claims it again on a snapshot shared
  // by the whole batch, so the batch cannot overbook a host: on the same host, or, when its
  // disks live on storage other hosts share (an RBD pool), the same host if it has room and
  // else another host of the pool in its zone, which the instance and its disks move to.
  // Its public IP went too; a new one comes from the pool.
  std::optional<std::vector<HostCapacity>> hosts;
  std::optional<PublicIpPool> public_ips;
  std::map<std::string, std::string> placed, addressed;
  auto check = [&](Txn& txn, Instance& i, const PowerRequest&) -> Status {
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kStart, i.status, i.task));
    for (const auto& disk_id : i.disk_ids)
      if (auto d = txn.state().disks.find(disk_id);
          d != txn.state().disks.end() && d->second.status == "ReIniting")
        return MakeError(ErrorCode::kIncorrectDiskStatus,
                         "Disk " + disk_id +
                             " is being re-initialized; start the instance when it "
                             "is In_use again.");
    if (i.public_ip_on_start && i.public_ip.empty()) {
      if (!public_ips) public_ips.emplace(txn.state(), cloud.config());
      auto ip = public_ips->Next();
      if (!ip) return MakeError(ErrorCode::kNoPublicIp);
      addressed[i.id] = *ip;
    }
    if (i.claimed) return Ok();
    if (!hosts) hosts = Capacities(txn.state());
    Demand demand = RestartDemandOf(txn.state(), i);
    auto pick = PickHost(*hosts, demand);
    if (!pick)
      return MakeError(ErrorCode::kNoStock, "No host in " + i.zone_id +
                                                " that can open its disks has room for " +
                                                i.instance_type + " any more.");
    Claim((*hosts)[*pick], demand);
    placed[i.id] = (*hosts)[*pick].host_id;
    return Ok();
  };
  auto apply = [&](Txn& txn, Instance& i, const PowerRequest&) -> Status {
    if (!i.claimed) {
      const std::string& to = placed.at(i.id);
      if (to != i.host_id && !i.host_id.empty()) {  // its disks go with it (shared storage)
        for (const auto& id : i.disk_ids)
          if (auto d = txn.state().disks.find(id); d != txn.state().disks.end()) {
            d->second.host_id = to;
            txn.Touch(d->second);
          }
        LOG_INFO("instance {} starts on host {} (was on {}): its disks are on shared storage", i.id,
                 to, i.host_id);
      }
      i.host_id = to;
      i.claimed = true;
    }
    if (auto a = addressed.find(i.id); a != addressed.end()) {
      i.public_ip = a->second;
      i.public_ip_on_start = false;
    }
    i.status = InstanceStatus::kStarting;
    i.task = InstanceTask::kStarting;
    i.desired = DesiredPower::kRunning;
    i.last_error.clear();
    return Ok();
  };
  return Batch(cloud, r, check, apply);
}

Result<std::vector<BatchResult>> StopInstances(Cloud& cloud, const PowerRequest& r) {
  if (r.stopped_mode != "KeepCharging" && r.stopped_mode != "StopCharging")
    return MakeError(ErrorCode::kInvalidParameter,
                     "StoppedMode must be KeepCharging or StopCharging.");
  auto check = [](Txn&, Instance& i, const PowerRequest&) {
    return CheckAction(InstanceAction::kStop, i.status, i.task);
  };
  auto apply = [](Txn&, Instance& i, const PowerRequest& r) -> Status {
    i.status = InstanceStatus::kStopping;
    i.task = InstanceTask::kStopping;
    i.desired = DesiredPower::kStopped;
    i.force_stop = r.force;
    i.stopped_mode = StoppedModeOf(i, r.stopped_mode == "StopCharging");
    return Ok();
  };
  return Batch(cloud, r, check, apply);
}

std::string StoppedModeOf(const Instance& i, bool economical) {
  const InstanceType* type = FindInstanceType(i.instance_type);
  bool local = type && type->local_storage_amount > 0;
  return economical && i.charge_type == "PostPaid" && !local ? "StopCharging" : "KeepCharging";
}

Result<std::vector<BatchResult>> RebootInstances(Cloud& cloud, const PowerRequest& r) {
  auto check = [](Txn&, Instance& i, const PowerRequest&) {
    return CheckAction(InstanceAction::kReboot, i.status, i.task);
  };
  auto apply = [](Txn&, Instance& i, const PowerRequest& r) -> Status {
    i.status = InstanceStatus::kStarting;
    i.task = InstanceTask::kRebooting;
    i.force_stop = r.force;
    ++i.reboot_seq;
    return Ok();
  };
  return Batch(cloud, r, check, apply);
}

Result<std::vector<BatchResult>> DeleteInstances(Cloud& cloud, const PowerRequest& r) {
  auto check = [](Txn& txn, Instance& i, const PowerRequest& r) -> Status {
    if (i.deletion_protection && !r.by_platform) return MakeError(ErrorCode::kDeletionProtection);
    OPENECS_RETURN_IF_ERROR(CheckAction(
        r.force ? InstanceAction::kForceDelete : InstanceAction::kDelete, i.status, i.task));
    if (i.charge_type == "PrePaid" && i.expired_time > txn.now())
      return MakeError(ErrorCode::kChargeTypeViolation,
                       "A subscription instance can be released only after it expires.");
    return Ok();
  };
  auto apply = [](Txn&, Instance& i, const PowerRequest&) -> Status {
    if (i.status == InstanceStatus::kRunning || i.status == InstanceStatus::kStarting)
      i.status = InstanceStatus::kStopping;
    i.task = InstanceTask::kReleasing;
    i.desired = DesiredPower::kAbsent;
    i.force_stop = true;
    return Ok();
  };
  return Batch(cloud, r, check, apply);
}

Status ModifyInstanceAttribute(Cloud& cloud, const ModifyInstanceRequest& r) {
  if (r.password) OPENECS_RETURN_IF_ERROR(ValidatePassword(*r.password));
  if (r.vnc_password) OPENECS_RETURN_IF_ERROR(ValidateVncPassword(*r.vnc_password));
  if (r.host_name) OPENECS_RETURN_IF_ERROR(ValidateHostName(*r.host_name));
  if (r.user_data) OPENECS_RETURN_IF_ERROR(ValidateUserData(*r.user_data));
  OPENECS_RETURN_IF_ERROR(ValidateMetadataOptions(r.metadata_http_endpoint.value_or("enabled"),
                                                  r.metadata_http_tokens.value_or("optional")));
  if (r.name && !ValidResourceName(*r.name)) return MakeError(ErrorCode::kInvalidInstanceName);
  if (r.security_group_ids && (r.security_group_ids->empty() || r.security_group_ids->size() > 5))
    return MakeError(ErrorCode::kInvalidParameter,
                     "An instance belongs to 1 to 5 security groups.");
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, r.instance_id, r.account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = *found;
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kModify, i.status, i.task));
    if (r.password || r.vnc_password)
      OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kModifyPassword, i.status, i.task));
    if (r.host_name)
      OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kModifyHostName, i.status, i.task));
    if (r.user_data)
      OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kModifyUserData, i.status, i.task));
    if (r.security_group_ids) {
      for (const auto& sg : *r.security_group_ids) {
        const SecurityGroup* g = FindOwned(s.security_groups, sg, r.account_id);
        if (!g)
          return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound,
                           "The security group " + sg + " does not exist.");
        if (g->vpc_id != i.vpc_id) return MakeError(ErrorCode::kInvalidSecurityGroupVpcMismatch);
      }
    }
    if (r.dry_run) return DryRunOk();
    if (r.name) i.name = *r.name;
    if (r.description) i.description = *r.description;
    if (r.host_name) i.host_name = *r.host_name;
    if (r.password) i.password = *r.password;
    if (r.vnc_password) i.vnc_password = *r.vnc_password;
    if (r.user_data) i.user_data = *r.user_data;
    if (r.metadata_http_endpoint) i.metadata_http_endpoint = *r.metadata_http_endpoint;
    if (r.metadata_http_tokens) i.metadata_http_tokens = *r.metadata_http_tokens;
    if (r.metadata_hop_limit) i.metadata_hop_limit = *r.metadata_hop_limit;
    if (r.deletion_protection) i.deletion_protection = *r.deletion_protection;
    if (r.security_group_ids) i.security_group_ids = *r.security_group_ids;
    txn.Touch(i);
    return Ok();
  });
}

namespace {
bool IsWholeHourUtc(const std::string& t) {  // "HH:00:00Z"
  return t.size() == 9 && std::isdigit(static_cast<unsigned char>(t[0])) &&
         std::isdigit(static_cast<unsigned char>(t[1])) && (t[0] - '0') * 10 + (t[1] - '0') < 24 &&
         t.compare(2, 7, ":00:00Z") == 0;
}
}  // namespace

Result<Instance> WithInstanceType(const State& s, const Instance& i, const InstanceType& to) {
  const InstanceType* now = FindInstanceType(i.instance_type);
  if ((now && now->local_storage_amount > 0) || to.local_storage_amount > 0)
    return MakeError(ErrorCode::kInvalidInstanceType,
                     "Instance types with local disks cannot be changed to or from.");
  if (!i.dedicated_host_id.empty())  // its dedicated host runs one family
    if (auto dh = s.dedicated_hosts.find(i.dedicated_host_id); dh != s.dedicated_hosts.end()) {
      const DedicatedHostTypeInfo* type = FindDedicatedHostType(dh->second.type);
      if (type && type->family != to.family)
        return MakeError(ErrorCode::kInvalidInstanceType,
                         "Instance " + i.id + " is on dedicated host " + dh->first + " (" +
                             dh->second.type + "), which runs " + type->family + " only.");
    }
  Instance changed = i;
  changed.instance_type = to.id;
  changed.cpu = to.cpu;
  changed.memory_mb = static_cast<int>(to.memory_gib * 1024);
  changed.gpu = to.gpu;
  if (i.claimed) {  // the host must hold the new size beside everything else it runs
    for (HostCapacity h : Capacities(s)) {
      if (h.host_id != i.host_id) continue;
      h.used_vcpus -= i.cpu;
      h.used_memory_mb -= i.memory_mb;
      h.used_gpus -= i.gpu;
      if (!CapacityFilter(h, DemandOf(changed)))
        return MakeError(ErrorCode::kNoStock, "Host " + h.host_id + " has no room for " + to.id +
                                                  "; stop the instance in "
                                                  "StopCharging mode to move it.");
    }
  }
  return changed;
}

Status ModifyInstanceSpec(Cloud& cloud, const std::string& account_id,
                          const std::string& instance_id, const std::string& instance_type,
                          bool dry_run) {
  const InstanceType* type = FindInstanceType(instance_type);
  if (!type) return MakeError(ErrorCode::kInvalidInstanceType);
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, instance_id, account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = *found;
    if (i.charge_type == "PrePaid")
      return MakeError(ErrorCode::kChargeTypeViolation,
                       "A subscription instance changes its type with ModifyPrepayInstanceSpec.");
    if (i.status != InstanceStatus::kStopped || i.task != InstanceTask::kNone)
      return MakeError(ErrorCode::kIncorrectInstanceStatus,
                       "A pay-as-you-go instance changes its type while it is Stopped.");
    OPENECS_ASSIGN_OR_RETURN(Instance changed, WithInstanceType(s, i, *type));
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, account_id, kMaxVcpus, changed.cpu - i.cpu));
    if (dry_run) return DryRunOk();
    i = changed;
    txn.Touch(i);
    return Ok();
  });
}

Status ModifyAutoReleaseTime(Cloud& cloud, const std::string& account_id,
                             const std::string& instance_id, int64_t when, int64_t now) {
  if (when != 0 && (when < now + 30 * 60 || when > now + 3LL * 366 * 24 * 3600))
    return MakeError(ErrorCode::kInvalidParameter,
                     "AutoReleaseTime is at least 30 minutes and at most 3 years from now.");
  return cloud.Write([&](Txn& txn) -> Status {
    Instance* i = FindOwned(txn.state().instances, instance_id, account_id);
    if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    if (i->charge_type == "PrePaid")
      return MakeError(ErrorCode::kChargeTypeViolation,
                       "A subscription instance is released when it expires.");
    if (i->task == InstanceTask::kReleasing)
      return MakeError(ErrorCode::kIncorrectInstanceStatus, "The instance is being released.");
    i->auto_release_time = when;
    txn.Touch(*i);
    return Ok();
  });
}

int ReleaseDueInstances(Cloud& cloud, int64_t now) {
  std::map<std::string, std::vector<std::string>> due;  // by account
  cloud.Read<int>([&](const State& s) {
    for (const std::string& id : s.index.auto_release()) {
      auto it = s.instances.find(id);
      if (it == s.instances.end()) continue;  // a bug elsewhere (OPENECS_CHECK_INDEX finds it)
      const Instance& i = it->second;
      if (i.auto_release_time <= now && i.task != InstanceTask::kReleasing)
        due[i.account_id].push_back(id);
    }
    return 0;
  });
  int started = 0;
  for (auto& [account, ids] : due) {
    auto results = DeleteInstances(cloud, PlatformRequest(account, ids));
    if (!results.ok()) continue;
    for (const auto& b : *results) {
      if (!b.error) {
        ++started;
        LOG_INFO("auto-release: releasing {} (its AutoReleaseTime has come)", b.instance_id);
      } else {
        LOG_WARN("auto-release of {} failed: {}", b.instance_id, b.error->message);
      }
    }
  }
  return started;
}

Status ModifyMaintenanceAttributes(Cloud& cloud, const std::string& account_id,
                                   const std::vector<std::string>& instance_ids,
                                   const MaintenanceChange& change) {
  if (change.action && *change.action != "Stop" && *change.action != "AutoRecover" &&
      *change.action != "AutoRedeploy")
    return MakeError(ErrorCode::kInvalidParameter,
                     "ActionOnMaintenance must be Stop, AutoRecover or AutoRedeploy.");
  if (change.windows) {
    if (change.windows->size() > 1)
      return MakeError(ErrorCode::kInvalidParameter, "At most 1 MaintenanceWindow is allowed.");
    for (const auto& w : *change.windows)
      if (!IsWholeHourUtc(w.start_time) || !IsWholeHourUtc(w.end_time) ||
          w.start_time == w.end_time)
        return MakeError(ErrorCode::kInvalidParameter,
                         "A MaintenanceWindow's StartTime and EndTime are different whole hours "
                         "in UTC, as HH:00:00Z.");
  }
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    for (const auto& id : instance_ids)
      if (!FindOwned(s.instances, id, account_id))
        return MakeError(ErrorCode::kInvalidInstanceIdNotFound,
                         "The instance " + id + " does not exist.");
    for (const auto& id : instance_ids) {
      Instance& i = s.instances.at(id);
      if (change.action) i.maintenance_action = *change.action;
      if (change.notify) i.maintenance_notify = *change.notify;
      if (change.windows) i.maintenance_windows = *change.windows;
      txn.Touch(i);
    }
    return Ok();
  });
}

namespace {

Status ChangeGroups(Cloud& cloud, const std::string& account_id, const std::string& instance_id,
                    const std::string& group_id, bool join) {
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    Instance* found = FindOwned(s.instances, instance_id, account_id);
    if (!found) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    const SecurityGroup* g = FindOwned(s.security_groups, group_id, account_id);
    if (!g) return MakeError(ErrorCode::kInvalidSecurityGroupIdNotFound);
    Instance& i = *found;
    OPENECS_RETURN_IF_ERROR(CheckAction(InstanceAction::kChangeDevices, i.status, i.task));
    auto& groups = i.security_group_ids;
    auto pos = std::find(groups.begin(), groups.end(), group_id);
    if (join) {
      if (pos != groups.end()) return MakeError(ErrorCode::kAlreadyInSecurityGroup);
      if (g->vpc_id != i.vpc_id) return MakeError(ErrorCode::kInstanceSecurityGroupMismatch);
      if (groups.size() >= 5) return MakeError(ErrorCode::kSecurityGroupLimit);
      groups.push_back(group_id);
    } else {
      if (pos == groups.end()) return MakeError(ErrorCode::kNotInSecurityGroup);
      if (groups.size() == 1) return MakeError(ErrorCode::kLastSecurityGroup);
      groups.erase(pos);
    }
    txn.Touch(i);
    return Ok();
  });
}

}  // namespace

Status JoinSecurityGroup(Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id, const std::string& group_id) {
  return ChangeGroups(cloud, account_id, instance_id, group_id, true);
}

Status LeaveSecurityGroup(Cloud& cloud, const std::string& account_id,
                          const std::string& instance_id, const std::string& group_id) {
  return ChangeGroups(cloud, account_id, instance_id, group_id, false);
}

}  // namespace openecs
