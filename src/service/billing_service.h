#pragma once
// Billing: what accounts owe and what follows from it. Prices come from billing/price_table.h
// (CloudConfig::prices); time from the cloud's clock, so `ecsd dev --test-clock` runs a month
// in a second.
//
// - Pay-as-you-go is metered: a pass charges an account's running use since its last metering
//   (BillingAccount::metered_until), per second, into one bill line per resource, billing item
//   and UTC day, and takes it from the balance. The server's timer runs a pass every 5 s and
//   meters the accounts last metered kMeterPeriodSeconds (5 minutes) ago or more; a pass after the
//   test clock moves meters every account. A pass charges the state it finds for the whole interval
//   since the last one (a stop is charged to the second only at the metering period). What is
//   charged: an instance's type (spot: the market price of the hour) unless it is stopped in
//   economical mode (StopCharging) or locked for an unpaid bill; PayByBandwidth public
//   bandwidth while it has a public IP; cloud disks not bought with a subscription; snapshots
//   and custom images by size; EIPs paid by bandwidth; public traffic of PayByTraffic instances
//   and EIPs, per GB, as the hosts count it.
//   Scale: metering writes a line per resource, so an account is metered kMeterChunk resources
//   per Write (per commit), and the cloud's lock is free between them: at 10,000 instances one
//   Write of the whole account held it about 330 ms (20,000 lines) and stalled every API call
//   each 5 s. At 20,000 instances with a thousand hosts reporting, a chunk of 256 held it
//   6.4 ms at the median (23 ms p99), one of 64 1.8 ms (17.5 ms p99): a call that lands in a
//   pass waits for one chunk. A line's end_time is how far it is charged, so a pass cut short
//   between its Writes never charges a resource twice.
// - Subscriptions are paid up front: RunInstances with PrePaid, RenewInstance and
//   ModifyInstanceChargeType place an order (a SubscriptionOrder line per billing item) and
//   take its price from the balance; an account without enough (balance + credit line) is
//   refused with InvalidAccountStatus.NotEnoughBalance. At ExpiredTime an AutoRenewal instance
//   renews if it can; otherwise it is stopped with a `financial` lock and an
//   InstanceExpiration.Stop event, and released kRetentionSeconds later
//   (InstanceExpiration.Delete) unless renewed: RenewInstance lifts the lock and starts it.
// - An account is overdue when its balance is below minus its credit line (credit_limit -1:
//   never). ECS's timing: its pay-as-you-go instances keep running kOverdueGraceSeconds, are
//   then stopped and locked (AccountUnbalanced.Stop), and released kRetentionSeconds after that
//   (AccountUnbalanced.Delete). A credit that brings the balance back lifts the locks.
// - Spot instances are charged the market price of the hour (SpotPrice). Once past their
//   protected hours (SpotDuration), a running one whose market price rises above its limit
//   (SpotWithPriceLimit; SpotAsPriceGo: the pay-as-you-go price), or that the operator reclaims
//   (`ecsd operator reclaim`), gets ECS's notice: a `Recycling` lock, an
//   Instance:PreemptibleInstanceInterruption event and meta-data/instance/spot/termination-time
//   in the guest, kSpotNoticeSeconds ahead; then it is released (SpotInterruptionBehavior
//   Terminate) or stopped in economical mode (Stop, which lifts the lock).
#include <string>
#include <vector>

#include "billing/price_table.h"
#include "common/result.h"
#include "service/cloud.h"

namespace openecs {

inline constexpr int64_t kRetentionSeconds = 15 * 86400;
inline constexpr int64_t kOverdueGraceSeconds = 15 * 86400;
// A spot instance is stopped or released this long after its reclaim notice.
inline constexpr int64_t kSpotNoticeSeconds = 300;
// The largest balance or credit line (a billion units): sums of them stay far inside int64.
inline constexpr Nano kMaxBalance = 1'000'000'000 * kNanoPerUnit;

const PriceTable& PricesOf(const Cloud& cloud);

// One priced part of an order or quote.
struct PriceLine {
  std::string
      resource;  // DescribePrice's Resource: instanceType | systemDisk | dataDisk | bandwidth
  std::string billing_item;  // BillItem::billing_item: instance_type | system_disk | ...
  std::string spec;          // "ecs.g7.large", "cloud_essd PL1 40 GiB", "5 Mbps"
  Nano amount = 0;
};
struct Quote {
  std::vector<PriceLine> lines;
  Nano total() const;
};

// What an instance is priced by: its type, disks and public bandwidth.
struct PricedDisk {
  std::string category, performance_level;
  int size_gib = 0;
  bool system = false;
};
struct PricedInstance {
  const InstanceType* type = nullptr;
  std::vector<PricedDisk> disks;
  std::string internet_charge_type = "PayByTraffic";
  int bandwidth_out = 0;
  std::string zone_id;
};
// The price of `period` Months or Weeks of subscription.
Quote QuoteSubscription(const PriceTable& t, const PricedInstance& spec, int period,
                        std::string_view unit);
// The price of one hour of pay-as-you-go (spot: the instance type at the market price `at`).
Quote QuoteHourly(const PriceTable& t, const PricedInstance& spec, bool spot, int64_t at);
// An existing instance as priced: its type, bandwidth and the disks its subscription covers
// (charge_type PrePaid; with `all_disks`, every disk attached).
PricedInstance PricedInstanceOf(const State& s, const Instance& i, bool all_disks = false);

// The account's money: its record, or what it would be before its first charge.
BillingAccount BillingAccountView(const State& s, const CloudConfig& config,
                                  const std::string& account_id);
// How much the account may still spend (balance + credit line); INT64_MAX when unlimited.
Nano AvailableFunds(const BillingAccount& a);
// InvalidAccountStatus.NotEnoughBalance unless the account can pay `amount` now.
Status CheckFunds(const State& s, const CloudConfig& config, const std::string& account_id,
                  Nano amount);

// Whether the account is overdue: its balance below minus its credit line.
bool IsOverdue(const State& s, const CloudConfig& config, const std::string& account_id);

// Records an order (SubscriptionOrder, or Refund with negative amounts) for `resource_id` and
// takes (or gives back) its total; returns the order id. Never fails: check funds first.
struct OrderOf {
  std::string account_id, resource_id, resource_name, zone_id;
  std::string item = "SubscriptionOrder";  // | Refund
  int period = 0;
  std::string period_unit;
  std::string order_id;  // "" a new order; else more lines of this one
};
std::string PlaceOrder(Txn& txn, const CloudConfig& config, const OrderOf& order,
                       const Quote& quote);

// The subscription end `period` Months or Weeks after `from` (calendar months, UTC).
int64_t AddPeriod(int64_t from, int period, std::string_view unit);

// How often the server's timer meters an account, and how many resources one Write meters.
// Every five minutes (ECS settles pay-as-you-go hourly): a metering writes a line per resource,
// and at 100,000 instances each minute's 200,000 lines (instances and their disks) were a tenth
// of a quiet ecsd's CPU and 3,000 Writes a minute holding the lock (perf).
inline constexpr int64_t kMeterPeriodSeconds = 300;
inline constexpr size_t kMeterChunk = 64;

// One billing pass at `now`: metering (every account, or with !meter_all those due), expiries
// and renewals, overdue accounts, spot. Passes run one at a time.
void RunBillingPass(Cloud& cloud, int64_t now, bool meter_all = true);

// The operator's commands.
struct CreditResult {
  Nano balance = 0;
  int unlocked = 0;  // instances whose financial lock the credit lifted
};
Result<CreditResult> CreditAccount(Cloud& cloud, const std::string& account_id, Nano amount);
// limit -1: unlimited.
Status SetCreditLimit(Cloud& cloud, const std::string& account_id, Nano limit);
Status SetSecurityLock(Cloud& cloud, const std::string& instance_id, bool locked);
// Gives a spot instance its reclaim notice now (capacity the operator takes back).
Status ReclaimSpotInstance(Cloud& cloud, const std::string& instance_id);

// RenewInstance: extends a subscription by `period` (from its expiry, or from now if it has
// expired), charging the order; an expired instance is unlocked and started.
Result<std::string> RenewInstance(Cloud& cloud, const std::string& account_id,
                                  const std::string& instance_id, int period,
                                  const std::string& unit);
Result<Quote> RenewalQuote(const Cloud& cloud, const std::string& account_id,
                           const std::string& instance_id, int period, const std::string& unit);

struct AutoRenewChange {
  std::string renewal_status;  // AutoRenewal | Normal | NotRenewal
  int duration = 0;            // 0: unchanged
  std::string unit;            // "" unchanged
};
Status ModifyAutoRenew(Cloud& cloud, const std::string& account_id,
                       const std::vector<std::string>& instance_ids, const AutoRenewChange& c);

// ModifyPrepayInstanceSpec: an upgrade (a type priced higher) applies now, Running or Stopped
// (a running guest takes it at its next start, or at once with RebootWhenFinished), and the
// difference for the rest of the term is charged; a downgrade waits for the next renewal,
// which is priced at the new type, and refunds nothing.
struct PrepaySpecChange {
  std::string account_id, instance_id, instance_type;
  std::string operator_type;  // "" (from the prices) | upgrade | downgrade
  bool reboot = false;        // RebootWhenFinished
};
struct PrepaySpecResult {
  std::string order_id;  // "" for a downgrade
  bool upgrade = false;
};
Result<PrepaySpecResult> ModifyPrepayInstanceSpec(Cloud& cloud, const PrepaySpecChange& c);
// DescribeInstanceModificationPrice: what an upgrade to `instance_type` costs for the rest of
// the term (InvalidInstanceType.NotSupportUpgrade for a downgrade).
Result<Quote> ModificationQuote(const Cloud& cloud, const std::string& account_id,
                                const std::string& instance_id, const std::string& instance_type);

// BSS RefundInstance: a subscription given back before it expires. The unused part of the term
// comes back (a Refund order, prorated by the second); the instance is stopped with the
// `refunded` lock (the console's To Be Released) and released now (`immediately`) or after
// kRetentionSeconds.
struct RefundResult {
  std::string order_id;
  Nano amount = 0;
};
Result<RefundResult> RefundSubscription(Cloud& cloud, const std::string& account_id,
                                        const std::string& instance_id, bool immediately);
// BSS InquiryPriceRefundInstance: what RefundSubscription would give back now.
Result<Nano> RefundQuote(const Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id);

struct ChargeTypeChange {
  std::string account_id;
  std::vector<std::string> instance_ids;
  std::string to;  // PrePaid | PostPaid
  int period = 1;
  std::string unit = "Month";
  bool include_data_disks = false;  // to PrePaid: the data disks join the subscription
  bool dry_run = false;
};
struct ChargeTypeFee {
  std::string instance_id;
  Nano fee = 0;  // paid (PrePaid) or refunded (PostPaid, negative)
};
struct ChargeTypeResult {
  std::string order_id;
  std::vector<ChargeTypeFee> fees;
};
Result<ChargeTypeResult> ModifyInstanceChargeType(Cloud& cloud, const ChargeTypeChange& c);

}  // namespace openecs
