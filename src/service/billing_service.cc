#include "service/billing_service.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <ctime>
#include <mutex>
#include <optional>

#include "common/crypto.h"
#include "common/log.h"
#include "service/instance_events.h"
#include "service/instance_locks.h"
#include "service/instance_service.h"
#include "service/monitor_service.h"
#include "service/quota_service.h"

namespace openecs {

const PriceTable& PricesOf(const Cloud& cloud) {
  static const PriceTable kDefaults = DefaultPriceTable();
  return cloud.config().prices ? *cloud.config().prices : kDefaults;
}

Nano Quote::total() const {
  Nano sum = 0;
  for (const auto& l : lines) sum += l.amount;
  return sum;
}

namespace {

std::string DiskSpec(std::string_view category, std::string_view level, int size_gib) {
  std::string s(category);
  if (!level.empty()) s += " " + std::string(level);
  return s + " " + std::to_string(size_gib) + " GiB";
}

std::string DayOf(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

bool Unlimited(const BillingAccount& a) { return a.credit_limit < 0; }

}  // namespace

Quote QuoteSubscription(const PriceTable& t, const PricedInstance& spec, int period,
                        std::string_view unit) {
  Quote q;
  if (spec.type)
    q.lines.push_back({"instanceType", "instance_type", spec.type->id,
                       InstancePeriodPrice(t, *spec.type, period, unit)});
  for (const auto& d : spec.disks) {
    if (IsLocalDiskCategory(d.category)) continue;
    q.lines.push_back(
        {d.system ? "systemDisk" : "dataDisk", d.system ? "system_disk" : "data_disk",
         DiskSpec(d.category, d.performance_level, d.size_gib),
         DiskPeriodPrice(t, d.category, d.performance_level, d.size_gib, period, unit)});
  }
  if (spec.internet_charge_type == "PayByBandwidth" && spec.bandwidth_out > 0)
    q.lines.push_back({"bandwidth", "bandwidth", std::to_string(spec.bandwidth_out) + " Mbps",
                       BandwidthPeriodPrice(t, spec.bandwidth_out, period, unit)});
  return q;
}

Quote QuoteHourly(const PriceTable& t, const PricedInstance& spec, bool spot, int64_t at) {
  Quote q;
  if (spec.type)
    q.lines.push_back(
        {"instanceType", "instance_type", spec.type->id,
         spot ? SpotPrice(t, *spec.type, spec.zone_id, at) : InstanceHourPrice(t, *spec.type)});
  for (const auto& d : spec.disks) {
    Nano rate = DiskGibHourPrice(t, d.category, d.performance_level);
    if (rate <= 0) continue;
    q.lines.push_back({d.system ? "systemDisk" : "dataDisk", d.system ? "system_disk" : "data_disk",
                       DiskSpec(d.category, d.performance_level, d.size_gib), rate * d.size_gib});
  }
  if (spec.internet_charge_type == "PayByBandwidth" && spec.bandwidth_out > 0)
    q.lines.push_back({"bandwidth", "bandwidth", std::to_string(spec.bandwidth_out) + " Mbps",
                       BandwidthHourPrice(t, spec.bandwidth_out)});
  return q;
}

PricedInstance PricedInstanceOf(const State& s, const Instance& i, bool all_disks) {
  PricedInstance p;
  p.type = FindInstanceType(i.instance_type);
  for (const auto& id : i.disk_ids) {
    auto it = s.disks.find(id);
    if (it == s.disks.end() || (!all_disks && it->second.charge_type != "PrePaid")) continue;
    p.disks.push_back({it->second.category, it->second.performance_level, it->second.size_gib,
                       it->second.type == "system"});
  }
  p.internet_charge_type = i.internet_charge_type;
  p.bandwidth_out = i.internet_max_bandwidth_out;
  p.zone_id = i.zone_id;
  return p;
}

BillingAccount BillingAccountView(const State& s, const CloudConfig& config,
                                  const std::string& account_id) {
  BillingAccount a;
  if (auto it = s.billing_accounts.find(account_id); it != s.billing_accounts.end()) {
    a = it->second;
  } else {
    a.id = a.account_id = account_id;
  }
  if (a.credit_limit == kCreditLimitDefault) a.credit_limit = config.default_credit_limit;
  return a;
}

namespace {
bool Overdue(const BillingAccount& a) { return !Unlimited(a) && a.balance < -a.credit_limit; }
}  // namespace

// `a` with its credit line resolved (kCreditLimitDefault: the cloud's).
BillingAccount Resolved(BillingAccount a, const CloudConfig& config) {
  if (a.credit_limit == kCreditLimitDefault) a.credit_limit = config.default_credit_limit;
  return a;
}

bool IsOverdue(const State& s, const CloudConfig& config, const std::string& account_id) {
  return Overdue(BillingAccountView(s, config, account_id));
}

Nano AvailableFunds(const BillingAccount& a) {
  return Unlimited(a) ? LLONG_MAX : a.balance + a.credit_limit;
}

Status CheckFunds(const State& s, const CloudConfig& config, const std::string& account_id,
                  Nano amount) {
  BillingAccount a = BillingAccountView(s, config, account_id);
  if (amount <= 0 || amount <= AvailableFunds(a)) return Ok();
  char msg[160];
  std::snprintf(msg, sizeof(msg),
                "Your account does not have enough balance: the order costs %.2f, %.2f is "
                "available.",
                ToAmount(amount), ToAmount(AvailableFunds(a)));
  return MakeError(ErrorCode::kNotEnoughBalance, msg);
}

namespace {

// The account's money record, made (metered from `now`) on first use.
BillingAccount& BillingAccountFor(Txn& txn, const CloudConfig& config,
                                  const std::string& account_id) {
  auto& table = txn.state().billing_accounts;
  auto it = table.find(account_id);
  if (it != table.end()) return it->second;
  BillingAccount a;
  a.id = a.account_id = account_id;
  a.credit_limit = kCreditLimitDefault;
  a.metered_until = txn.now();
  return txn.Put(std::move(a));
}

}  // namespace

int64_t AddPeriod(int64_t from, int period, std::string_view unit) {
  if (unit == "Week") return from + int64_t{period} * 7 * 86400;
  int months = unit == "Year" ? period * 12 : period;
  std::time_t tt = static_cast<std::time_t>(from);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  int day = tm.tm_mday;
  tm.tm_mon += months;
  tm.tm_mday = 1;
  std::time_t first = timegm(&tm);  // normalises the month
  std::tm norm{};
  gmtime_r(&first, &norm);
  // The same day of the month, or the month's last day (Jan 31 + 1 month = Feb 28/29).
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = norm.tm_year + 1900;
  int last = kDays[norm.tm_mon] +
             (norm.tm_mon == 1 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0));
  norm.tm_mday = std::min(day, last);
  return static_cast<int64_t>(timegm(&norm));
}

std::string PlaceOrder(Txn& txn, const CloudConfig& config, const OrderOf& order,
                       const Quote& quote) {
  BillingAccount& a = BillingAccountFor(txn, config, order.account_id);
  // A number, as BSS order ids are: the time and six random digits, drawn again until no bill
  // line has it.
  std::string order_id = order.order_id;
  while (order_id.empty()) {
    std::string candidate = std::to_string(txn.now()) +
                            std::to_string(100000 + std::stoul(RandomHex(4), nullptr, 16) % 900000);
    std::string prefix = order.account_id + "/order/" + candidate + "/";
    auto next = txn.state().bill_items.lower_bound(prefix);
    if (next == txn.state().bill_items.end() || next->first.compare(0, prefix.size(), prefix) != 0)
      order_id = candidate;
  }
  int64_t end = order.period > 0 ? AddPeriod(txn.now(), order.period, order.period_unit) : 0;
  for (size_t k = 0; k < quote.lines.size(); ++k) {
    const PriceLine& line = quote.lines[k];
    BillItem b;
    // One line per resource and part (an order may cover many instances and many data disks).
    b.id = order.account_id + "/order/" + order_id + "/" + order.resource_id + "/" +
           std::to_string(k) + "-" + line.billing_item;
    b.account_id = order.account_id;
    b.billing_date = DayOf(txn.now());
    b.item = order.item;
    b.subscription_type = "Subscription";
    b.resource_id = order.resource_id;
    b.resource_name = order.resource_name;
    b.billing_item = line.billing_item;
    b.spec = line.spec;
    b.zone_id = order.zone_id;
    b.order_id = order_id;
    b.amount = order.item == "Refund" ? -std::llabs(line.amount) : line.amount;
    b.list_price = order.period > 0 ? line.amount / order.period : line.amount;
    b.list_price_unit = order.period_unit;
    b.usage = order.period;
    b.usage_unit = order.period_unit;
    b.service_seconds = end > 0 ? end - txn.now() : 0;
    b.start_time = txn.now();
    b.end_time = end;
    a.balance -= b.amount;
    txn.Put(std::move(b));
  }
  txn.Touch(a);
  return order_id;
}

namespace {

// Charges `account`'s pay-as-you-go use over [ba.metered_until, to) into day lines (`to`: the
// pass's time, which may be earlier than the Write's when a pass takes several Writes).
//
// A day line's end_time is how far it has been charged, and a charge starts after it: a pass
// that stopped part-way (a crash between its Writes, leadership moving) leaves some resources
// charged past the account's metered_until, and the next pass does not charge them twice.
class Meter {
 public:
  Meter(Txn& txn, BillingAccount& ba) : Meter(txn, ba, txn.now()) {}
  Meter(Txn& txn, BillingAccount& ba, int64_t to) : txn_(txn), ba_(ba), to_(to) {}

  int64_t from(int64_t created) const { return std::max(ba_.metered_until, created); }
  int64_t to() const { return to_; }

  // `rate`: nano per unit-hour; `units`: how many (1 instance, GiB, Mbps). Charges
  // [from(created), until) (until 0: to()).
  void Charge(const std::string& resource_id, const std::string& name, const std::string& zone,
              const std::string& billing_item, const std::string& spec, Nano rate, double units,
              const std::string& unit, int64_t created, int64_t until = 0) {
    int64_t now = until ? std::min(until, to_) : to_;
    if (from(created) >= now || rate <= 0 || units <= 0) return;
    for (int64_t a = from(created); a < now;) {
      int64_t day_end = (a / 86400 + 1) * 86400;
      int64_t b = std::min(now, day_end);
      if (const BillItem* held = Find(resource_id, billing_item, a); held && held->end_time > a) {
        a = std::min(held->end_time, b);
        if (a == b) continue;
      }
      long double amount = static_cast<long double>(rate) * units * (b - a) / 3600.0L;
      BillItem& line = Line(resource_id, billing_item, a, name, zone, spec);
      line.list_price = rate;
      line.list_price_unit = unit;
      line.usage += units * (b - a) / 3600.0;
      line.usage_unit = unit;
      line.service_seconds += b - a;
      line.end_time = b;
      Add(line, static_cast<Nano>(std::llround(amount)));
      a = b;
    }
  }
  // Usage counted, not timed (public traffic): `units` at `price` each, on today's line.
  void ChargeUsage(const std::string& resource_id, const std::string& name, const std::string& zone,
                   const std::string& billing_item, const std::string& spec, Nano price,
                   double units, const std::string& unit) {
    if (price <= 0 || units <= 0) return;
    BillItem& line = Line(resource_id, billing_item, txn_.now(), name, zone, spec);
    line.list_price = price;
    line.list_price_unit = unit;
    line.usage += units;
    line.usage_unit = unit;
    line.end_time = txn_.now();
    Add(line, static_cast<Nano>(std::llround(static_cast<long double>(price) * units)));
  }
  Nano total() const { return total_; }

 private:
  std::string LineId(const std::string& resource_id, const std::string& billing_item,
                     int64_t at) const {
    return ba_.account_id + "/" + DayOf(at) + "/" + resource_id + "/" + billing_item;
  }
  const BillItem* Find(const std::string& resource_id, const std::string& billing_item,
                       int64_t at) const {
    const auto& table = txn_.state().bill_items;
    auto it = table.find(LineId(resource_id, billing_item, at));
    return it == table.end() ? nullptr : &it->second;
  }
  // The day line of a resource's billing item for the day of `at`, made if needed.
  BillItem& Line(const std::string& resource_id, const std::string& billing_item, int64_t at,
                 const std::string& name, const std::string& zone, const std::string& spec) {
    std::string date = DayOf(at);
    std::string id = LineId(resource_id, billing_item, at);
    auto& table = txn_.state().bill_items;
    auto it = table.find(id);
    BillItem* line;
    if (it == table.end()) {
      BillItem n;
      n.id = id;
      n.account_id = ba_.account_id;
      n.billing_date = date;
      n.item = "PayAsYouGoBill";
      n.subscription_type = "PayAsYouGo";
      n.resource_id = resource_id;
      n.billing_item = billing_item;
      n.start_time = at;
      line = &txn_.Put(std::move(n));
    } else {
      line = &it->second;
      txn_.Touch(*line);
    }
    line->resource_name = name;
    line->zone_id = zone;
    line->spec = spec;
    return *line;
  }
  void Add(BillItem& line, Nano amount) {
    line.amount += amount;
    total_ += amount;
  }
  Txn& txn_;
  BillingAccount& ba_;
  int64_t to_;
  Nano total_ = 0;
};

// Public traffic out (Monitor::TakePublicTrafficOut: bytes by instance or EIP), billed per GB
// (1024^3 bytes) on today's line of each PayByTraffic instance and EIP; traffic of anything
// else (PayByBandwidth, released since) is not billed.
void ChargeTraffic(Txn& txn, const CloudConfig& config, const PriceTable& p,
                   const std::map<std::string, int64_t>& traffic) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  const State& s = txn.state();
  for (const auto& [resource, bytes] : traffic) {
    std::string account, name, zone;
    if (auto i = s.instances.find(resource); i != s.instances.end()) {
      if (i->second.internet_charge_type != "PayByTraffic") continue;
      account = i->second.account_id;
      name = i->second.name;
      zone = i->second.zone_id;
    } else if (auto e = s.eips.find(resource); e != s.eips.end()) {
      if (e->second.internet_charge_type != "PayByTraffic") continue;
      account = e->second.account_id;
      name = e->second.name;
    } else {
      continue;
    }
    BillingAccount& ba = BillingAccountFor(txn, config, account);
    Meter m(txn, ba);
    m.ChargeUsage(resource, name, zone, "internet_traffic", "PayByTraffic", TrafficGbPrice(p),
                  static_cast<double>(bytes) / kGiB, "GB");
    ba.balance -= m.total();
    txn.Touch(ba);
  }
}

// What each kind of resource is charged, into `m` (the resource's account's meter).
void MeterInstance(Meter& m, const PriceTable& p, const Instance& i) {
  if (i.charge_type != "PostPaid" || HasLock(i, kLockFinancial)) return;
  const InstanceType* type = FindInstanceType(i.instance_type);
  bool economical = i.status == InstanceStatus::kStopped && i.stopped_mode == "StopCharging";
  if (type && !economical && i.spot_strategy == "NoSpot") {
    m.Charge(i.id, i.name, i.zone_id, "instance_type", type->id, InstanceHourPrice(p, *type), 1,
             "Hour", i.creation_time);
  } else if (type && !economical) {
    // Spot: each hour at that hour's market price.
    for (int64_t a = m.from(i.creation_time); a < m.to(); a = (a / 3600 + 1) * 3600)
      m.Charge(i.id, i.name, i.zone_id, "instance_type", type->id,
               SpotPrice(p, *type, i.zone_id, a), 1, "Hour", a, (a / 3600 + 1) * 3600);
  }
  if (i.internet_charge_type == "PayByBandwidth" && i.internet_max_bandwidth_out > 0 &&
      !i.public_ip.empty())
    m.Charge(i.id, i.name, i.zone_id, "bandwidth",
             std::to_string(i.internet_max_bandwidth_out) + " Mbps", BandwidthHourPrice(p, 1),
             i.internet_max_bandwidth_out, "Mbps-Hour", i.creation_time);
}

void MeterDisk(Meter& m, const PriceTable& p, const State& s, const Disk& d) {
  if (!d.instance_id.empty()) {
    auto it = s.instances.find(d.instance_id);
    const Instance* i = it == s.instances.end() ? nullptr : &it->second;
    // Paid with its subscription while it is attached to it; nothing while its instance is
    // locked for an unpaid bill.
    if (i && d.charge_type == "PrePaid" && i->charge_type == "PrePaid") return;
    if (i && HasLock(*i, kLockFinancial)) return;
  }
  Nano rate = DiskGibHourPrice(p, d.category, d.performance_level);
  // A system disk is billed under its instance, as BSS shows it; data disks on their own.
  bool system = d.type == "system" && !d.instance_id.empty();
  m.Charge(system ? d.instance_id : d.id, d.name, d.zone_id, system ? "system_disk" : "data_disk",
           DiskSpec(d.category, d.performance_level, d.size_gib), rate, d.size_gib, "GiB-Hour",
           d.creation_time);
}

constexpr double kGiB = 1024.0 * 1024 * 1024;

void MeterSnapshot(Meter& m, const PriceTable& p, const Snapshot& snap) {
  if (snap.status != "accomplished") return;
  double gib = snap.size_bytes > 0 ? std::ceil(snap.size_bytes / kGiB)
                                   : static_cast<double>(snap.source_disk_size_gib);
  m.Charge(snap.id, snap.name, "", "snapshot", std::to_string(static_cast<int64_t>(gib)) + " GiB",
           SnapshotGibHourPrice(p), gib, "GiB-Hour", snap.creation_time);
}

void MeterImage(Meter& m, const PriceTable& p, const CustomImage& img) {
  if (img.status != "Available") return;
  double gib =
      img.size_bytes > 0 ? std::ceil(img.size_bytes / kGiB) : static_cast<double>(img.size_gib);
  m.Charge(img.id, img.name, "", "image", std::to_string(static_cast<int64_t>(gib)) + " GiB",
           ImageGibHourPrice(p), gib, "GiB-Hour", img.creation_time);
}

void MeterEip(Meter& m, const PriceTable& p, const EipAddress& e) {
  if (e.internet_charge_type != "PayByBandwidth") return;
  m.Charge(e.id, e.name, "", "bandwidth", std::to_string(e.bandwidth) + " Mbps",
           BandwidthHourPrice(p, 1), e.bandwidth, "Mbps-Hour", e.creation_time);
}

// A resource an account may be charged for: its table and id.
enum class Metered { kInstance, kDisk, kSnapshot, kImage, kEip };
struct MeteredRef {
  Metered kind;
  std::string id;
};

// Charges the resources of `refs` that `m`'s account still owns.
void MeterResources(Meter& m, const PriceTable& p, const State& s, const std::string& account,
                    const std::vector<MeteredRef>& refs) {
  auto owned = [&](const auto& table, const std::string& id) {
    return FindOwned(table, id, account);
  };
  for (const MeteredRef& r : refs) {
    switch (r.kind) {
      case Metered::kInstance:
        if (const Instance* i = owned(s.instances, r.id)) MeterInstance(m, p, *i);
        break;
      case Metered::kDisk:
        if (const Disk* d = owned(s.disks, r.id)) MeterDisk(m, p, s, *d);
        break;
      case Metered::kSnapshot:
        if (const Snapshot* snap = owned(s.snapshots, r.id)) MeterSnapshot(m, p, *snap);
        break;
      case Metered::kImage:
        if (const CustomImage* img = owned(s.images, r.id)) MeterImage(m, p, *img);
        break;
      case Metered::kEip:
        if (const EipAddress* e = owned(s.eips, r.id)) MeterEip(m, p, *e);
        break;
    }
  }
}

// Meters the accounts due at `to` (all of them, or those last metered kMeterPeriodSeconds ago
// or more), kMeterChunk resources per Write: the cloud's lock is held for one chunk at a time,
// so API calls and agent reports go on between them. Each chunk takes what it charged from the
// balance in the same commit; the account's metered_until moves to `to` in the last one.
void MeterDueAccounts(Cloud& cloud, const PriceTable& p, int64_t to, bool all) {
  std::map<std::string, std::vector<MeteredRef>> due;  // by account
  cloud.Read<int>([&](const State& s) {
    auto is_due = [&](const std::string& account) {
      auto it = s.billing_accounts.find(account);
      if (it == s.billing_accounts.end()) return false;  // metered from its first pass
      int64_t since = it->second.metered_until;
      return since < to && (all || to - since >= kMeterPeriodSeconds);
    };
    for (const auto& [id, ba] : s.billing_accounts)
      if (is_due(id)) due[id];
    auto add = [&](const auto& table, Metered kind) {
      for (const auto& [id, rec] : table)
        if (auto it = due.find(rec.account_id); it != due.end()) it->second.push_back({kind, id});
    };
    add(s.instances, Metered::kInstance);
    add(s.disks, Metered::kDisk);
    add(s.snapshots, Metered::kSnapshot);
    add(s.images, Metered::kImage);
    add(s.eips, Metered::kEip);
    return 0;
  });
  for (const auto& [account_id, refs] : due) {
    const std::string& account = account_id;  // clang before 16 cannot capture a binding
    // Resources made after this list was read were made at or after `to`: nothing to charge.
    for (size_t at = 0; at == 0 || at < refs.size(); at += kMeterChunk) {
      std::vector<MeteredRef> chunk(refs.begin() + std::min(at, refs.size()),
                                    refs.begin() + std::min(at + kMeterChunk, refs.size()));
      bool last = at + kMeterChunk >= refs.size();
      (void)cloud.Write([&](Txn& txn) -> Status {
        auto held = txn.state().billing_accounts.find(account);
        if (held == txn.state().billing_accounts.end()) return Ok();
        BillingAccount& ba = held->second;
        if (ba.metered_until >= to) return Ok();  // metered since (the test clock's pass)
        Meter m(txn, ba, to);
        MeterResources(m, p, txn.state(), account, chunk);
        ba.balance -= m.total();
        if (last) ba.metered_until = to;
        if (m.total() != 0 || last) txn.Touch(ba);
        return Ok();
      });
    }
  }
}

// Lifts the financial locks an unpaid bill put on pay-as-you-go instances; returns how many.
// Lifts the financial locks an unpaid bill put on pay-as-you-go instances, and lists the ones
// to start again (they were running when locked) in `restart`; returns how many.
int UnlockPaid(Txn& txn, const std::string& account, std::vector<std::string>* restart) {
  int n = 0;
  for (auto& [id, i] : Owned(txn.state().instances, account)) {
    if (i.charge_type != "PostPaid" || !RemoveLock(i, kLockFinancial)) continue;
    if (i.restart_when_paid) restart->push_back(id);
    i.restart_when_paid = false;
    txn.Touch(i);
    ++n;
  }
  return n;
}

// What a pass decided to do outside its Write (through the instance service's own checks).
struct PassActions {
  std::map<std::string, std::vector<std::string>> stop, release, start;  // by account
  std::map<std::string, std::vector<std::string>> stop_economical;       // reclaimed spot (Stop)
};

void Lock(Txn& txn, Instance& i, const std::string& event, const std::string& reason,
          PassActions& out) {
  if (AddLock(i, kLockFinancial)) {
    i.restart_when_paid = i.desired == DesiredPower::kRunning;
    txn.Touch(i);
    RecordInstanceEvent(txn, i, event, reason, txn.now());
  }
  if (i.desired == DesiredPower::kRunning) out.stop[i.account_id].push_back(i.id);
}

void Release(Txn& txn, Instance& i, const std::string& event, const std::string& reason,
             PassActions& out) {
  if (i.task == InstanceTask::kReleasing) return;
  // Once: a release the platform cannot make yet (a transitional state) is tried each pass.
  const auto& events = txn.state().instance_events;
  bool told = std::any_of(events.begin(), events.end(), [&](const auto& e) {
    return e.second.instance_id == i.id && e.second.event_type == event;
  });
  if (!told) RecordInstanceEvent(txn, i, event, reason, txn.now());
  out.release[i.account_id].push_back(i.id);
}

void Subscriptions(Txn& txn, const CloudConfig& config, const PriceTable& p, PassActions& out) {
  State& s = txn.state();
  int64_t now = txn.now();
  for (auto& [id, i] : s.instances) {
    if (i.charge_type != "PrePaid" || i.expired_time == 0) continue;
    if (!HasLock(i, kLockFinancial) && !HasLock(i, kLockRefunded) && i.expired_time <= now) {
      if (i.renewal_status == "AutoRenewal") {
        // A downgrade waiting for this renewal is made with it, and prices it.
        std::optional<Instance> downgraded;
        if (const InstanceType* to = FindInstanceType(i.renewal_instance_type))
          if (auto changed = WithInstanceType(s, i, *to); changed.ok()) downgraded = *changed;
        Quote q = QuoteSubscription(p, PricedInstanceOf(s, downgraded ? *downgraded : i),
                                    i.auto_renew_period, i.auto_renew_unit);
        if (CheckFunds(s, config, i.account_id, q.total()).ok()) {
          if (downgraded) {
            downgraded->renewal_instance_type.clear();
            i = *downgraded;
          }
          PlaceOrder(txn, config,
                     {i.account_id, i.id, i.name, i.zone_id, "SubscriptionOrder",
                      i.auto_renew_period, i.auto_renew_unit},
                     q);
          i.expired_time = AddPeriod(i.expired_time, i.auto_renew_period, i.auto_renew_unit);
          i.subscription_paid += q.total();
          txn.Touch(i);
          LOG_INFO("billing: {} renewed automatically until {}", id, FormatIso(i.expired_time));
          continue;
        }
      }
      Lock(txn, i, "InstanceExpiration.Stop",
           "The subscription expired at " + FormatIso(i.expired_time) +
               "; renew it within 15 days or it is released.",
           out);
      LOG_INFO("billing: {} expired; stopped and locked", id);
    } else if (HasLock(i, kLockRefunded) && i.expired_time + kRetentionSeconds <= now) {
      Release(txn, i, "InstanceExpiration.Delete", "The subscription was refunded 15 days ago.",
              out);
    } else if (HasLock(i, kLockFinancial) && i.expired_time + kRetentionSeconds <= now) {
      Release(txn, i, "InstanceExpiration.Delete",
              "The subscription expired 15 days ago and was not renewed.", out);
    } else if (HasLock(i, kLockFinancial) && i.desired == DesiredPower::kRunning) {
      out.stop[i.account_id].push_back(i.id);  // a stop that could not start last time
    }
  }
}

void OverdueAccount(Txn& txn, const CloudConfig& config, BillingAccount& ba, PassActions& out) {
  int64_t now = txn.now();
  bool overdue = Overdue(Resolved(ba, config));
  if (overdue && ba.overdue_since == 0) {
    ba.overdue_since = now;
    txn.Touch(ba);
    LOG_INFO("billing: account {} is overdue (balance {:.2f})", ba.account_id,
             ToAmount(ba.balance));
  } else if (!overdue && ba.overdue_since != 0) {
    ba.overdue_since = 0;
    txn.Touch(ba);
    UnlockPaid(txn, ba.account_id, &out.start[ba.account_id]);
  }
  if (!overdue || now < ba.overdue_since + kOverdueGraceSeconds) return;
  bool release = now >= ba.overdue_since + kOverdueGraceSeconds + kRetentionSeconds;
  // Every pay-as-you-go instance is locked once the grace is over (also one made since, or
  // after a long jump of the clock); the locked ones are released after the retention.
  for (auto& [id, i] : Owned(txn.state().instances, ba.account_id)) {
    if (i.charge_type != "PostPaid") continue;
    if (!HasLock(i, kLockFinancial))
      Lock(txn, i, "AccountUnbalanced.Stop",
           "The account has been overdue since " + FormatIso(ba.overdue_since) +
               "; it is stopped until the account is paid.",
           out);
    else if (release)
      Release(txn, i, "AccountUnbalanced.Delete",
              "The account has been overdue for 30 days; the instance is released.", out);
  }
}

constexpr const char* kSpotEvent = "Instance:PreemptibleInstanceInterruption";

void Notice(Txn& txn, Instance& i, const std::string& why) {
  i.spot_termination_time = txn.now() + kSpotNoticeSeconds;
  AddLock(i, kLockRecycling);
  txn.Touch(i);
  RecordInstanceEvent(txn, i, kSpotEvent,
                      why + " The spot instance is " +
                          (i.spot_interruption_behavior == "Stop" ? "stopped" : "released") +
                          " at " + FormatIso(i.spot_termination_time) + ".",
                      txn.now());
  LOG_INFO("billing: spot instance {} reclaimed at {}", i.id, FormatIso(i.spot_termination_time));
}

void Spot(Txn& txn, const PriceTable& p, PassActions& out) {
  int64_t now = txn.now();
  for (auto& [id, i] : txn.state().instances) {
    if (i.spot_strategy == "NoSpot" || i.task == InstanceTask::kReleasing) continue;
    if (i.spot_termination_time != 0) {
      if (i.spot_termination_time > now) continue;
      if (i.spot_interruption_behavior == "Stop") {
        i.spot_termination_time = 0;
        RemoveLock(i, kLockRecycling);
        txn.Touch(i);
        out.stop_economical[i.account_id].push_back(id);
      } else {
        out.release[i.account_id].push_back(id);
      }
      continue;
    }
    if (i.status != InstanceStatus::kRunning || i.task != InstanceTask::kNone) continue;
    if (i.creation_time + int64_t{i.spot_duration} * 3600 > now) continue;  // protected
    const InstanceType* type = FindInstanceType(i.instance_type);
    if (!type) continue;
    Nano market = SpotPrice(p, *type, i.zone_id, now);
    Nano limit = i.spot_strategy == "SpotWithPriceLimit" ? ToNano(i.spot_price_limit)
                                                         : InstanceHourPrice(p, *type);
    if (market <= limit) continue;
    char why[160];
    std::snprintf(why, sizeof(why), "The market price %.3f/h rose above the limit %.3f/h.",
                  static_cast<double>(market) / kNanoPerUnit,
                  static_cast<double>(limit) / kNanoPerUnit);
    Notice(txn, i, why);
  }
}

void RunActions(Cloud& cloud, const PassActions& a) {
  for (const auto* stops : {&a.stop, &a.stop_economical}) {
    for (const auto& [account, ids] : *stops) {
      PowerRequest r = PlatformRequest(account, ids);
      r.stopped_mode = stops == &a.stop ? "KeepCharging" : "StopCharging";
      (void)StopInstances(cloud, r);  // a transitional state: the next pass tries again
    }
  }
  for (const auto& [account, ids] : a.release) {
    auto results = DeleteInstances(cloud, PlatformRequest(account, ids));
    if (results.ok())
      for (const auto& b : *results)
        if (!b.error) LOG_INFO("billing: releasing {}", b.instance_id);
  }
  for (const auto& [account, ids] : a.start)
    (void)StartInstances(cloud, PlatformRequest(account, ids));
}

}  // namespace

void RunBillingPass(Cloud& cloud, int64_t now, bool meter_all) {
  // One pass at a time: the test clock's pass and the timer's may be called together.
  static std::mutex one_pass;
  std::lock_guard<std::mutex> serial(one_pass);
  const PriceTable& p = PricesOf(cloud);
  MeterDueAccounts(cloud, p, now, meter_all);
  PassActions actions;
  std::map<std::string, int64_t> traffic;
  if (Monitor* monitor = cloud.monitor()) traffic = monitor->TakePublicTrafficOut();
  // Read first: most passes find nothing to do, and must not hold the write lock over a scan
  // of every instance (what follows acts only on what this finds, or more).
  bool work = !traffic.empty() || cloud.Read<bool>([&](const State& s) {
    for (const auto& [id, a] : s.accounts)
      if (!s.billing_accounts.count(id)) return true;  // its money record to make
    for (const auto& [id, ba] : s.billing_accounts)
      if (ba.overdue_since != 0 || Overdue(Resolved(ba, cloud.config()))) return true;
    for (const auto& [id, i] : s.instances) {
      if (!s.billing_accounts.count(i.account_id) || i.spot_strategy != "NoSpot") return true;
      bool locked = HasLock(i, kLockFinancial) || HasLock(i, kLockRefunded);
      if (i.charge_type == "PrePaid" && i.expired_time != 0 && (i.expired_time <= now || locked))
        return true;
    }
    return false;
  });
  if (!work) return;
  (void)cloud.Write([&](Txn& txn) -> Status {
    ChargeTraffic(txn, cloud.config(), p, traffic);
    std::set<std::string> accounts;
    for (const auto& [id, a] : txn.state().accounts) accounts.insert(id);
    for (const auto& [id, i] : txn.state().instances) accounts.insert(i.account_id);
    for (const auto& account : accounts) BillingAccountFor(txn, cloud.config(), account);
    Subscriptions(txn, cloud.config(), p, actions);
    Spot(txn, p, actions);
    for (const auto& account : accounts)
      OverdueAccount(txn, cloud.config(), txn.state().billing_accounts.at(account), actions);
    return Ok();
  });
  RunActions(cloud, actions);
}

Result<CreditResult> CreditAccount(Cloud& cloud, const std::string& account_id, Nano amount) {
  if (amount <= 0) return MakeError(ErrorCode::kInvalidParameter, "The amount must be positive.");
  CreditResult out;
  PassActions actions;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    if (!txn.state().accounts.count(account_id))
      return MakeError(ErrorCode::kInvalidParameter, "No account " + account_id + ".");
    auto held = txn.state().billing_accounts.find(account_id);
    Nano balance = held == txn.state().billing_accounts.end() ? 0 : held->second.balance;
    if (balance > kMaxBalance - amount)
      return MakeError(ErrorCode::kInvalidParameter, "The balance would pass its limit.");
    BillingAccount& ba = BillingAccountFor(txn, cloud.config(), account_id);
    ba.balance += amount;
    ba.credited += amount;
    if (ba.overdue_since != 0 && !Overdue(Resolved(ba, cloud.config()))) {
      ba.overdue_since = 0;
      out.unlocked = UnlockPaid(txn, account_id, &actions.start[account_id]);
    }
    txn.Touch(ba);
    out.balance = ba.balance;
    return Ok();
  }));
  RunActions(cloud, actions);
  return out;
}

Status SetCreditLimit(Cloud& cloud, const std::string& account_id, Nano limit) {
  if (limit < -1 || limit > kMaxBalance)
    return MakeError(ErrorCode::kInvalidParameter, "The limit is 0 to 1,000,000,000, or -1.");
  return cloud.Write([&](Txn& txn) -> Status {
    if (!txn.state().accounts.count(account_id))
      return MakeError(ErrorCode::kInvalidParameter, "No account " + account_id + ".");
    BillingAccount& ba = BillingAccountFor(txn, cloud.config(), account_id);
    ba.credit_limit = limit;
    txn.Touch(ba);
    return Ok();
  });
}

Status SetSecurityLock(Cloud& cloud, const std::string& instance_id, bool locked) {
  return cloud.Write([&](Txn& txn) -> Status {
    auto it = txn.state().instances.find(instance_id);
    if (it == txn.state().instances.end()) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = it->second;
    if (locked ? AddLock(i, kLockSecurity) : RemoveLock(i, kLockSecurity)) txn.Touch(i);
    return Ok();
  });
}

Status ReclaimSpotInstance(Cloud& cloud, const std::string& instance_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    auto it = txn.state().instances.find(instance_id);
    if (it == txn.state().instances.end()) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    Instance& i = it->second;
    if (i.spot_strategy == "NoSpot")
      return MakeError(ErrorCode::kInvalidParameter, instance_id + " is not a spot instance.");
    if (i.spot_termination_time != 0) return Ok();  // it has its notice already
    Notice(txn, i, "The operator reclaims the capacity.");
    return Ok();
  });
}

namespace {

Status CheckPeriod(int period, const std::string& unit) {
  static const std::set<int> kMonths = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60};
  if (unit != "Month" && unit != "Week") return MakeError(ErrorCode::kInvalidPeriodUnit);
  if (unit == "Week" ? (period < 1 || period > 4) : !kMonths.count(period))
    return MakeError(ErrorCode::kInvalidPeriod);
  return Ok();
}

Result<const Instance*> Subscribed(const State& s, const std::string& account_id,
                                   const std::string& instance_id) {
  const Instance* i = FindOwned(s.instances, instance_id, account_id);
  if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
  if (i->charge_type != "PrePaid")
    return MakeError(ErrorCode::kChargeTypeViolation,
                     "Pay-As-You-Go instances do not support this operation.");
  return i;
}

}  // namespace

Result<Quote> RenewalQuote(const Cloud& cloud, const std::string& account_id,
                           const std::string& instance_id, int period, const std::string& unit) {
  OPENECS_RETURN_IF_ERROR(CheckPeriod(period, unit));
  return cloud.Read<Result<Quote>>([&](const State& s) -> Result<Quote> {
    OPENECS_ASSIGN_OR_RETURN(const Instance* i, Subscribed(s, account_id, instance_id));
    return QuoteSubscription(PricesOf(cloud), PricedInstanceOf(s, *i), period, unit);
  });
}

Result<std::string> RenewInstance(Cloud& cloud, const std::string& account_id,
                                  const std::string& instance_id, int period,
                                  const std::string& unit) {
  OPENECS_RETURN_IF_ERROR(CheckPeriod(period, unit));
  std::string order_id;
  bool start = false;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(const Instance* found, Subscribed(s, account_id, instance_id));
    Instance& i = s.instances.at(found->id);
    if (i.task == InstanceTask::kReleasing)
      return MakeError(ErrorCode::kIncorrectInstanceStatus, "The instance is being released.");
    // A downgrade waiting for this renewal: made now, and the renewal priced at it.
    std::optional<Instance> downgraded;
    if (!i.renewal_instance_type.empty()) {
      if (const InstanceType* to = FindInstanceType(i.renewal_instance_type))
        if (auto changed = WithInstanceType(s, i, *to); changed.ok()) downgraded = *changed;
    }
    Quote q = QuoteSubscription(PricesOf(cloud), PricedInstanceOf(s, downgraded ? *downgraded : i),
                                period, unit);
    OPENECS_RETURN_IF_ERROR(CheckFunds(s, cloud.config(), account_id, q.total()));
    if (downgraded) {
      downgraded->renewal_instance_type.clear();
      i = *downgraded;
    }
    order_id =
        PlaceOrder(txn, cloud.config(),
                   {account_id, i.id, i.name, i.zone_id, "SubscriptionOrder", period, unit}, q);
    bool expired = HasLock(i, kLockFinancial);
    i.expired_time = AddPeriod(expired ? txn.now() : i.expired_time, period, unit);
    // An expired term is over: the paid span starts again from now.
    i.subscription_paid = (expired ? 0 : i.subscription_paid) + q.total();
    if (expired) i.subscription_start = txn.now();
    if (expired) {
      RemoveLock(i, kLockFinancial);
      start = i.restart_when_paid;  // only what the expiry stopped
      i.restart_when_paid = false;
    }
    txn.Touch(i);
    return Ok();
  }));
  if (start) {
    // The user can start it if this could not.
    (void)StartInstances(cloud, PlatformRequest(account_id, {instance_id}));
  }
  return order_id;
}

Status ModifyAutoRenew(Cloud& cloud, const std::string& account_id,
                       const std::vector<std::string>& instance_ids, const AutoRenewChange& c) {
  if (c.renewal_status != "AutoRenewal" && c.renewal_status != "Normal" &&
      c.renewal_status != "NotRenewal")
    return MakeError(ErrorCode::kInvalidRenewalStatus);
  if (!c.unit.empty() && c.unit != "Month" && c.unit != "Week" && c.unit != "Year")
    return MakeError(ErrorCode::kInvalidPeriodUnit);
  // The duration and unit an instance renews for after the change, checked together.
  auto check = [](int duration, const std::string& unit) -> Status {
    static const std::set<int> kMonths = {1, 2, 3, 6, 12, 24, 36, 48, 60};
    bool ok = unit == "Month"  ? kMonths.count(duration) > 0
              : unit == "Year" ? duration >= 1 && duration <= 5
                               : duration >= 1 && duration <= 4;
    return ok ? Ok() : MakeError(ErrorCode::kInvalidRenewDuration);
  };
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    for (const auto& id : instance_ids) {
      OPENECS_ASSIGN_OR_RETURN(const Instance* i, Subscribed(s, account_id, id));
      OPENECS_RETURN_IF_ERROR(check(c.duration ? c.duration : i->auto_renew_period,
                                    c.unit.empty() ? i->auto_renew_unit : c.unit));
      if (c.renewal_status == "AutoRenewal" && HasLock(*i, kLockFinancial))
        return MakeError(ErrorCode::kIncorrectInstanceStatus,
                         "An expired instance cannot renew itself; renew it (RenewInstance).");
    }
    for (const auto& id : instance_ids) {
      Instance& i = s.instances.at(id);
      i.renewal_status = c.renewal_status;
      if (c.duration != 0) i.auto_renew_period = c.duration;
      if (!c.unit.empty()) i.auto_renew_unit = c.unit;
      txn.Touch(i);
    }
    return Ok();
  });
}

namespace {

// What is left of `i`'s subscription: what its orders paid, prorated by the second over the
// span they paid for (never more than was paid, whatever was attached since).
Quote UnusedTerm(const Instance& i, int64_t now) {
  int64_t span = std::max<int64_t>(1, i.expired_time - i.subscription_start);
  int64_t left = std::clamp<int64_t>(i.expired_time - now, 0, span);
  Quote q;
  q.lines.push_back(
      {"instance", "instance", i.instance_type,
       static_cast<Nano>(static_cast<long double>(i.subscription_paid) * left / span)});
  return q;
}

// The price of an upgrade from `i`'s type to `to` for what is left of its term: the difference
// of a month of each, prorated by the second. Negative for a downgrade.
Result<Quote> UpgradeQuote(const PriceTable& p, const Instance& i, const InstanceType& to,
                           int64_t now) {
  if (HasLock(i, kLockFinancial)) return MakeError(ErrorCode::kInstanceExpired);
  const InstanceType* from = FindInstanceType(i.instance_type);
  if (!from) return MakeError(ErrorCode::kInvalidInstanceType);
  int64_t term = AddPeriod(now, 1, "Month") - now;
  int64_t left = std::max<int64_t>(0, i.expired_time - now);
  Nano diff = InstancePeriodPrice(p, to, 1, "Month") - InstancePeriodPrice(p, *from, 1, "Month");
  Quote q;
  q.lines.push_back({"instanceType", "instance_type", from->id + " -> " + to.id,
                     static_cast<Nano>(static_cast<long double>(diff) * left / term)});
  return q;
}

}  // namespace

Result<Quote> ModificationQuote(const Cloud& cloud, const std::string& account_id,
                                const std::string& instance_id, const std::string& instance_type) {
  const InstanceType* to = FindInstanceType(instance_type);
  if (!to) return MakeError(ErrorCode::kInvalidInstanceType);
  return cloud.Read<Result<Quote>>([&](const State& s) -> Result<Quote> {
    OPENECS_ASSIGN_OR_RETURN(const Instance* i, Subscribed(s, account_id, instance_id));
    OPENECS_ASSIGN_OR_RETURN(Quote q, UpgradeQuote(PricesOf(cloud), *i, *to, cloud.Now()));
    if (q.total() <= 0) return MakeError(ErrorCode::kNotSupportUpgrade);
    return q;
  });
}

Result<PrepaySpecResult> ModifyPrepayInstanceSpec(Cloud& cloud, const PrepaySpecChange& c) {
  const InstanceType* to = FindInstanceType(c.instance_type);
  if (!to) return MakeError(ErrorCode::kInvalidInstanceType);
  if (!c.operator_type.empty() && c.operator_type != "upgrade" && c.operator_type != "downgrade")
    return MakeError(ErrorCode::kInvalidParameter, "OperatorType is upgrade or downgrade.");
  PrepaySpecResult out;
  bool reboot = false;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(const Instance* found, Subscribed(s, c.account_id, c.instance_id));
    if (found->instance_type == to->id)
      return MakeError(ErrorCode::kInvalidParameter, "The instance already has this type.");
    if (found->task != InstanceTask::kNone)
      return MakeError(ErrorCode::kIncorrectInstanceStatus, "The instance is busy.");
    OPENECS_ASSIGN_OR_RETURN(Quote q, UpgradeQuote(PricesOf(cloud), *found, *to, txn.now()));
    out.upgrade = q.total() > 0;
    if (!c.operator_type.empty() && (c.operator_type == "upgrade") != out.upgrade)
      return MakeError(out.upgrade ? ErrorCode::kInvalidParameter : ErrorCode::kNotSupportUpgrade,
                       "OperatorType " + c.operator_type + " does not match the change " +
                           found->instance_type + " -> " + to->id + ".");
    // Either way the instance must be able to take the type (local disks, its host's room).
    OPENECS_ASSIGN_OR_RETURN(Instance changed, WithInstanceType(s, *found, *to));
    if (!out.upgrade) {
      Instance& i = s.instances.at(found->id);
      i.renewal_instance_type = to->id;
      txn.Touch(i);
      return Ok();
    }
    OPENECS_RETURN_IF_ERROR(CheckQuota(s, c.account_id, kMaxVcpus, changed.cpu - found->cpu));
    OPENECS_RETURN_IF_ERROR(CheckFunds(s, cloud.config(), c.account_id, q.total()));
    Instance& i = s.instances.at(found->id);
    out.order_id =
        PlaceOrder(txn, cloud.config(),
                   {c.account_id, i.id, i.name, i.zone_id, "SubscriptionOrder", 0, ""}, q);
    changed.renewal_instance_type.clear();
    changed.subscription_paid += q.total();
    i = changed;
    txn.Touch(i);
    reboot = c.reboot && i.status == InstanceStatus::kRunning;
    return Ok();
  }));
  if (reboot) {
    PowerRequest r;
    r.account_id = c.account_id;
    r.instance_ids = {c.instance_id};
    (void)RebootInstances(cloud, r);
  }
  return out;
}

namespace {
// A subscription that may be refunded: unexpired, not locked, not being released.
Result<const Instance*> Refundable(const State& s, const std::string& account_id,
                                   const std::string& instance_id) {
  OPENECS_ASSIGN_OR_RETURN(const Instance* i, Subscribed(s, account_id, instance_id));
  if (!i->operation_locks.empty() || i->task == InstanceTask::kReleasing)
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "Only an unexpired, unlocked subscription can be refunded.");
  return i;
}
}  // namespace

Result<Nano> RefundQuote(const Cloud& cloud, const std::string& account_id,
                         const std::string& instance_id) {
  return cloud.Read<Result<Nano>>([&](const State& s) -> Result<Nano> {
    OPENECS_ASSIGN_OR_RETURN(const Instance* i, Refundable(s, account_id, instance_id));
    return UnusedTerm(*i, cloud.Now()).total();
  });
}

Result<RefundResult> RefundSubscription(Cloud& cloud, const std::string& account_id,
                                        const std::string& instance_id, bool immediately) {
  RefundResult out;
  PassActions actions;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    OPENECS_ASSIGN_OR_RETURN(const Instance* found, Refundable(s, account_id, instance_id));
    Quote q = UnusedTerm(*found, txn.now());
    Instance& i = s.instances.at(found->id);
    out.order_id =
        PlaceOrder(txn, cloud.config(), {account_id, i.id, i.name, i.zone_id, "Refund", 0, ""}, q);
    out.amount = q.total();
    i.expired_time = txn.now();  // the retention runs from the refund
    i.subscription_paid = 0;
    i.renewal_status = "NotRenewal";
    AddLock(i, kLockRefunded);
    txn.Touch(i);
    RecordInstanceEvent(txn, i, "InstanceExpiration.Stop", "The subscription was refunded.",
                        txn.now());
    (immediately ? actions.release : actions.stop)[account_id].push_back(i.id);
    return Ok();
  }));
  RunActions(cloud, actions);
  return out;
}

Result<ChargeTypeResult> ModifyInstanceChargeType(Cloud& cloud, const ChargeTypeChange& c) {
  if (c.to != "PrePaid" && c.to != "PostPaid")
    return MakeError(ErrorCode::kInvalidInstanceChargeTypeValue);
  if (c.instance_ids.empty())
    return MakeError(ErrorCode::kInvalidInstanceIdsParam, "InstanceIds names 1 to 20 instances.");
  if (c.instance_ids.size() > 20) return MakeError(ErrorCode::kInstancesIdQuotaExceed);
  if (std::set<std::string>(c.instance_ids.begin(), c.instance_ids.end()).size() !=
      c.instance_ids.size())
    return MakeError(ErrorCode::kInvalidInstanceIdsParam, "InstanceIds names an instance twice.");
  if (c.to == "PrePaid") OPENECS_RETURN_IF_ERROR(CheckPeriod(c.period, c.unit));
  ChargeTypeResult out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    const PriceTable& p = PricesOf(cloud);
    std::vector<std::pair<std::string, Quote>> orders;
    Nano total = 0;
    for (const auto& id : c.instance_ids) {
      const Instance* i = FindOwned(s.instances, id, c.account_id);
      if (!i) return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
      if (i->charge_type == c.to) {
        out.fees.push_back({id, 0});
        continue;
      }
      if (i->status != InstanceStatus::kRunning && i->status != InstanceStatus::kStopped)
        return MakeError(ErrorCode::kInvalidStatusValue,
                         "The instance is changed while Running or Stopped.");
      if (i->spot_strategy != "NoSpot")
        return MakeError(ErrorCode::kChargeTypeViolation, "A spot instance stays pay-as-you-go.");
      if (c.to == "PrePaid" && i->auto_release_time != 0)
        return MakeError(ErrorCode::kReleaseTimeHaveBeenSet);
      Quote q;
      if (c.to == "PrePaid") {
        // The system disk joins the subscription, the data disks with IncludeDataDisks.
        PricedInstance priced = PricedInstanceOf(s, *i, true);
        if (!c.include_data_disks)
          std::erase_if(priced.disks, [](const PricedDisk& d) { return !d.system; });
        q = QuoteSubscription(p, priced, c.period, c.unit);
      } else {
        q = UnusedTerm(*i, txn.now());  // the unused part comes back
      }
      total += c.to == "PrePaid" ? q.total() : 0;
      orders.push_back({id, std::move(q)});
    }
    OPENECS_RETURN_IF_ERROR(CheckFunds(s, cloud.config(), c.account_id, total));
    if (c.dry_run) return DryRunOk();
    for (auto& [id, q] : orders) {
      Instance& i = s.instances.at(id);
      bool prepaid = c.to == "PrePaid";
      std::string order =
          PlaceOrder(txn, cloud.config(),
                     {c.account_id, id, i.name, i.zone_id, prepaid ? "SubscriptionOrder" : "Refund",
                      prepaid ? c.period : 0, prepaid ? c.unit : ""},
                     q);
      if (prepaid) out.order_id = order;
      out.fees.push_back({id, prepaid ? q.total() : -q.total()});
      i.charge_type = c.to;
      i.period = prepaid ? c.period : 0;
      i.period_unit = prepaid ? c.unit : "";
      i.expired_time = prepaid ? AddPeriod(txn.now(), c.period, c.unit) : 0;
      i.subscription_paid = prepaid ? q.total() : 0;
      i.subscription_start = prepaid ? txn.now() : 0;
      if (!prepaid) i.renewal_status = "Normal";
      txn.Touch(i);
      for (const auto& disk_id : i.disk_ids) {
        auto d = s.disks.find(disk_id);
        if (d == s.disks.end()) continue;
        bool joins = prepaid && (d->second.type == "system" || c.include_data_disks);
        std::string want = joins ? "PrePaid" : "PostPaid";
        if (d->second.charge_type == want) continue;
        d->second.charge_type = want;
        txn.Touch(d->second);
      }
    }
    return Ok();
  }));
  return out;
}

}  // namespace openecs
