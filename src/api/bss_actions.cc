// The BSS OpenAPI (version 2017-12-14) subset a user reads their money with, on the API
// endpoint: QueryAccountBalance, QueryBill, QueryInstanceBill, QueryBillOverview, over the
// accounts' bill lines (service/billing_service.h), and the subscription refund
// (InquiryPriceRefundInstance, RefundInstance). Parameters come in the query string, as the
// official SDK sends them; replies wrap Data in {Success, Code, Message}; amounts are numbers,
// except the balance's, which BSS answers as grouped text ("1,000.19").
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "api/action.h"
#include "service/billing_service.h"

namespace openecs {
namespace {

using json = nlohmann::json;
constexpr const char* kBssVersion = "2017-12-14";

json Envelope(json data, const char* code = "Success") {
  return {{"Success", true}, {"Code", code}, {"Message", "Successful!"}, {"Data", std::move(data)}};
}

// "1,234.56" (and "-11.19").
std::string Grouped(Nano n) {
  double v = ToAmount(n);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", v < 0 ? -v : v);
  std::string digits(buf);
  size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot), out;
  for (size_t k = 0; k < whole.size(); ++k) {
    if (k > 0 && (whole.size() - k) % 3 == 0) out += ',';
    out += whole[k];
  }
  return (v < 0 ? "-" : "") + out + digits.substr(dot);
}

std::string AccountName(const State& s, const std::string& id) {
  auto it = s.accounts.find(id);
  return it == s.accounts.end() ? "" : it->second.name;
}

Result<json> QueryAccountBalance(ApiContext& c) {
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    BillingAccount a = BillingAccountView(s, c.cloud.config(), c.account_id);
    Nano credit = a.credit_limit < 0 ? 0 : a.credit_limit;
    return Envelope({{"AvailableAmount", Grouped(a.balance + credit)},
                     {"AvailableCashAmount", Grouped(a.balance)},
                     {"CreditAmount", Grouped(credit)},
                     {"MybankCreditAmount", "0.00"},
                     {"Currency", PricesOf(c.cloud).currency},
                     {"QuotaLimit", "0.00"}},
                    "200");
  });
}

// The common filters of the bill queries.
struct BillFilter {
  std::string cycle;  // YYYY-MM
  std::optional<std::string> type, product_code, subscription_type;
  bool hide_zero = false;
};

Result<BillFilter> FilterOf(const Params& p) {
  BillFilter f;
  auto cycle = p.Get("BillingCycle");
  if (!cycle)
    return MakeError(ErrorCode::kMissingParameter,
                     "The parameter BillingCycle is needed (YYYY-MM).");
  static const std::regex kCycle(R"(\d{4}-(0[1-9]|1[0-2]))");
  if (!std::regex_match(*cycle, kCycle))
    return MakeError(ErrorCode::kInvalidParameter,
                     "The parameter BillingCycle is not valid; it is YYYY-MM.");
  f.cycle = *cycle;
  f.type = p.Get("Type");
  f.product_code = p.Get("ProductCode");
  f.subscription_type = p.Get("SubscriptionType");
  if (f.product_code && f.product_code->empty()) f.product_code.reset();
  if (f.subscription_type && f.subscription_type->empty()) f.subscription_type.reset();
  if (f.type && f.type->empty()) f.type.reset();
  if (f.subscription_type && *f.subscription_type != "Subscription" &&
      *f.subscription_type != "PayAsYouGo")
    return MakeError(ErrorCode::kInvalidParameter,
                     "SubscriptionType is Subscription or PayAsYouGo.");
  OPENECS_ASSIGN_OR_RETURN(f.hide_zero, p.Bool("IsHideZeroCharge", false));
  return f;
}

bool Matches(const BillFilter& f, const BillItem& b) {
  if (b.billing_date.compare(0, 7, f.cycle) != 0) return false;
  if (f.type && *f.type != b.item) return false;
  if (f.product_code && *f.product_code != "ecs") return false;
  if (f.subscription_type && *f.subscription_type != b.subscription_type) return false;
  return true;
}

struct Paging {
  int64_t num = 1, size = 20;
};
Result<Paging> PagingOf(const Params& p) {
  Paging g;
  OPENECS_ASSIGN_OR_RETURN(g.num, p.IntOr("PageNum", 1, 1, 1000000));
  OPENECS_ASSIGN_OR_RETURN(g.size, p.IntOr("PageSize", 20, 1, 300));
  return g;
}

// The amount fields every bill row carries, for a pretax amount paid in cash.
void Amounts(json& row, Nano amount) {
  double a = ToAmount(amount);
  for (const char* k : {"PretaxGrossAmount", "PretaxAmount", "PaymentAmount", "CashAmount"})
    row[k] = a;
  for (const char* k : {"InvoiceDiscount", "DeductedByCoupons", "DeductedByCashCoupons",
                        "DeductedByPrepaidCard", "OutstandingAmount", "AdjustAmount"})
    row[k] = 0;
}

std::string ProductDetail(const std::string& subscription_type) {
  return subscription_type == "Subscription" ? "ECS (Subscription)" : "ECS (Pay-As-You-Go)";
}

void Product(json& row, const std::string& subscription_type) {
  row["ProductCode"] = row["PipCode"] = row["CommodityCode"] = "ecs";
  row["ProductType"] = "";
  row["ProductName"] = "Elastic Compute Service";
  row["ProductDetail"] = ProductDetail(subscription_type);
}

std::string Stamp(int64_t t) {
  std::string iso = FormatIso(t);  // 2026-12-04T07:03:50Z -> 2026-12-04 07:03:50
  return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

json Page(json data, std::vector<json> rows, const Paging& g) {
  json items = json::array();
  size_t begin = static_cast<size_t>((g.num - 1) * g.size);
  for (size_t k = begin; k < rows.size() && items.size() < static_cast<size_t>(g.size); ++k)
    items.push_back(std::move(rows[k]));
  data["PageNum"] = g.num;
  data["PageSize"] = g.size;
  data["TotalCount"] = rows.size();
  data["Items"] = {{"Item", items}};
  return data;
}

Result<json> QueryBill(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(BillFilter f, FilterOf(c.params));
  OPENECS_ASSIGN_OR_RETURN(Paging g, PagingOf(c.params));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::vector<const BillItem*> matched;
    for (const auto& [id, b] : Owned(s.bill_items, c.account_id))
      if (Matches(f, b) && !(f.hide_zero && b.amount == 0)) matched.push_back(&b);
    // Only the page's rows are rendered.
    std::vector<json> rows(matched.size());
    std::string currency = PricesOf(c.cloud).currency;
    size_t begin = static_cast<size_t>((g.num - 1) * g.size);
    for (size_t k = begin; k < matched.size() && k < begin + static_cast<size_t>(g.size); ++k) {
      const BillItem& b = *matched[k];
      json row{{"RecordID", b.id.substr(c.account_id.size() + 1)},
               {"Item", b.item},
               {"SubscriptionType", b.subscription_type},
               {"OwnerID", c.account_id},
               {"UsageStartTime", Stamp(b.start_time)},
               {"UsageEndTime", Stamp(b.end_time ? b.end_time : b.start_time)},
               {"PaymentTime", Stamp(b.end_time ? b.end_time : b.start_time)},
               {"PaymentTransactionID", ""},
               {"SubOrderId", b.order_id},
               {"Status", "PayFinish"},
               {"Currency", currency},
               {"PaymentCurrency", currency},
               {"RoundDownDiscount", "0"},
               {"AfterTaxAmount", ToAmount(b.amount)},
               {"Tax", 0},
               {"PretaxAmountLocal", ToAmount(b.amount)}};
      Product(row, b.subscription_type);
      Amounts(row, b.amount);
      rows[k] = std::move(row);
    }
    json data{{"BillingCycle", f.cycle},
              {"AccountID", c.account_id},
              {"AccountName", AccountName(s, c.account_id)}};
    return Envelope(Page(std::move(data), std::move(rows), g));
  });
}

Result<json> QueryInstanceBill(ApiContext& c) {
  const Params& p = c.params;
  OPENECS_ASSIGN_OR_RETURN(BillFilter f, FilterOf(p));
  OPENECS_ASSIGN_OR_RETURN(Paging g, PagingOf(p));
  OPENECS_ASSIGN_OR_RETURN(auto granularity, p.Enum("Granularity", {"MONTHLY", "DAILY"}));
  bool daily = granularity.value_or("MONTHLY") == "DAILY";
  std::string date = p.GetOr("BillingDate", "");
  if (daily && (date.size() != 10 || date.compare(0, 7, f.cycle) != 0))
    return MakeError(ErrorCode::kInvalidParameter,
                     "DAILY needs BillingDate (YYYY-MM-DD) inside BillingCycle.");
  OPENECS_ASSIGN_OR_RETURN(bool by_item, p.Bool("IsBillingItem", false));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    // Rows keyed by (resource, item, subscription type[, billing item]).
    struct Row {
      const BillItem* first = nullptr;
      Nano amount = 0;
      double usage = 0;
      int64_t seconds = 0;
    };
    std::map<std::string, Row> grouped;
    for (const auto& [id, b] : Owned(s.bill_items, c.account_id)) {
      if (!Matches(f, b) || (daily && b.billing_date != date)) continue;
      std::string key = b.resource_id + "|" + b.item + "|" + b.subscription_type +
                        (by_item ? "|" + b.billing_item : "");
      Row& r = grouped[key];
      if (!r.first) r.first = &b;
      r.amount += b.amount;
      r.usage += b.usage;
      r.seconds += b.service_seconds;
    }
    std::string currency = PricesOf(c.cloud).currency;
    std::vector<json> rows;
    for (const auto& [key, r] : grouped) {
      if (f.hide_zero && r.amount == 0) continue;
      const BillItem& b = *r.first;
      std::string spec, config, intranet, internet;
      if (auto it = s.instances.find(b.resource_id); it != s.instances.end()) {
        const Instance& i = it->second;
        spec = i.instance_type;
        config =
            "CPU:" + std::to_string(i.cpu) + ";Memory:" + std::to_string(i.memory_mb / 1024) + "GB";
        intranet = i.private_ip;
        internet = i.public_ip;
      }
      char price[32], usage[32];
      std::snprintf(price, sizeof(price), "%.6f", static_cast<double>(b.list_price) / kNanoPerUnit);
      std::snprintf(usage, sizeof(usage), "%.4f", r.usage);
      json row{{"InstanceID", b.resource_id},
               {"NickName", b.resource_name},
               {"Item", b.item},
               {"SubscriptionType", b.subscription_type},
               {"BillingDate", daily ? date : ""},
               {"BillingItem", by_item ? b.billing_item : ""},
               {"BillingType", "Other"},
               {"ListPrice", by_item ? price : ""},
               {"ListPriceUnit", by_item ? currency + "/" + b.list_price_unit : ""},
               {"Usage", by_item ? usage : ""},
               {"UsageUnit", by_item ? b.usage_unit : ""},
               {"ServicePeriod", std::to_string(r.seconds)},
               {"ServicePeriodUnit", "Second"},
               {"DeductedByResourcePackage", "0"},
               {"InstanceSpec", spec.empty() ? b.spec : spec},
               {"InstanceConfig", config},
               {"InternetIP", internet},
               {"IntranetIP", intranet},
               {"Region", c.cloud.config().region_id},
               {"Zone", b.zone_id},
               {"ResourceGroup", ""},
               {"Tag", ""},
               {"CostUnit", "Not allocated"},
               {"OwnerID", c.account_id},
               {"Currency", currency}};
      Product(row, b.subscription_type);
      Amounts(row, r.amount);
      rows.push_back(std::move(row));
    }
    json data{{"BillingCycle", f.cycle},
              {"AccountID", c.account_id},
              {"AccountName", AccountName(s, c.account_id)}};
    return Envelope(Page(std::move(data), std::move(rows), g));
  });
}

Result<json> QueryBillOverview(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(BillFilter f, FilterOf(c.params));
  return c.cloud.Read<Result<json>>([&](const State& s) -> Result<json> {
    std::map<std::pair<std::string, std::string>, Nano> totals;  // (item, subscription type)
    for (const auto& [id, b] : Owned(s.bill_items, c.account_id))
      if (Matches(f, b)) totals[{b.item, b.subscription_type}] += b.amount;
    std::string currency = PricesOf(c.cloud).currency;
    std::string name = AccountName(s, c.account_id);
    json items = json::array();
    for (const auto& [key, amount] : totals) {
      json row{{"Item", key.first},
               {"SubscriptionType", key.second},
               {"BizType", ""},
               {"OwnerID", c.account_id},
               {"BillAccountID", c.account_id},
               {"BillAccountName", name},
               {"Currency", currency},
               {"PaymentCurrency", currency},
               {"RoundDownDiscount", "0"},
               {"AfterTaxAmount", ToAmount(amount)},
               {"Tax", 0},
               {"PretaxAmountLocal", ToAmount(amount)}};
      Product(row, key.second);
      Amounts(row, amount);
      items.push_back(std::move(row));
    }
    return Envelope({{"BillingCycle", f.cycle},
                     {"AccountID", c.account_id},
                     {"AccountName", name},
                     {"Items", {{"Item", items}}}});
  });
}

// The subscription refund pair (service/billing_service.h RefundSubscription).
Result<std::string> RefundTarget(const Params& p) {
  OPENECS_ASSIGN_OR_RETURN(std::string product, p.Required("ProductCode"));
  if (product != "ecs")
    return MakeError(ErrorCode::kInvalidParameter, "OpenECS refunds ecs subscriptions only.");
  return p.Required("InstanceId");
}

Result<json> InquiryPriceRefundInstance(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, RefundTarget(c.params));
  OPENECS_ASSIGN_OR_RETURN(Nano amount, RefundQuote(c.cloud, c.account_id, id));
  return Envelope({{"InstanceId", id},
                   {"RefundAmount", ToAmount(amount)},
                   {"Currency", PricesOf(c.cloud).currency},
                   {"HostId", "cn"}});
}

Result<json> RefundInstance(ApiContext& c) {
  OPENECS_ASSIGN_OR_RETURN(std::string id, RefundTarget(c.params));
  std::string now = c.params.GetOr("ImmediatelyRelease", "0");
  if (now != "0" && now != "1")
    return MakeError(ErrorCode::kInvalidParameter, "ImmediatelyRelease is 1 or 0.");
  OPENECS_ASSIGN_OR_RETURN(RefundResult r,
                           RefundSubscription(c.cloud, c.account_id, id, now == "1"));
  return Envelope({{"OrderId", std::stoll(r.order_id)}, {"HostId", "cn"}});
}

}  // namespace

void RegisterBssActions(ActionTable& t) {
  t[{kBssVersion, "InquiryPriceRefundInstance"}] = {InquiryPriceRefundInstance, false};
  t[{kBssVersion, "RefundInstance"}] = {RefundInstance, false, true};
  t[{kBssVersion, "QueryAccountBalance"}] = {QueryAccountBalance, false};
  t[{kBssVersion, "QueryBill"}] = {QueryBill, false};
  t[{kBssVersion, "QueryInstanceBill"}] = {QueryInstanceBill, false};
  t[{kBssVersion, "QueryBillOverview"}] = {QueryBillOverview, false};
}

}  // namespace openecs
