// ECS billing actions (service/billing_service.h has the rules, billing/price_table.h the
// prices): DescribePrice, DescribeRenewalPrice, DescribeInstanceModificationPrice, RenewInstance,
// the auto-renew pair, ModifyInstanceChargeType, ModifyPrepayInstanceSpec,
// DescribeSpotPriceHistory and DescribeSpotAdvice.
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/action.h"
#include "api/paging.h"
#include "common/clock.h"
#include "common/text.h"
#include "model/catalogue.h"
#include "service/billing_service.h"
#include "service/instance_locks.h"

namespace openecs {
namespace {

using json = nlohmann::json;

double Amount(Nano n) { return ToAmount(n); }

// PriceInfo as DescribePrice answers it. The detail list goes out under both names clients read
// (DetailInfo: the current SDKs; ResourcePriceModel: the older Go SDK Terraform uses).
json PriceInfo(const PriceTable& t, const Quote& q, int amount) {
  // Times Amount in floating point: a thousand of the largest order passes int64 nano-units.
  json details = json::array();
  for (const auto& l : q.lines)
    details.push_back({{"Resource", l.resource},
                       {"OriginalPrice", Amount(l.amount) * amount},
                       {"DiscountPrice", 0},
                       {"TradePrice", Amount(l.amount) * amount},
                       {"SubRules", {{"Rule", json::array()}}}});
  double total = Amount(q.total()) * amount;
  return {{"Price",
           {{"Currency", t.currency},
            {"OriginalPrice", total},
            {"DiscountPrice", 0},
            {"TradePrice", total},
            {"ReservedInstanceHourPrice", 0},
            {"DetailInfos", {{"DetailInfo", details}, {"ResourcePriceModel", details}}}}},
          {"Rules", {{"Rule", json::array()}}},
          {"RelatedPrice",
           {{"MarketplaceImagePrice",
             {{"Currency", t.currency},
              {"OriginalPrice", 0},
              {"DiscountPrice", 0},
              {"TradePrice", 0}}}}}};
}

// A disk to price from its fields (Category, PerformanceLevel, Size).
Result<PricedDisk> DiskParam(const std::map<std::string, std::string>& f, bool system) {
  auto get = [&](const char* k, const std::string& def) {
    auto it = f.find(k);
    return it == f.end() || it->second.empty() ? def : it->second;
  };
  PricedDisk d;
  d.system = system;
  d.category = get("Category", system ? "cloud_efficiency" : "");
  d.performance_level = get("PerformanceLevel", d.category == "cloud_essd" ? "PL1" : "");
  if (!FindDiskCategory(d.category))
    return MakeError(system ? ErrorCode::kInvalidSystemDiskCategory
                            : ErrorCode::kInvalidDataDiskCategory);
  std::string size = get("Size", system ? "20" : "");
  int64_t gib = 0;
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), gib);
  if (ec != std::errc() || end != size.data() + size.size() || gib < 1 || gib > 65536)
    return MakeError(system ? ErrorCode::kInvalidSystemDiskSize : ErrorCode::kInvalidDataDiskSize);
  d.size_gib = static_cast<int>(gib);
  if (d.category == "cloud_essd" && d.performance_level != "PL0" && d.performance_level != "PL1" &&
      d.performance_level != "PL2" && d.performance_level != "PL3")
    return MakeError(ErrorCode::kInvalidParameter, "PerformanceLevel is PL0 to PL3.");
  return d;
}

Result<json> DescribePrice(ApiContext& c) {
  const Params& p = c.params;
  const PriceTable& t = PricesOf(c.cloud);
  std::string resource = p.GetOr("ResourceType", "instance");
  if (resource != "instance" && resource != "disk" && resource != "bandwidth")
    return MakeError(ErrorCode::kInvalidResourceTypeValue);
  OPENECS_ASSIGN_OR_RETURN(auto unit_opt, p.Enum("PriceUnit", {"Hour", "Week", "Month", "Year"}));
  std::string unit = unit_opt.value_or("Hour");
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 1, 1, 60));
  if ((unit == "Hour" && period != 1) || (unit == "Week" && period > 4) ||
      (unit == "Month" && period > 9) || (unit == "Year" && period > 5))
    return MakeError(ErrorCode::kInvalidPeriod);
  OPENECS_ASSIGN_OR_RETURN(int64_t amount, p.IntOr("Amount", 1, 1, 1000));
  OPENECS_ASSIGN_OR_RETURN(
      auto spot, p.Enum("SpotStrategy", {"NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"}));
  OPENECS_ASSIGN_OR_RETURN(auto charge,
                           p.Enum("InternetChargeType", {"PayByBandwidth", "PayByTraffic"}));
  OPENECS_ASSIGN_OR_RETURN(int64_t bw, p.IntOr("InternetMaxBandwidthOut", 0, 0, 100));
  auto zone = p.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  PricedInstance spec;
  spec.internet_charge_type = charge.value_or("PayByTraffic");
  spec.bandwidth_out = static_cast<int>(bw);
  spec.zone_id = zone.value_or(c.cloud.config().zones.front());
  if (resource == "instance") {
    auto type = p.Get("InstanceType");
    if (!type) return MakeError(ErrorCode::kInvalidInstanceTypeMissing);
    spec.type = FindInstanceType(*type);
    if (!spec.type) return MakeError(ErrorCode::kInvalidInstanceType);
    std::map<std::string, std::string> system;
    for (const char* k : {"Category", "PerformanceLevel", "Size"})
      if (auto v = p.Get(std::string("SystemDisk.") + k)) system[k] = *v;
    OPENECS_ASSIGN_OR_RETURN(PricedDisk d, DiskParam(system, true));
    spec.disks.push_back(d);
  }
  if (p.ObjectList("DataDisk").size() > 16)
    return MakeError(ErrorCode::kInvalidParameter, "At most 16 data disks.");
  for (const auto& fields : p.ObjectList("DataDisk")) {
    OPENECS_ASSIGN_OR_RETURN(PricedDisk d, DiskParam(fields, false));
    spec.disks.push_back(d);
  }
  if (resource == "disk") {
    if (spec.disks.empty()) return MakeError(ErrorCode::kInvalidDiskCategoryMissing);
    if (unit != "Hour")
      return MakeError(ErrorCode::kInvalidPriceUnit, "Disks are priced by the hour.");
  }
  if (resource == "bandwidth") {
    // Traffic: the price of one GB (ECS prices PayByTraffic bandwidth only).
    Quote q;
    q.lines.push_back({"bandwidth", "bandwidth", "1 GB", TrafficGbPrice(t)});
    return json{{"PriceInfo", PriceInfo(t, q, static_cast<int>(amount))}};
  }
  bool is_spot = spot.value_or("NoSpot") != "NoSpot";
  if (is_spot && unit != "Hour")
    return MakeError(ErrorCode::kInvalidParameter, "Spot instances are priced by the hour.");
  Quote q = unit == "Hour" ? QuoteHourly(t, spec, is_spot, c.cloud.Now())
                           : QuoteSubscription(t, spec, static_cast<int>(period), unit);
  return json{{"PriceInfo", PriceInfo(t, q, static_cast<int>(amount))}};
}

Result<json> DescribeRenewalPrice(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("ResourceId"));
  if (p.GetOr("ResourceType", "instance") != "instance")
    return MakeError(ErrorCode::kInvalidResourceTypeValue);
  OPENECS_ASSIGN_OR_RETURN(auto unit, p.Enum("PriceUnit", {"Month", "Year"}));
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 1, 1, 9));
  int months =
      unit.value_or("Month") == "Year" ? static_cast<int>(period) * 12 : static_cast<int>(period);
  if (unit.value_or("Month") == "Year" && period > 3) return MakeError(ErrorCode::kInvalidPeriod);
  OPENECS_ASSIGN_OR_RETURN(Quote q, RenewalQuote(c.cloud, c.account_id, id, months, "Month"));
  // One line: the instance with everything it is renewed with.
  Quote whole;
  whole.lines.push_back({"instance", "instance", id, q.total()});
  return json{{"PriceInfo", PriceInfo(PricesOf(c.cloud), whole, 1)}};
}

Result<json> RenewInstanceAction(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("InstanceId"));
  if (!p.Has("Period"))
    return MakeError(ErrorCode::kMissingParameter,
                     "The specified parameter \"Period\" is not null.");
  OPENECS_ASSIGN_OR_RETURN(int64_t period, p.IntOr("Period", 1, 1, 60));
  OPENECS_ASSIGN_OR_RETURN(auto unit, p.Enum("PeriodUnit", {"Month", "Week"}));
  OPENECS_ASSIGN_OR_RETURN(
      std::string order,
      RenewInstance(c.cloud, c.account_id, id, static_cast<int>(period), unit.value_or("Month")));
  return json{{"OrderId", order}};
}

std::vector<std::string> CommaList(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& part : Split(s, ','))
    if (!Trim(part).empty()) out.push_back(Trim(part));
  return out;
}

Result<json> DescribeInstanceAutoRenewAttribute(ApiContext& c) {
  const Params& p = c.params;
  std::vector<std::string> ids = CommaList(p.GetOr("InstanceId", ""));
  auto status = p.Get("RenewalStatus");
  if (ids.empty() && !status)
    return MakeError(ErrorCode::kMissingParameter, "InstanceId or RenewalStatus is needed.");
  if (ids.size() > 100) return MakeError(ErrorCode::kInvalidParameter, "At most 100 InstanceIds.");
  if (status && *status != "AutoRenewal" && *status != "Normal" && *status != "NotRenewal")
    return MakeError(ErrorCode::kInvalidRenewalStatus);
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const Instance*> matched;
    if (!ids.empty()) {
      for (const auto& id : ids) {
        const Instance* i = FindOwned(s.instances, id, c.account_id);
        if (!i)
          return MakeError(ErrorCode::kInvalidInstanceIdRenew,
                           "The specified InstanceId " + id + " does not exist.");
        if (i->charge_type != "PrePaid")
          return MakeError(ErrorCode::kChargeTypeViolation,
                           "Pay-As-You-Go instances do not support this operation.");
        if (!status || i->renewal_status == *status) matched.push_back(i);
      }
    } else {
      for (const auto& [id, i] : Owned(s.instances, c.account_id))
        if (i.charge_type == "PrePaid" && i.renewal_status == *status) matched.push_back(&i);
    }
    OPENECS_ASSIGN_OR_RETURN(Page page, Paginate(p, matched.size(), PageSpec{10, 100, false}));
    json rows = json::array();
    for (size_t k = page.begin; k < page.end; ++k) {
      const Instance& i = *matched[k];
      rows.push_back({{"InstanceId", i.id},
                      {"AutoRenewEnabled", i.renewal_status == "AutoRenewal"},
                      {"RenewalStatus", i.renewal_status},
                      {"Duration", i.auto_renew_period},
                      {"PeriodUnit", i.auto_renew_unit},
                      {"EnableExpectedRenewDay", false}});
    }
    json reply{{"InstanceRenewAttributes", Wrap("InstanceRenewAttribute", rows)}};
    page.Render(reply, matched.size());
    return reply;
  });
}

Result<json> ModifyInstanceAutoRenewAttribute(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string list, p.Required("InstanceId"));
  std::vector<std::string> ids = CommaList(list);
  if (ids.empty() || ids.size() > 100)
    return MakeError(ErrorCode::kInvalidParameter, "InstanceId names 1 to 100 instances.");
  OPENECS_ASSIGN_OR_RETURN(bool auto_renew, p.Bool("AutoRenew", false));
  AutoRenewChange change;
  change.renewal_status = p.GetOr("RenewalStatus", auto_renew ? "AutoRenewal" : "Normal");
  OPENECS_ASSIGN_OR_RETURN(int64_t duration, p.IntOr("Duration", 0, 0, 60));
  change.duration = static_cast<int>(duration);
  change.unit = p.GetOr("PeriodUnit", "");
  OPENECS_RETURN_IF_ERROR(ModifyAutoRenew(c.cloud, c.account_id, ids, change));
  return json::object();
}

Result<json> ModifyInstanceChargeTypeAction(ApiContext& c) {
  const Params& p = c.params;
  ChargeTypeChange change;
  change.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(std::string ids, p.Required("InstanceIds"));
  if (auto parsed = p.JsonList("InstanceIds"); parsed.ok())
    change.instance_ids = *parsed;
  else
    change.instance_ids = CommaList(ids);
  change.to = p.GetOr("InstanceChargeType", "PrePaid");
  // Period matters only for a subscription (a PostPaid change ignores it, as ECS does).
  OPENECS_ASSIGN_OR_RETURN(int64_t period,
                           p.IntOr("Period", 1, change.to == "PrePaid" ? 1 : 0, 60));
  change.period = static_cast<int>(std::max<int64_t>(1, period));
  OPENECS_ASSIGN_OR_RETURN(auto unit, p.Enum("PeriodUnit", {"Month", "Week"}));
  change.unit = unit.value_or("Month");
  OPENECS_ASSIGN_OR_RETURN(change.include_data_disks, p.Bool("IncludeDataDisks", false));
  OPENECS_ASSIGN_OR_RETURN(change.dry_run, DryRunOf(p));
  OPENECS_ASSIGN_OR_RETURN(ChargeTypeResult r, ModifyInstanceChargeType(c.cloud, change));
  json fees = json::array();
  char buf[32];
  for (const auto& f : r.fees) {
    std::snprintf(buf, sizeof(buf), "%.2f", ToAmount(f.fee));
    fees.push_back(
        {{"InstanceId", f.instance_id}, {"Fee", buf}, {"Currency", PricesOf(c.cloud).currency}});
  }
  return json{{"OrderId", r.order_id}, {"FeeOfInstances", Wrap("FeeOfInstance", fees)}};
}

Result<json> DescribeSpotPriceHistory(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string type_id, p.Required("InstanceType"));
  OPENECS_ASSIGN_OR_RETURN(std::string network, p.Required("NetworkType"));
  if (network != "vpc" && network != "classic")
    return MakeError(ErrorCode::kInvalidParameter, "NetworkType is vpc or classic.");
  const InstanceType* type = FindInstanceType(type_id);
  if (!type) return MakeError(ErrorCode::kInvalidInstanceType);
  auto zone = p.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  int64_t now = c.cloud.Now();
  int64_t end = now, start = now - 3 * 3600;
  if (auto e = p.Get("EndTime")) {
    auto t = ParseIso(*e);
    if (!t) return MakeError(ErrorCode::kInvalidParameter, "EndTime is yyyy-MM-ddTHH:mm:ssZ.");
    end = std::min(*t, now);
  }
  if (auto s = p.Get("StartTime")) {
    auto t = ParseIso(*s);
    if (!t) return MakeError(ErrorCode::kInvalidParameter, "StartTime is yyyy-MM-ddTHH:mm:ssZ.");
    start = *t;
  } else {
    start = end - 3 * 3600;
  }
  if (start > end || end - start > 30 * 86400)
    return MakeError(ErrorCode::kInvalidParameter,
                     "StartTime comes before EndTime, at most 30 days before it.");
  OPENECS_ASSIGN_OR_RETURN(int64_t offset, p.IntOr("Offset", 0, 0, 1000000));
  const PriceTable& t = PricesOf(c.cloud);
  std::vector<std::string> zones = zone ? std::vector<std::string>{*zone} : c.cloud.config().zones;
  json rows = json::array();
  constexpr int64_t kPage = 1000;
  int64_t index = 0, next = 0;
  for (const auto& z : zones) {
    for (int64_t h = start / 3600 * 3600; h <= end; h += 3600, ++index) {
      if (index < offset) continue;
      if (static_cast<int64_t>(rows.size()) == kPage) {
        next = index;
        break;
      }
      rows.push_back({{"ZoneId", z},
                      {"InstanceType", type->id},
                      {"IoOptimized", "optimized"},
                      {"NetworkType", network},
                      {"Timestamp", FormatIso(std::max(h, start))},
                      {"SpotPrice", Amount(SpotPrice(t, *type, z, h))},
                      {"OriginPrice", Amount(InstanceHourPrice(t, *type))}});
    }
  }
  return json{
      {"Currency", t.currency}, {"NextOffset", next}, {"SpotPrices", Wrap("SpotPriceType", rows)}};
}

Result<json> DescribeInstanceModificationPrice(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(std::string id, p.Required("InstanceId"));
  auto type = p.Get("InstanceType");
  if (!type)
    return MakeError(ErrorCode::kMissingParameter,
                     "InstanceType is needed (OpenECS prices instance type upgrades).");
  OPENECS_ASSIGN_OR_RETURN(Quote q, ModificationQuote(c.cloud, c.account_id, id, *type));
  return json{{"PriceInfo", PriceInfo(PricesOf(c.cloud), q, 1)}};
}

Result<json> ModifyPrepayInstanceSpecAction(ApiContext& c) {
  const Params& p = c.params;
  PrepaySpecChange change;
  change.account_id = c.account_id;
  OPENECS_ASSIGN_OR_RETURN(change.instance_id, p.Required("InstanceId"));
  OPENECS_ASSIGN_OR_RETURN(change.instance_type, p.Required("InstanceType"));
  change.operator_type = p.GetOr("OperatorType", "");
  OPENECS_ASSIGN_OR_RETURN(change.reboot, p.Bool("RebootWhenFinished", false));
  OPENECS_ASSIGN_OR_RETURN(PrepaySpecResult r, ModifyPrepayInstanceSpec(c.cloud, change));
  return json{{"OrderId", r.order_id}};
}

// The spot advice of the last 30 days per zone and instance type: the average market price as a
// percentage of the pay-as-you-go price (sampled every 6 hours). OpenECS reclaims by price only
// against a user's own limit (and when the operator takes capacity back), so it reports no
// interruption rate of its own: 0, "0-3%".
Result<json> DescribeSpotAdvice(ApiContext& c) {
  const Params& p = c.params;
  auto zone = p.Get("ZoneId");
  OPENECS_RETURN_IF_ERROR(CheckZone(c, zone));
  std::vector<std::string> types = p.RepeatList("InstanceTypes");
  if (types.size() > 10)
    return MakeError(ErrorCode::kInvalidParameter, "At most 10 InstanceTypes.");
  OPENECS_ASSIGN_OR_RETURN(auto cores, p.Int("Cores", 1, 1024));
  OPENECS_ASSIGN_OR_RETURN(auto memory, p.Double("Memory", 0.5, 4096));
  OPENECS_ASSIGN_OR_RETURN(auto min_cores, p.Int("MinCores", 1, 1024));
  OPENECS_ASSIGN_OR_RETURN(auto min_memory, p.Double("MinMemory", 0.5, 4096));
  auto family = p.Get("InstanceTypeFamily");
  if (types.empty() && !cores && !memory && !min_cores && !min_memory && !family)
    return MakeError(ErrorCode::kTypeAndCpuMemConflict);
  const PriceTable& t = PricesOf(c.cloud);
  int64_t now = c.cloud.Now();
  std::vector<std::string> zones = zone ? std::vector<std::string>{*zone} : c.cloud.config().zones;
  json out = json::array();
  for (const auto& z : zones) {
    std::vector<std::pair<int, std::string>> rows;  // (discount, type)
    for (const auto& type : AllInstanceTypes()) {
      if (type.gpu > 0) continue;  // offered only where a host declares GPUs
      if (!types.empty() && std::find(types.begin(), types.end(), type.id) == types.end()) continue;
      if (cores && type.cpu != *cores) continue;
      if (memory && type.memory_gib != *memory) continue;
      if (min_cores && type.cpu < *min_cores) continue;
      if (min_memory && type.memory_gib < *min_memory) continue;
      if (family && type.family != *family) continue;
      long double sum = 0;
      int n = 0;
      for (int64_t h = now - 30 * 86400; h <= now; h += 6 * 3600, ++n)
        sum += SpotPrice(t, type, z, h);
      Nano payg = InstanceHourPrice(t, type);
      int discount = payg > 0 ? static_cast<int>(std::lround(100 * sum / n / payg)) : 100;
      rows.push_back({std::clamp(discount, 1, 100), type.id});
    }
    std::sort(rows.begin(), rows.end());
    json resources = json::array();
    for (const auto& [discount, id] : rows)
      resources.push_back({{"InstanceType", id},
                           {"AverageSpotDiscount", discount},
                           {"InterruptionRate", 0},
                           {"InterruptRateDesc", "0-3%"}});
    out.push_back(
        {{"ZoneId", z}, {"AvailableSpotResources", Wrap("AvailableSpotResource", resources)}});
  }
  return json{{"RegionId", c.region_id}, {"AvailableSpotZones", Wrap("AvailableSpotZone", out)}};
}

}  // namespace

void RegisterBillingActions(ActionTable& t) {
  t[{kEcsVersion, "DescribeSpotAdvice"}] = {DescribeSpotAdvice};
  t[{kEcsVersion, "DescribeInstanceModificationPrice"}] = {DescribeInstanceModificationPrice};
  t[{kEcsVersion, "ModifyPrepayInstanceSpec"}] = {ModifyPrepayInstanceSpecAction, true, true};
  t[{kEcsVersion, "DescribePrice"}] = {DescribePrice};
  t[{kEcsVersion, "DescribeRenewalPrice"}] = {DescribeRenewalPrice};
  t[{kEcsVersion, "RenewInstance"}] = {RenewInstanceAction, false, true};
  t[{kEcsVersion, "DescribeInstanceAutoRenewAttribute"}] = {DescribeInstanceAutoRenewAttribute};
  t[{kEcsVersion, "ModifyInstanceAutoRenewAttribute"}] = {ModifyInstanceAutoRenewAttribute};
  t[{kEcsVersion, "ModifyInstanceChargeType"}] = {ModifyInstanceChargeTypeAction, true, true};
  t[{kEcsVersion, "DescribeSpotPriceHistory"}] = {DescribeSpotPriceHistory};
}

}  // namespace openecs
