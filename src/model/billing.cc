#include "model/billing.h"

#include "model/json_macros.h"

namespace openecs {

OPENECS_JSON(BillingAccount, id, version, account_id, balance, credited, credit_limit,
             metered_until, overdue_since)
OPENECS_JSON(BillItem, id, version, account_id, billing_date, item, subscription_type, resource_id,
             resource_name, billing_item, spec, zone_id, order_id, amount, list_price,
             list_price_unit, usage, usage_unit, service_seconds, start_time, end_time)

}  // namespace openecs
