// Billing: subscription periods, per-second metering into daily bill lines, funds and orders,
// overdue accounts, subscription expiry and renewal, spot reclaim notices and charge type changes,
// against a real store with a clock that moves only when the test moves it.
#include "service/billing_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>

#include "common/clock.h"
#include "service/cloud_test_fixture.h"
#include "service/disk_service.h"
#include "service/instance_locks.h"
#include "service/monitor_service.h"
#include "store/metric_store.h"

namespace openecs {
namespace {

int64_t At(const char* iso) { return ParseIso(iso).value(); }

const int64_t kStart = At("2025-01-15T12:00:00Z");
const std::string kAcct = "acct";
constexpr Nano kMicroUnit = 1000;  // 1e-6 of a unit

class BillingTest : public CloudTest {
 protected:
  CloudConfig Config() override {
    CloudConfig c;
    c.clock = &clock_;
    c.default_credit_limit = DefaultCreditLimit();
    return c;
  }
  virtual int64_t DefaultCreditLimit() { return -1; }
  void SetUp() override {
    CloudTest::SetUp();
    Write([](Txn& txn) {
      Account a;
      a.id = kAcct;
      a.creation_time = txn.now();
      txn.Put(a);
    });
  }

  void Write(const std::function<void(Txn&)>& fn) {
    Status st = cloud_->Write([&](Txn& txn) -> Status {
      fn(txn);
      return Ok();
    });
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  // The account's money record, metered from now.
  void Fund(double balance, Nano credit_limit) {
    Write([&](Txn& txn) {
      BillingAccount a;
      a.id = a.account_id = kAcct;
      a.balance = ToNano(balance);
      a.credit_limit = credit_limit;
      a.metered_until = txn.now();
      txn.Put(a);
    });
  }
  // An ESSD PL1 disk in local-a, created now: attached to `instance` if given, else Available.
  static void PutDisk(Txn& txn, const std::string& id, const std::string& type, int gib,
                      const std::string& instance = "") {
    Disk d;
    d.id = d.name = id;
    d.account_id = kAcct;
    d.zone_id = "local-a";
    d.type = type;
    d.category = "cloud_essd";
    d.performance_level = "PL1";
    d.size_gib = gib;
    d.instance_id = instance;
    d.status = instance.empty() ? "Available" : "In_use";
    d.creation_time = txn.now();
    // Bought with a subscription instance, as RunInstances makes them.
    if (auto it = txn.state().instances.find(instance); it != txn.state().instances.end())
      d.charge_type = it->second.charge_type;
    txn.Put(d);
    if (auto it = txn.state().instances.find(instance); it != txn.state().instances.end()) {
      it->second.disk_ids.push_back(id);
      txn.Touch(it->second);
    }
  }
  // A running ecs.g7.large in local-a, created now, with a 40 GiB system disk "<id>-sys".
  void AddInstance(const std::string& id, const std::function<void(Instance&)>& tweak = {}) {
    Write([&](Txn& txn) {
      Instance i;
      i.id = i.name = id;
      i.account_id = kAcct;
      i.region_id = "local";
      i.zone_id = "local-a";
      i.instance_type = "ecs.g7.large";
      i.status = InstanceStatus::kRunning;
      i.desired = DesiredPower::kRunning;
      i.power = PowerState::kRunning;
      i.creation_time = txn.now();
      if (tweak) tweak(i);
      txn.Put(i);
      PutDisk(txn, id + "-sys", "system", 40, id);
    });
  }
  static void PrePaidUntil(Instance& i, int64_t expiry) {
    i.charge_type = "PrePaid";
    i.period = 1;
    i.period_unit = "Month";
    i.expired_time = expiry;
  }

  void Advance(int64_t seconds) { clock_.Advance(seconds); }
  void Pass() { RunBillingPass(*cloud_, cloud_->Now()); }

  Instance Inst(const std::string& id) {
    return cloud_->Read<Instance>([&](const State& s) { return s.instances.at(id); });
  }
  BillingAccount Money() {
    return cloud_->Read<BillingAccount>(
        [&](const State& s) { return BillingAccountView(s, cloud_->config(), kAcct); });
  }
  bool Overdue() {
    return cloud_->Read<bool>(
        [&](const State& s) { return IsOverdue(s, cloud_->config(), kAcct); });
  }
  Status Funds(Nano amount) {
    return cloud_->Read<Status>(
        [&](const State& s) { return CheckFunds(s, cloud_->config(), kAcct, amount); });
  }
  std::optional<BillItem> Line(const std::string& id) {
    return cloud_->Read<std::optional<BillItem>>([&](const State& s) -> std::optional<BillItem> {
      auto it = s.bill_items.find(kAcct + "/" + id);
      if (it == s.bill_items.end()) return std::nullopt;
      return it->second;
    });
  }
  std::vector<BillItem> Lines() {
    return cloud_->Read<std::vector<BillItem>>(
        [&](const State& s) { return OwnedRecords(s.bill_items, kAcct); });
  }
  bool HasEvent(const std::string& instance_id, const std::string& type) {
    return cloud_->Read<bool>([&](const State& s) {
      return std::any_of(s.instance_events.begin(), s.instance_events.end(), [&](const auto& e) {
        return e.second.instance_id == instance_id && e.second.event_type == type;
      });
    });
  }
  Nano SubscriptionPrice(const std::string& id, int period, const std::string& unit) {
    return cloud_->Read<Nano>([&](const State& s) {
      return QuoteSubscription(PricesOf(*cloud_), PricedInstanceOf(s, s.instances.at(id), true),
                               period, unit)
          .total();
    });
  }
  Result<ChargeTypeResult> ChangeTo(const std::string& id, const std::string& to) {
    ChargeTypeChange c;
    c.account_id = kAcct;
    c.instance_ids = {id};
    c.to = to;
    return ModifyInstanceChargeType(*cloud_, c);
  }
  const InstanceType& G7() { return *FindInstanceType("ecs.g7.large"); }
  Nano HourPrice() { return InstanceHourPrice(PricesOf(*cloud_), G7()); }
  Nano SystemDiskHour() { return DiskGibHourPrice(PricesOf(*cloud_), "cloud_essd", "PL1") * 40; }

  ManualClock clock_{kStart};
};

TEST(BillingPeriod, AMonthKeepsTheDayOrTakesTheMonthsLastDay) {
  EXPECT_EQ(AddPeriod(At("2025-01-31T10:20:30Z"), 1, "Month"), At("2025-02-28T10:20:30Z"));
  EXPECT_EQ(AddPeriod(At("2024-01-31T10:20:30Z"), 1, "Month"), At("2024-02-29T10:20:30Z"));
  EXPECT_EQ(AddPeriod(At("2025-03-31T00:00:00Z"), 1, "Month"), At("2025-04-30T00:00:00Z"));
  EXPECT_EQ(AddPeriod(At("2025-01-15T12:00:00Z"), 3, "Month"), At("2025-04-15T12:00:00Z"));
}

TEST(BillingPeriod, DecemberPlusMonthsCrossesTheYear) {
  EXPECT_EQ(AddPeriod(At("2025-12-15T08:00:00Z"), 1, "Month"), At("2026-01-15T08:00:00Z"));
  EXPECT_EQ(AddPeriod(At("2025-12-31T23:59:59Z"), 2, "Month"), At("2026-02-28T23:59:59Z"));
  EXPECT_EQ(AddPeriod(At("2023-11-30T00:00:00Z"), 3, "Month"), At("2024-02-29T00:00:00Z"));
}

TEST(BillingPeriod, AWeekIsSevenDaysAndAYearTwelveMonths) {
  int64_t t = At("2025-01-28T06:00:00Z");
  EXPECT_EQ(AddPeriod(t, 1, "Week"), t + 7 * 86400);
  EXPECT_EQ(AddPeriod(t, 4, "Week"), At("2025-02-25T06:00:00Z"));
  EXPECT_EQ(AddPeriod(t, 1, "Year"), AddPeriod(t, 12, "Month"));
  EXPECT_EQ(AddPeriod(t, 2, "Year"), At("2027-01-28T06:00:00Z"));
  EXPECT_EQ(AddPeriod(At("2024-02-29T00:00:00Z"), 1, "Year"), At("2025-02-28T00:00:00Z"));
}

TEST_F(BillingTest, AnHourOfAPostPaidInstanceCostsItsTypesHourlyPrice) {
  Fund(100, -1);
  AddInstance("i-1");
  Advance(3600);
  Pass();
  ASSERT_GT(HourPrice(), 0);
  auto compute = Line("2025-01-15/i-1/instance_type");
  ASSERT_TRUE(compute);
  EXPECT_NEAR(compute->amount, HourPrice(), kMicroUnit);
  EXPECT_EQ(compute->service_seconds, 3600);
  EXPECT_EQ(compute->item, "PayAsYouGoBill");
  auto disk = Line("2025-01-15/i-1/system_disk");
  ASSERT_TRUE(disk);
  EXPECT_NEAR(disk->amount, SystemDiskHour(), kMicroUnit);
  EXPECT_EQ(Money().balance, ToNano(100) - compute->amount - disk->amount);
}

TEST_F(BillingTest, UseAcrossUtcMidnightIsSplitIntoDailyLines) {
  Advance(11 * 3600 + 1800);  // 23:30
  Fund(100, -1);
  AddInstance("i-1");
  Advance(3600);
  Pass();
  auto before = Line("2025-01-15/i-1/instance_type");
  auto after = Line("2025-01-16/i-1/instance_type");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->billing_date, "2025-01-16");
  EXPECT_EQ(before->service_seconds, 1800);
  EXPECT_EQ(after->service_seconds, 1800);
  EXPECT_EQ(before->end_time, At("2025-01-16T00:00:00Z"));
  EXPECT_EQ(after->start_time, At("2025-01-16T00:00:00Z"));
  EXPECT_NEAR(before->amount, HourPrice() / 2, kMicroUnit);
  EXPECT_NEAR(before->amount + after->amount, HourPrice(), kMicroUnit);
  EXPECT_TRUE(Line("2025-01-16/i-1/system_disk"));
}

TEST_F(BillingTest, AnEconomicalStopEndsTheComputeChargeButNotTheSystemDisks) {
  Fund(100, -1);
  AddInstance("eco");
  AddInstance("keep");
  Write([](Txn& txn) { PutDisk(txn, "d-data", "data", 100); });  // on its own
  Advance(3600);
  Pass();
  Nano eco_compute = Line("2025-01-15/eco/instance_type")->amount;
  Nano keep_compute = Line("2025-01-15/keep/instance_type")->amount;
  Write([](Txn& txn) {
    for (auto [id, mode] : {std::pair{"eco", "StopCharging"}, std::pair{"keep", "KeepCharging"}}) {
      Instance& i = txn.state().instances.at(id);
      i.status = InstanceStatus::kStopped;
      i.desired = DesiredPower::kStopped;
      i.stopped_mode = mode;
      txn.Touch(i);
    }
  });
  Advance(1800);
  Pass();
  EXPECT_EQ(Line("2025-01-15/eco/instance_type")->amount, eco_compute);
  EXPECT_NEAR(Line("2025-01-15/eco/system_disk")->amount, 1.5 * SystemDiskHour(), kMicroUnit);
  EXPECT_NEAR(Line("2025-01-15/keep/instance_type")->amount, keep_compute + HourPrice() / 2,
              kMicroUnit);
  // The balance fell by exactly what the lines add up to, over both passes.
  Nano sum = 0;
  for (const auto& l : Lines()) sum += l.amount;
  EXPECT_TRUE(Line("2025-01-15/d-data/data_disk"));
  EXPECT_EQ(Money().balance, ToNano(100) - sum);
  EXPECT_EQ(Money().metered_until, kStart + 5400);
}

TEST_F(BillingTest, AnAccountWithMoreResourcesThanAChunkIsMeteredWholeAcrossWrites) {
  Fund(1000, -1);
  constexpr int kInstances = kMeterChunk / 2 + 20;  // and as many system disks: two chunks
  for (int n = 0; n < kInstances; ++n) AddInstance("i-" + std::to_string(1000 + n));
  Advance(3600);
  Pass();
  EXPECT_EQ(Lines().size(), 2u * kInstances);
  for (const auto& l : Lines()) EXPECT_EQ(l.service_seconds, 3600) << l.id;
  EXPECT_NEAR(ToNano(1000) - Money().balance, kInstances * (HourPrice() + SystemDiskHour()),
              kInstances * kMicroUnit);
  EXPECT_EQ(Money().metered_until, kStart + 3600);
}

TEST_F(BillingTest, APassCutShortBetweenItsWritesChargesNothingTwice) {
  Fund(100, -1);
  AddInstance("i-1");
  Advance(3600);
  Pass();
  Nano charged = Money().balance;
  // As if the pass's last Write (the one that moves metered_until) never committed: the lines
  // are charged to now, the account's mark an hour behind.
  Write([](Txn& txn) {
    BillingAccount& ba = txn.state().billing_accounts.at(kAcct);
    ba.metered_until = kStart;
    txn.Touch(ba);
  });
  Pass();
  EXPECT_EQ(Money().balance, charged);
  EXPECT_EQ(Line("2025-01-15/i-1/instance_type")->service_seconds, 3600);
  EXPECT_EQ(Money().metered_until, kStart + 3600);
  Advance(60);
  Pass();
  EXPECT_EQ(Line("2025-01-15/i-1/instance_type")->service_seconds, 3660);
  EXPECT_NEAR(charged - Money().balance, (HourPrice() + SystemDiskHour()) / 60, kMicroUnit);
}

TEST_F(BillingTest, TheTimersPassMetersAnAccountOncePerMeteringPeriod) {
  Fund(100, -1);
  AddInstance("i-1");
  Advance(kMeterPeriodSeconds - 5);
  RunBillingPass(*cloud_, cloud_->Now(), /*meter_all=*/false);
  EXPECT_EQ(Money().balance, ToNano(100));
  EXPECT_EQ(Money().metered_until, kStart);
  Advance(5);
  RunBillingPass(*cloud_, cloud_->Now(), /*meter_all=*/false);
  EXPECT_EQ(Money().metered_until, kStart + kMeterPeriodSeconds);
  EXPECT_EQ(Line("2025-01-15/i-1/instance_type")->service_seconds, kMeterPeriodSeconds);
  Advance(1);  // the test clock's pass meters whatever is due
  Pass();
  EXPECT_EQ(Line("2025-01-15/i-1/instance_type")->service_seconds, kMeterPeriodSeconds + 1);
}

TEST_F(BillingTest, APrePaidInstanceAndItsDisksAreNotMetered) {
  Fund(100, -1);
  AddInstance("i-1", [](Instance& i) { PrePaidUntil(i, kStart + 30 * 86400); });
  Write([](Txn& txn) { PutDisk(txn, "d-data", "data", 100, "i-1"); });
  Advance(3600);
  Pass();
  EXPECT_TRUE(Lines().empty());
  EXPECT_EQ(Money().balance, ToNano(100));
}

TEST_F(BillingTest, CheckFundsAllowsBalancePlusCreditLineOrAnythingWhenUnlimited) {
  EXPECT_EQ(Money().credit_limit, -1);  // the default, before the account has a record
  EXPECT_TRUE(Funds(ToNano(1e6)).ok());
  Fund(-500, -1);
  EXPECT_TRUE(Funds(ToNano(1e6)).ok());
  EXPECT_FALSE(Overdue());
  Fund(10, 0);
  EXPECT_TRUE(Funds(ToNano(10)).ok());
  Status st = Funds(ToNano(11));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kNotEnoughBalance);
  Fund(10, ToNano(5));
  EXPECT_TRUE(Funds(ToNano(15)).ok());
  EXPECT_FALSE(Funds(ToNano(16)).ok());
}

TEST_F(BillingTest, PlaceOrderBillsEachItemAndARefundGivesItBack) {
  Fund(1000, 0);
  PricedInstance spec{&G7(), {{"cloud_essd", "PL1", 40, true}}};
  Quote q = QuoteSubscription(PricesOf(*cloud_), spec, 1, "Month");
  ASSERT_EQ(q.lines.size(), 2u);
  ASSERT_GT(q.total(), 0);
  std::string order, refund;
  Write([&](Txn& txn) {
    order = PlaceOrder(txn, cloud_->config(),
                       {kAcct, "i-1", "web", "local-a", "SubscriptionOrder", 1, "Month"}, q);
  });
  EXPECT_EQ(Money().balance, ToNano(1000) - q.total());
  auto compute = Line("order/" + order + "/i-1/0-instance_type");
  auto disk = Line("order/" + order + "/i-1/1-system_disk");
  ASSERT_TRUE(compute && disk);
  EXPECT_EQ(compute->item, "SubscriptionOrder");
  EXPECT_EQ(compute->amount, q.lines[0].amount);
  EXPECT_EQ(compute->end_time, AddPeriod(kStart, 1, "Month"));
  EXPECT_EQ(disk->amount, q.lines[1].amount);

  Write([&](Txn& txn) {
    refund = PlaceOrder(txn, cloud_->config(), {kAcct, "i-1", "web", "local-a", "Refund"}, q);
  });
  EXPECT_EQ(Money().balance, ToNano(1000));
  auto back = Line("order/" + refund + "/i-1/0-instance_type");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->item, "Refund");
  EXPECT_EQ(back->amount, -q.lines[0].amount);
}

class BillingOverdueTest : public BillingTest {
 protected:
  int64_t DefaultCreditLimit() override { return 0; }
};

TEST_F(BillingOverdueTest, AnOverdueAccountIsLockedAfterTheGraceAndACreditUnlocksIt) {
  AddInstance("i-1");
  EXPECT_EQ(Money().credit_limit, 0);
  Pass();  // opens the account's meter, at zero
  EXPECT_FALSE(Overdue());
  Advance(3600);
  Pass();
  EXPECT_LT(Money().balance, 0);
  ASSERT_TRUE(Overdue());
  EXPECT_EQ(Money().overdue_since, cloud_->Now());
  Advance(kOverdueGraceSeconds - 1);
  Pass();
  EXPECT_FALSE(HasLock(Inst("i-1"), kLockFinancial));
  EXPECT_EQ(Inst("i-1").status, InstanceStatus::kRunning);
  Advance(1);
  Pass();
  Instance locked = Inst("i-1");
  EXPECT_TRUE(HasLock(locked, kLockFinancial));
  EXPECT_EQ(locked.status, InstanceStatus::kStopping);  // stopped through StopInstances
  EXPECT_TRUE(HasEvent("i-1", "AccountUnbalanced.Stop"));

  auto credit = CreditAccount(*cloud_, kAcct, -Money().balance + ToNano(10));
  ASSERT_TRUE(credit.ok()) << credit.error().message;
  EXPECT_EQ(credit->unlocked, 1);
  EXPECT_EQ(credit->balance, ToNano(10));
  EXPECT_FALSE(Overdue());
  EXPECT_EQ(Money().overdue_since, 0);
  EXPECT_FALSE(HasLock(Inst("i-1"), kLockFinancial));
}

TEST_F(BillingTest, AutoRenewalRenewsFromTheExpiryWhileFundsLastElseExpires) {
  for (const char* id : {"i-1", "i-2"})
    AddInstance(id, [](Instance& i) {
      PrePaidUntil(i, kStart + 3600);
      i.renewal_status = "AutoRenewal";
      i.auto_renew_period = 1;
      i.auto_renew_unit = "Month";
    });
  Nano price = SubscriptionPrice("i-1", 1, "Month");
  Fund(1.5 * price / kNanoPerUnit, 0);  // enough for one renewal
  Nano funds = Money().balance;
  Advance(3600);
  Pass();
  Instance renewed = Inst("i-1"), expired = Inst("i-2");  // the pass goes in id order
  EXPECT_FALSE(HasLock(renewed, kLockFinancial));
  EXPECT_EQ(renewed.status, InstanceStatus::kRunning);
  EXPECT_EQ(renewed.expired_time, AddPeriod(kStart + 3600, 1, "Month"));
  EXPECT_FALSE(HasEvent("i-1", "InstanceExpiration.Stop"));
  EXPECT_EQ(Money().balance, funds - price);
  EXPECT_TRUE(HasLock(expired, kLockFinancial));
  EXPECT_EQ(expired.expired_time, kStart + 3600);
  EXPECT_TRUE(HasEvent("i-2", "InstanceExpiration.Stop"));
}

TEST_F(BillingTest, AnExpiredSubscriptionIsLockedUntilRenewedFromNow) {
  Fund(1000, 0);
  AddInstance("i-1", [](Instance& i) { PrePaidUntil(i, kStart + 3600); });
  Advance(3599);
  Pass();
  EXPECT_FALSE(HasLock(Inst("i-1"), kLockFinancial));
  EXPECT_FALSE(HasEvent("i-1", "InstanceExpiration.Stop"));
  Advance(1);
  Pass();
  Instance expired = Inst("i-1");
  EXPECT_TRUE(HasLock(expired, kLockFinancial));
  EXPECT_EQ(expired.status, InstanceStatus::kStopping);  // stopped through StopInstances
  EXPECT_EQ(expired.expired_time, kStart + 3600);
  EXPECT_TRUE(HasEvent("i-1", "InstanceExpiration.Stop"));
  EXPECT_EQ(Money().balance, ToNano(1000));  // not renewed: nothing charged

  Advance(2 * 86400);
  auto quote = RenewalQuote(*cloud_, kAcct, "i-1", 1, "Month");
  ASSERT_TRUE(quote.ok());
  auto order = RenewInstance(*cloud_, kAcct, "i-1", 1, "Month");
  ASSERT_TRUE(order.ok()) << order.error().message;
  Instance renewed = Inst("i-1");
  EXPECT_FALSE(HasLock(renewed, kLockFinancial));
  EXPECT_EQ(renewed.expired_time, AddPeriod(cloud_->Now(), 1, "Month"));
  EXPECT_EQ(Money().balance, ToNano(1000) - quote->total());
  EXPECT_TRUE(Line("order/" + *order + "/i-1/0-instance_type"));
}

void CheapSpot(Instance& i, int protected_hours) {
  i.spot_strategy = "SpotWithPriceLimit";
  i.spot_price_limit = 0.0001;
  i.spot_duration = protected_hours;
}

TEST_F(BillingTest, ASpotInstanceAboveItsLimitGetsItsNoticeOncePastItsProtectedHours) {
  AddInstance("sp-0", [](Instance& i) { CheapSpot(i, 0); });
  AddInstance("sp-1", [](Instance& i) { CheapSpot(i, 1); });
  ASSERT_GT(SpotPrice(PricesOf(*cloud_), G7(), "local-a", kStart), ToNano(0.0001));
  Pass();
  Instance i = Inst("sp-0");
  EXPECT_EQ(i.spot_termination_time, kStart + kSpotNoticeSeconds);
  EXPECT_TRUE(HasLock(i, kLockRecycling));
  EXPECT_TRUE(HasEvent("sp-0", "Instance:PreemptibleInstanceInterruption"));
  Advance(3599);
  Pass();
  EXPECT_EQ(Inst("sp-1").spot_termination_time, 0);
  EXPECT_FALSE(HasLock(Inst("sp-1"), kLockRecycling));
  Advance(1);
  Pass();
  EXPECT_EQ(Inst("sp-1").spot_termination_time, kStart + 3600 + kSpotNoticeSeconds);
  EXPECT_TRUE(HasLock(Inst("sp-1"), kLockRecycling));
}

// A spot instance pays each hour's own market price, however far apart the passes are (it
// once paid its first hour's price for the whole interval: 2 x 0.0350 instead of
// SpotPrice(12h) + SpotPrice(13h) = 0.0639).
TEST_F(BillingTest, ASpotInstanceIsChargedEachHoursMarketPrice) {
  Fund(100, -1);
  AddInstance("sp", [](Instance& i) { i.spot_strategy = "SpotAsPriceGo"; });
  Advance(7200);
  Pass();
  Nano twelve = SpotPrice(PricesOf(*cloud_), G7(), "local-a", kStart);
  Nano one = SpotPrice(PricesOf(*cloud_), G7(), "local-a", kStart + 3600);
  ASSERT_NE(twelve, one);
  EXPECT_NEAR(Line("2025-01-15/sp/instance_type")->amount, twelve + one, kMicroUnit);
}

TEST_F(BillingTest, ToPrePaidChargesTheQuoteAndBackToPostPaidRefundsTheUnusedPart) {
  Fund(1000, 0);
  AddInstance("i-1");
  Nano price = SubscriptionPrice("i-1", 1, "Month");
  auto bought = ChangeTo("i-1", "PrePaid");
  ASSERT_TRUE(bought.ok()) << bought.error().message;
  ASSERT_EQ(bought->fees.size(), 1u);
  EXPECT_EQ(bought->fees[0].fee, price);
  EXPECT_TRUE(Line("order/" + bought->order_id + "/i-1/0-instance_type"));
  EXPECT_EQ(Money().balance, ToNano(1000) - price);
  EXPECT_EQ(Inst("i-1").charge_type, "PrePaid");
  EXPECT_EQ(Inst("i-1").expired_time, AddPeriod(kStart, 1, "Month"));

  Advance(10 * 86400);  // Jan 25: 21 of the 31 days are left
  auto back = ChangeTo("i-1", "PostPaid");
  ASSERT_TRUE(back.ok()) << back.error().message;
  Nano refund = -back->fees[0].fee;
  EXPECT_GT(refund, 0);
  EXPECT_LE(refund, price);
  EXPECT_NEAR(refund, price * 21 / 31, 10);
  EXPECT_EQ(Money().balance, ToNano(1000) - price + refund);
  EXPECT_EQ(Inst("i-1").charge_type, "PostPaid");
  EXPECT_EQ(Inst("i-1").expired_time, 0);
}

// A refund gives back what the orders paid, not what the instance would cost now (a month
// bought for 37.536 with a 500 GiB ESSD attached afterwards once refunded 112.536).
TEST_F(BillingTest, BackToPostPaidAfterAttachingADiskRefundsNoMoreThanWasPaid) {
  Fund(1000, 0);
  AddInstance("i-1");
  Write([](Txn& txn) { PutDisk(txn, "d-new", "data", 500); });
  auto bought = ChangeTo("i-1", "PrePaid");
  ASSERT_TRUE(bought.ok());
  ASSERT_TRUE(AttachDisk(*cloud_, kAcct, "d-new", "i-1", std::nullopt).ok());
  auto back = ChangeTo("i-1", "PostPaid");
  ASSERT_TRUE(back.ok());
  EXPECT_LE(-back->fees[0].fee, bought->fees[0].fee);
  EXPECT_LE(Money().balance, ToNano(1000));
}

// Every part of an order keeps its own bill line (two data disks, two instances of one
// RunInstances order), and one instance named twice is changed once, not refunded twice.
TEST_F(BillingTest, OrdersKeepEveryLineAndDuplicatesAreRefused) {
  Fund(1000, 0);
  PricedInstance spec{&G7(),
                      {{"cloud_essd", "PL1", 40, true},
                       {"cloud_essd", "PL1", 100, false},
                       {"cloud_essd", "PL1", 200, false}}};
  Quote q = QuoteSubscription(PricesOf(*cloud_), spec, 1, "Month");
  std::string order;
  Write([&](Txn& txn) {
    order = PlaceOrder(txn, cloud_->config(),
                       {kAcct, "i-a", "a", "local-a", "SubscriptionOrder", 1, "Month"}, q);
    PlaceOrder(txn, cloud_->config(),
               {kAcct, "i-b", "b", "local-a", "SubscriptionOrder", 1, "Month", order}, q);
  });
  Nano billed = 0;
  for (const auto& line : Lines()) billed += line.amount;
  EXPECT_EQ(billed, 2 * q.total());
  EXPECT_EQ(Money().balance, ToNano(1000) - billed);

  AddInstance("i-1");
  ChargeTypeChange c;
  c.account_id = kAcct;
  c.instance_ids = {"i-1", "i-1"};
  c.to = "PrePaid";
  auto twice = ModifyInstanceChargeType(*cloud_, c);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kInvalidInstanceIdsParam);
}

}  // namespace
}  // namespace openecs

namespace openecs {
namespace {

// PayByTraffic: the monitor's public traffic out, billed per GB on today's line.
class BillingTrafficTest : public BillingTest {
 protected:
  CloudConfig Config() override {
    CloudConfig c = BillingTest::Config();
    c.monitor = &monitor_;
    return c;
  }
  // Two samples of `instance`, 10 s apart, its interface sending `bytes` through `ip` between.
  void Send(const std::string& instance, const std::string& ip, int64_t bytes,
            const std::map<std::string, std::string>& eips = {}) {
    GuestSample s;
    s.instance_id = instance;
    s.at_ms = 1000;
    s.vcpus = 1;
    s.nics["eni-" + instance].public_ip = ip;
    monitor_.Ingest({s}, eips);
    s.at_ms = 11000;
    s.nics["eni-" + instance].tx_bytes = bytes;
    s.nics["eni-" + instance].public_tx_bytes = bytes;
    monitor_.Ingest({s}, eips);
  }
  static std::unique_ptr<MetricStore> InMemory() {
    auto store = MetricStore::Open(":memory:");
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<MetricStore> metrics_ = InMemory();
  Monitor monitor_{metrics_.get(), &clock_};
};

TEST_F(BillingTrafficTest, PublicTrafficOutIsBilledPerGbForPayByTrafficOnly) {
  Fund(100, -1);
  AddInstance("web", [](Instance& i) {
    i.internet_charge_type = "PayByTraffic";
    i.public_ip = "198.18.0.9";
  });
  AddInstance("flat", [](Instance& i) {
    i.internet_charge_type = "PayByBandwidth";
    i.public_ip = "198.18.0.11";
  });
  Write([](Txn& txn) {
    EipAddress e;
    e.id = "eip-1";
    e.account_id = kAcct;
    e.ip_address = "198.18.0.10";
    e.internet_charge_type = "PayByTraffic";
    e.instance_id = "held";
    txn.Put(e);
  });
  const int64_t kGiB = 1024LL * 1024 * 1024;
  Send("web", "198.18.0.9", 2 * kGiB);
  Send("flat", "198.18.0.11", kGiB);
  Send("held", "198.18.0.10", kGiB / 2, {{"198.18.0.10", "eip-1"}});
  Pass();
  Nano per_gb = TrafficGbPrice(PricesOf(*cloud_));
  ASSERT_GT(per_gb, 0);
  auto web = Line("2025-01-15/web/internet_traffic");
  ASSERT_TRUE(web);
  EXPECT_DOUBLE_EQ(web->usage, 2.0);
  EXPECT_EQ(web->usage_unit, "GB");
  EXPECT_EQ(web->amount, 2 * per_gb);
  auto eip = Line("2025-01-15/eip-1/internet_traffic");
  ASSERT_TRUE(eip);
  EXPECT_EQ(eip->amount, per_gb / 2);
  EXPECT_FALSE(Line("2025-01-15/flat/internet_traffic"));  // its bandwidth is billed instead
  EXPECT_EQ(Money().balance, ToNano(100) - web->amount - eip->amount);
  // Taken once: the next pass bills only what was sent since.
  Pass();
  EXPECT_EQ(Line("2025-01-15/web/internet_traffic")->amount, 2 * per_gb);
}

}  // namespace
}  // namespace openecs
