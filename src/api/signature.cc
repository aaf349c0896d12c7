#include "api/signature.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/text.h"

namespace openecs {
namespace {

// k=v pairs, percent-encoded, in byte order of the encoded key then value.
std::string CanonicalQuery(const QueryView& params) {
  std::vector<std::pair<std::string, std::string>> enc(params.size());
  size_t bytes = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    AppendPercentEncoded(enc[i].first, params[i].first);
    AppendPercentEncoded(enc[i].second, params[i].second);
    bytes += enc[i].first.size() + enc[i].second.size() + 2;
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  out.reserve(bytes);
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

QueryView ViewOf(const std::multimap<std::string, std::string>& params) {
  return QueryView(params.begin(), params.end());
}

}  // namespace

std::string Acs3CanonicalRequest(const std::string& method, const std::string& path,
                                 const std::multimap<std::string, std::string>& query,
                                 const std::map<std::string, std::string>& headers,
                                 const std::vector<std::string>& signed_headers,
                                 const std::string& payload_hash) {
  std::string uri = path.empty() ? "/" : path;
  std::string out = method + "\n" + uri + "\n" + CanonicalQuery(ViewOf(query)) + "\n";
  std::string names;
  for (const auto& h : signed_headers) {
    auto it = headers.find(h);
    out += h + ":" + (it == headers.end() ? std::string() : Trim(it->second)) + "\n";
    if (!names.empty()) names += ';';
    names += h;
  }
  out += "\n" + names + "\n" + payload_hash;
  return out;
}

std::string Acs3Signature(const std::string& canonical_request, const std::string& secret) {
  return HmacSha256Hex(secret, "ACS3-HMAC-SHA256\n" + Sha256Hex(canonical_request));
}

std::string V1StringToSign(const std::string& method, const QueryView& params) {
  std::string out = method + "&%2F&";
  AppendPercentEncoded(out, CanonicalQuery(params));
  return out;
}

std::string V1StringToSign(const std::string& method,
                           const std::multimap<std::string, std::string>& params) {
  return V1StringToSign(method, ViewOf(params));
}

std::string V1Signature(const std::string& string_to_sign, const std::string& secret) {
  return HmacSha1Base64(secret + "&", string_to_sign);
}

}  // namespace openecs
