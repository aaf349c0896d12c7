#pragma once
// Billing records (service/billing_service.h has the rules; billing/price_table.h the prices).
// Money is int64 nano-units of the price table's currency.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace openecs {

inline constexpr int64_t kCreditLimitDefault = -2;

// An account's money. Record id = the account's id.
struct BillingAccount {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  int64_t balance = 0;   // cash: credited minus charged; below zero the account owes
  int64_t credited = 0;  // everything the operator credited
  // How far below zero the balance may go before the account is overdue (a credit line);
  // -1: without limit (an account the operator bills outside OpenECS); kCreditLimitDefault:
  // the cloud's default (`ecsd dev --credit-limit`), read when it is used.
  int64_t credit_limit = kCreditLimitDefault;
  int64_t metered_until = 0;  // pay-as-you-go use is charged up to this time
  int64_t overdue_since = 0;  // when the account became overdue (0: it is not)
};

// One line of an account's bill. Pay-as-you-go: one line per resource, billing item and UTC
// day, grown by each metering pass (id "<account>/<YYYY-MM-DD>/<resource>/<billing item>").
// Subscription orders and refunds: one line per order and billing item
// ("<account>/order/<order id>/<billing item>").
struct BillItem {
  std::string id;
  int64_t version = 0;
  std::string account_id;
  std::string billing_date;       // YYYY-MM-DD (UTC) the line belongs to
  std::string item;               // PayAsYouGoBill | SubscriptionOrder | Refund
  std::string subscription_type;  // PayAsYouGo | Subscription
  std::string resource_id;        // i-..., d-..., s-..., m-..., eip-...
  std::string resource_name;
  std::string
      billing_item;  // instance_type | system_disk | data_disk | bandwidth | snapshot | image
  std::string spec;  // "ecs.g7.large", "cloud_essd PL1 40 GiB", "5 Mbps"
  std::string zone_id;
  std::string order_id;
  int64_t amount = 0;           // pretax, nano-units (negative for a refund)
  int64_t list_price = 0;       // per list_price_unit, nano-units
  std::string list_price_unit;  // Hour | GiB-Hour | Mbps-Hour | Month | Week
  double usage = 0;             // in usage_unit
  std::string usage_unit;       // Hour | GiB-Hour | Mbps-Hour | Month | Week
  int64_t service_seconds = 0;  // the seconds of use the line covers
  int64_t start_time = 0, end_time = 0;
};

void to_json(nlohmann::json& j, const BillingAccount& v);
void from_json(const nlohmann::json& j, BillingAccount& v);
void to_json(nlohmann::json& j, const BillItem& v);
void from_json(const nlohmann::json& j, BillItem& v);

}  // namespace openecs
