#include "billing/price_table.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/crypto.h"

namespace openecs {

Nano ToNano(double amount) { return static_cast<Nano>(std::llround(amount * kNanoPerUnit)); }

double ToAmount(Nano n) {
  // Whole cents, rounded half away from zero, from integers (no binary-fraction surprises).
  constexpr Nano kCent = kNanoPerUnit / 100;
  Nano cents = (n >= 0 ? n + kCent / 2 : n - kCent / 2) / kCent;
  return static_cast<double>(cents) / 100.0;
}

PriceTable DefaultPriceTable() {
  PriceTable t;
  t.disk_gib_month = {{"cloud", 0.04},          {"cloud_efficiency", 0.05},
                      {"cloud_ssd", 0.14},      {"cloud_auto", 0.12},
                      {"cloud_essd:PL0", 0.08}, {"cloud_essd:PL1", 0.15},
                      {"cloud_essd:PL2", 0.30}, {"cloud_essd:PL3", 0.60}};
  return t;
}

nlohmann::json PriceTableToJson(const PriceTable& t) {
  nlohmann::json types = nlohmann::json::object();
  for (const auto& type : AllInstanceTypes())
    types[type.id] =
        t.instance_hour.count(type.id) ? t.instance_hour.at(type.id) : type.hourly_price;
  return {{"currency", t.currency},
          {"instance_types_per_hour", types},
          {"subscription",
           {{"month_hours", t.month_hours},
            {"week_share", t.week_share},
            {"long_term_discount", t.long_term_discount}}},
          {"disks_per_gib_month", t.disk_gib_month},
          {"bandwidth",
           {{"per_mbps_hour", t.bandwidth_mbps_hour},
            {"per_mbps_month", t.bandwidth_mbps_month},
            {"per_traffic_gb", t.traffic_gb}}},
          {"snapshot_per_gib_month", t.snapshot_gib_month},
          {"image_per_gib_month", t.image_gib_month},
          {"spot", {{"min_ratio", t.spot_min_ratio}, {"max_ratio", t.spot_max_ratio}}}};
}

namespace {

Error Bad(const std::string& what) {
  return MakeError(ErrorCode::kInvalidParameter, "price table: " + what);
}

// Reads a non-negative number at j[key] into *out when present.
Status ReadPrice(const nlohmann::json& j, const char* key, double* out) {
  if (!j.contains(key)) return Ok();
  if (!j[key].is_number() || j[key].get<double>() < 0)
    return Bad(std::string(key) + " must be a number >= 0");
  *out = j[key].get<double>();
  return Ok();
}

Status ReadPriceMap(const nlohmann::json& j, const char* key, std::map<std::string, double>* out) {
  if (!j.contains(key)) return Ok();
  if (!j[key].is_object()) return Bad(std::string(key) + " must be an object");
  for (const auto& [name, v] : j[key].items()) {
    if (!v.is_number() || v.get<double>() < 0)
      return Bad(std::string(key) + "." + name + " must be a number >= 0");
    (*out)[name] = v.get<double>();
  }
  return Ok();
}

const nlohmann::json& Section(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return j.contains(key) && j[key].is_object() ? j[key] : kEmpty;
}

}  // namespace

Result<PriceTable> PriceTableFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("not a JSON object");
  PriceTable t = DefaultPriceTable();
  if (j.contains("currency")) {
    if (!j["currency"].is_string() || j["currency"].get<std::string>().size() != 3)
      return Bad("currency must be a three-letter code");
    t.currency = j["currency"].get<std::string>();
  }
  for (const char* section : {"subscription", "bandwidth", "spot"})
    if (j.contains(section) && !j[section].is_object())
      return Bad(std::string(section) + " must be an object");
  std::map<std::string, double> types;
  OPENECS_RETURN_IF_ERROR(ReadPriceMap(j, "instance_types_per_hour", &types));
  for (const auto& [id, price] : types) {
    if (!FindInstanceType(id)) return Bad("no instance type " + id);
    if (price != FindInstanceType(id)->hourly_price) t.instance_hour[id] = price;
  }
  OPENECS_RETURN_IF_ERROR(ReadPriceMap(j, "disks_per_gib_month", &t.disk_gib_month));
  const auto& sub = Section(j, "subscription");
  OPENECS_RETURN_IF_ERROR(ReadPrice(sub, "month_hours", &t.month_hours));
  OPENECS_RETURN_IF_ERROR(ReadPrice(sub, "week_share", &t.week_share));
  OPENECS_RETURN_IF_ERROR(ReadPrice(sub, "long_term_discount", &t.long_term_discount));
  const auto& bw = Section(j, "bandwidth");
  OPENECS_RETURN_IF_ERROR(ReadPrice(bw, "per_mbps_hour", &t.bandwidth_mbps_hour));
  OPENECS_RETURN_IF_ERROR(ReadPrice(bw, "per_mbps_month", &t.bandwidth_mbps_month));
  OPENECS_RETURN_IF_ERROR(ReadPrice(bw, "per_traffic_gb", &t.traffic_gb));
  OPENECS_RETURN_IF_ERROR(ReadPrice(j, "snapshot_per_gib_month", &t.snapshot_gib_month));
  OPENECS_RETURN_IF_ERROR(ReadPrice(j, "image_per_gib_month", &t.image_gib_month));
  const auto& spot = Section(j, "spot");
  OPENECS_RETURN_IF_ERROR(ReadPrice(spot, "min_ratio", &t.spot_min_ratio));
  OPENECS_RETURN_IF_ERROR(ReadPrice(spot, "max_ratio", &t.spot_max_ratio));
  if (t.spot_min_ratio > t.spot_max_ratio || t.spot_max_ratio > 1)
    return Bad("spot ratios need 0 <= min_ratio <= max_ratio <= 1");
  return t;
}

Result<PriceTable> LoadPriceTable(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Bad(path + " is not JSON");
  return PriceTableFromJson(j);
}

Nano InstanceHourPrice(const PriceTable& t, const InstanceType& type) {
  auto it = t.instance_hour.find(type.id);
  return ToNano(it != t.instance_hour.end() ? it->second : type.hourly_price);
}

double PeriodMonths(const PriceTable& t, int period, std::string_view unit) {
  if (unit == "Week") return period * t.week_share;
  if (unit == "Year") period *= 12;
  return period >= 12 ? period * t.long_term_discount : period;
}

Nano InstancePeriodPrice(const PriceTable& t, const InstanceType& type, int period,
                         std::string_view unit) {
  return static_cast<Nano>(std::llround(static_cast<double>(InstanceHourPrice(t, type)) *
                                        t.month_hours * PeriodMonths(t, period, unit)));
}

namespace {
// Per GiB-month; -1 unknown, 0 local.
double DiskGibMonth(const PriceTable& t, std::string_view category, std::string_view level) {
  if (IsLocalDiskCategory(category)) return 0;
  std::string key(category);
  if (category == "cloud_essd") key += ":" + std::string(level.empty() ? "PL1" : level);
  auto it = t.disk_gib_month.find(key);
  return it == t.disk_gib_month.end() ? -1 : it->second;
}
}  // namespace

Nano DiskGibHourPrice(const PriceTable& t, std::string_view category, std::string_view level) {
  double month = DiskGibMonth(t, category, level);
  return month < 0 ? -1 : ToNano(month / kHoursPerMonth);
}

Nano DiskPeriodPrice(const PriceTable& t, std::string_view category, std::string_view level,
                     int size_gib, int period, std::string_view unit) {
  double month = DiskGibMonth(t, category, level);
  return month <= 0 ? 0 : ToNano(month * size_gib * PeriodMonths(t, period, unit));
}

Nano BandwidthHourPrice(const PriceTable& t, int mbps) {
  return ToNano(t.bandwidth_mbps_hour * mbps);
}
Nano BandwidthPeriodPrice(const PriceTable& t, int mbps, int period, std::string_view unit) {
  return ToNano(t.bandwidth_mbps_month * mbps * PeriodMonths(t, period, unit));
}
Nano TrafficGbPrice(const PriceTable& t) { return ToNano(t.traffic_gb); }
Nano SnapshotGibHourPrice(const PriceTable& t) {
  return ToNano(t.snapshot_gib_month / kHoursPerMonth);
}
Nano ImageGibHourPrice(const PriceTable& t) { return ToNano(t.image_gib_month / kHoursPerMonth); }

Nano SpotPrice(const PriceTable& t, const InstanceType& type, std::string_view zone,
               int64_t epoch_seconds) {
  int64_t hour = epoch_seconds / 3600;
  // A hash of (type, zone, hour) picks where in [min, max] this hour's price lies; neighbouring
  // hours are averaged with it so the price moves rather than jumps.
  auto point = [&](int64_t h) {
    std::string digest = Sha256Hex(type.id + "|" + std::string(zone) + "|" + std::to_string(h));
    return static_cast<double>(std::stoul(digest.substr(0, 8), nullptr, 16)) / 0xffffffffu;
  };
  double x = (point(hour - 1) + 2 * point(hour) + point(hour + 1)) / 4;
  double ratio = t.spot_min_ratio + (t.spot_max_ratio - t.spot_min_ratio) * x;
  // Quoted to a ten-thousandth (the smallest types cost a few thousandths an hour).
  double hourly = static_cast<double>(InstanceHourPrice(t, type)) / kNanoPerUnit * ratio;
  return ToNano(std::round(hourly * 10000) / 10000);
}

}  // namespace openecs
