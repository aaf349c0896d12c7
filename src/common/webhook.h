#pragma once
// Posting a form to a URL a user gave (CloudMonitor alarm webhooks, service/alarm_service.h).
// http:// and https:// URLs (https: the server's certificate must name the URL's host and chain
// to the system's CAs, or to `trust`). The host name is resolved here and every answer checked
// against common/address_filter.h (loopback, private and the other special ranges are refused
// unless the operator's allow-list names them: `ecsd dev --webhook-allow`); the connection goes
// to an admitted address, so a second lookup cannot rebind the name. Blocking (timeout_ms).
#include <map>
#include <string>
#include <vector>

#include "common/address_filter.h"
#include "common/result.h"
#include "common/tls.h"

namespace openecs {

// The answer's HTTP status (any: the caller logs a non-2xx one), or why nothing was posted.
Result<int> PostForm(const std::string& url, const std::map<std::string, std::string>& fields,
                     const std::vector<AddressPrefix>& allow, int timeout_ms = 5000,
                     const TlsTrust& trust = {});

}  // namespace openecs
