#pragma once
// The two request-signing algorithms of the Alibaba Cloud OpenAPI, as pure functions used by
// the server (to verify) and the CLI (to sign). See shared/reference/ecs-api.md §1.3 and §2.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openecs {

// Decoded parameters, in any order, duplicates allowed (views into the caller's strings).
using QueryView = std::vector<std::pair<std::string_view, std::string_view>>;

// ACS3-HMAC-SHA256. `query` holds decoded parameters; `headers` holds lower-case header names
// mapped to their values; `signed_headers` is the sorted, lower-case list named in the
// Authorization header. Returns the lowercase hex signature.
std::string Acs3CanonicalRequest(const std::string& method, const std::string& path,
                                 const std::multimap<std::string, std::string>& query,
                                 const std::map<std::string, std::string>& headers,
                                 const std::vector<std::string>& signed_headers,
                                 const std::string& payload_hash);
std::string Acs3Signature(const std::string& canonical_request, const std::string& secret);

// v1 RPC signature (HMAC-SHA1): StringToSign = METHOD&%2F&pct(canonicalized params), key =
// secret + "&". `params` must not contain "Signature". Returns Base64.
std::string V1StringToSign(const std::string& method,
                           const std::multimap<std::string, std::string>& params);
std::string V1StringToSign(const std::string& method, const QueryView& params);
std::string V1Signature(const std::string& string_to_sign, const std::string& secret);

}  // namespace openecs
