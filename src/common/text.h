#pragma once
// Small text helpers shared by the API layer, the CLI and the signers.
#include <string>
#include <string_view>
#include <vector>

namespace openecs {

// A flattened parameter name with its list indexes as N: "DataDisk.2.Size" -> "DataDisk.N.Size".
std::string IndexPattern(const std::string& name);

// RFC 3986 percent-encoding as Alibaba's signers use it: unreserved [A-Za-z0-9-_.~] kept,
// every other byte %XX (upper case), space as %20.
std::string PercentEncode(std::string_view s);
void AppendPercentEncoded(std::string& out, std::string_view s);  // the same, onto `out`
// Decodes %XX; when form is true, '+' decodes to a space (x-www-form-urlencoded).
std::string PercentDecode(std::string_view s, bool form);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// True if `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF). Request parameters must be: JSON cannot carry anything else.
bool IsValidUtf8(std::string_view s);
// At most the last `max_bytes` of `s` (a little less, so as not to start inside a character),
// as well-formed UTF-8: each byte that starts no valid character becomes U+FFFD. For text from
// outside (a guest's serial console) on its way into JSON and to users.
std::string ValidUtf8Tail(std::string_view s, size_t max_bytes = std::string_view::npos);

}  // namespace openecs
