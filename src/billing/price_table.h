#pragma once
// Prices: what every billable thing costs, from a table the operator edits (`ecsd dev --prices
// FILE`; `ecsd prices` prints the built-in defaults to start from). Pure: no I/O but the load.
//
// Money is int64 nano-units of the table's currency (1 USD = 1'000'000'000): per-second usage
// accumulates without rounding drift and is rounded to cents only where it is shown
// (ToAmount). The defaults look like a public region's list prices, in USD:
// - an instance type's pay-as-you-go price per hour is the catalogue's (model/catalogue.h)
//   unless the table names the type; a month of subscription costs `month_hours` of it,
//   a week `week_share` of a month, and periods of 12 months or more get `long_term_discount`;
// - cloud disks per GiB-month by category (ESSD by performance level, "cloud_essd:PL1"); an
//   hour of pay-as-you-go costs a 730th of the month;
// - public bandwidth per Mbps-hour (pay-as-you-go PayByBandwidth) and per Mbps-month
//   (subscription), traffic per GB (PayByTraffic, outbound);
// - snapshots and images per GiB-month;
// - spot: a market price per (instance type, zone) that moves each hour between `min_ratio`
//   and `max_ratio` of the pay-as-you-go price (SpotPrice), the same for every server that
//   asks, so a history can be shown and interruptions follow from it.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"
#include "model/catalogue.h"

namespace openecs {

using Nano = int64_t;
inline constexpr Nano kNanoPerUnit = 1'000'000'000;
inline constexpr int64_t kHoursPerMonth = 730;

Nano ToNano(double amount);
// Rounded to cents (half away from zero).
double ToAmount(Nano n);

struct PriceTable {
  std::string currency = "USD";
  std::map<std::string, double> instance_hour;   // type id -> pay-as-you-go per hour (override)
  double month_hours = 438;                      // a month of subscription = this many hours
  double week_share = 0.3;                       // a week = this share of a month
  double long_term_discount = 0.85;              // periods >= 12 months
  std::map<std::string, double> disk_gib_month;  // "category" or "category:PL"
  double bandwidth_mbps_hour = 0.025;
  double bandwidth_mbps_month = 7.0;
  double traffic_gb = 0.117;
  double snapshot_gib_month = 0.03;
  double image_gib_month = 0.03;
  double spot_min_ratio = 0.1;
  double spot_max_ratio = 0.9;
};

PriceTable DefaultPriceTable();
// The table as the operator's file holds it (DefaultPriceTable() gives the file to start from).
nlohmann::json PriceTableToJson(const PriceTable& t);
// Reads a table; members the file leaves out keep their defaults. InvalidParameter on a
// malformed file or a negative price.
Result<PriceTable> PriceTableFromJson(const nlohmann::json& j);
Result<PriceTable> LoadPriceTable(const std::string& path);

// The pay-as-you-go price of one hour of an instance type.
Nano InstanceHourPrice(const PriceTable& t, const InstanceType& type);
// The subscription price of `period` Months or Weeks of an instance type.
Nano InstancePeriodPrice(const PriceTable& t, const InstanceType& type, int period,
                         std::string_view unit);
// A cloud disk per GiB-hour; 0 for local disks (part of the instance type's price) and -1 for
// an unknown category.
Nano DiskGibHourPrice(const PriceTable& t, std::string_view category, std::string_view level);
// Subscription price of a disk of `size_gib` for `period` Months or Weeks.
Nano DiskPeriodPrice(const PriceTable& t, std::string_view category, std::string_view level,
                     int size_gib, int period, std::string_view unit);
Nano BandwidthHourPrice(const PriceTable& t, int mbps);
Nano BandwidthPeriodPrice(const PriceTable& t, int mbps, int period, std::string_view unit);
Nano TrafficGbPrice(const PriceTable& t);
Nano SnapshotGibHourPrice(const PriceTable& t);
Nano ImageGibHourPrice(const PriceTable& t);
// What `period` Months or Weeks cost in months of subscription (a week is week_share of a
// month; 12 months or more get long_term_discount).
double PeriodMonths(const PriceTable& t, int period, std::string_view unit);

// The spot market price per hour of `type` in `zone` during the hour containing `epoch_seconds`:
// deterministic, between spot_min_ratio and spot_max_ratio of the pay-as-you-go price, quoted
// to a ten-thousandth.
Nano SpotPrice(const PriceTable& t, const InstanceType& type, std::string_view zone,
               int64_t epoch_seconds);

}  // namespace openecs
