// Fuzz target: Authenticator::Verify (api/auth.h), both schemes: v1 (HMAC-SHA1 over the
// canonicalised query and form, signature in the Signature parameter) and ACS3-HMAC-SHA256
// (Authorization header, canonical request over method, path, query, signed headers and the
// body hash). One fixed credential (fuzzAK / fuzzSecret). The input picks a scheme, a mode,
// the method, path, query, form, headers, nonce and body; the mode decides how much of the
// request the harness makes right:
//   raw       everything as fuzzed (the Authorization value or Signature from the fuzzer);
//   filled    every required field valid (key, versions, current time, nonce), signature fuzzed;
//   signed    signed by the harness the way the SDKs sign (api/signature.h);
//   tampered  signed, then one query parameter added or changed.
//
// Invariants: no crash, no exception; raw and filled never verify (no forgery without the
// secret) and fail with a 4xx code; signed verifies as the credential's account, and the same
// request again is refused as a replayed nonce; tampered fails with SignatureDoesNotMatch.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/signature.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace openecs {
namespace {

constexpr char kAk[] = "fuzzAK";
constexpr char kSecret[] = "fuzzSecret";
constexpr char kAccount[] = "1234567890";
// About 31 years either side of now, so that a fuzzed timestamp can pass the clock check and
// the fuzzer reaches what lies behind it (the key lookup, the signature).
constexpr int kSkewSeconds = 1000000000;

enum class Mode { kRaw, kFilled, kSigned, kTampered };

Result<Credential> Lookup(const std::string& ak, const std::string& /*security_token*/) {
  if (ak == kAk) return Credential{kSecret, Principal::Root(kAccount)};
  return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
}

// A header name as the server stores it: lower case (http_server.cc lowers every name).
std::string HeaderName(FuzzedDataProvider& p) { return ToLower(p.ConsumeRandomLengthString(24)); }

// A header name a request can carry (an HTTP token: Beast refuses any other), lower-cased as
// the server stores it. Tokens hold no ';' or ',', so any of them can be signed.
bool IsTokenName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
      return false;
  return true;
}

std::string Hex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

void FillV1(ApiRequest& req, const std::string& nonce) {
  for (const char* k : {"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
                        "SignatureNonce", "Timestamp"})
    req.form.erase(k);
  req.query["AccessKeyId"] = kAk;
  req.query["SignatureMethod"] = "HMAC-SHA1";
  req.query["SignatureVersion"] = "1.0";
  req.query["SignatureNonce"] = nonce;
  req.query["Timestamp"] = FormatIso(NowSeconds());
}

void SignV1(ApiRequest& req) {
  req.query.erase("Signature");
  std::multimap<std::string, std::string> params(req.query.begin(), req.query.end());
  params.insert(req.form.begin(), req.form.end());
  req.query["Signature"] = V1Signature(V1StringToSign(req.method, params), kSecret);
}

// Sets the headers ACS3 needs, drops those no request can carry; returns the names to sign
// (every header the request has, as the SDKs sign them).
std::vector<std::string> FillAcs3(HttpRequest& http, const std::string& nonce, bool hash_header) {
  http.headers["x-acs-date"] = FormatIso(NowSeconds());
  http.headers["x-acs-signature-nonce"] = nonce;
  if (!http.headers.count("host")) http.headers["host"] = "ecs.openecs.local";
  if (hash_header)
    http.headers["x-acs-content-sha256"] = Sha256Hex(http.body);
  else
    http.headers.erase("x-acs-content-sha256");
  std::erase_if(http.headers, [](const auto& h) { return !IsTokenName(h.first); });
  std::vector<std::string> names;
  for (const auto& [name, value] : http.headers)
    if (name != "authorization") names.push_back(name);
  return names;
}

void SignAcs3(const ApiRequest& req, HttpRequest& http, const std::vector<std::string>& names) {
  std::multimap<std::string, std::string> query(req.query.begin(), req.query.end());
  std::string creq =
      Acs3CanonicalRequest(req.method, req.path, query, http.headers, names, Sha256Hex(http.body));
  http.headers["authorization"] = "ACS3-HMAC-SHA256 Credential=" + std::string(kAk) +
                                  ",SignedHeaders=" + Join(names, ";") +
                                  ",Signature=" + Acs3Signature(creq, kSecret);
}

void CheckRefused(const Result<Principal>& r, const std::string& what) {
  FUZZ_CHECK(!r.ok(), what + " verified without the secret");
  FUZZ_CHECK(Describe(r.error().code).http_status < 500, what + ": " + r.error().message);
}

}  // namespace
}  // namespace openecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openecs;
  FuzzedDataProvider p(data, size);
  Mode mode = static_cast<Mode>(p.ConsumeIntegralInRange<int>(0, 3));
  bool acs3 = p.ConsumeBool();
  HttpRequest http;
  http.method =
      p.ConsumeBool() ? (p.ConsumeBool() ? "GET" : "POST") : p.ConsumeRandomLengthString(8);
  ApiRequest req;
  req.http = &http;
  req.method = http.method;
  req.path = p.ConsumeBool() ? "/" : p.ConsumeRandomLengthString(32);
  for (int n = p.ConsumeIntegralInRange(0, 6); n > 0; --n)
    req.query[p.ConsumeRandomLengthString(24)] = p.ConsumeRandomLengthString(48);
  for (int n = p.ConsumeIntegralInRange(0, 4); n > 0; --n)
    req.form[p.ConsumeRandomLengthString(24)] = p.ConsumeRandomLengthString(48);
  for (int n = p.ConsumeIntegralInRange(0, 4); n > 0; --n)
    http.headers[HeaderName(p)] = p.ConsumeRandomLengthString(48);
  http.body = p.ConsumeRandomLengthString(256);
  std::string nonce = p.ConsumeRandomLengthString(16);
  if (nonce.empty()) nonce = "n";
  bool hash_header = p.ConsumeBool();
  std::string rest = p.ConsumeRemainingBytesAsString();

  Authenticator auth(Lookup, kSkewSeconds);
  switch (mode) {
    case Mode::kRaw:
      // Often a plausible prefix, so that the fuzzer spends its time past the first check.
      if (acs3 && !rest.empty() && rest[0] & 1)
        http.headers["authorization"] =
            "ACS3-HMAC-SHA256 Credential=" + std::string(kAk) + ",SignedHeaders=" + rest;
      else if (!acs3)
        req.query["Signature"] = rest;
      CheckRefused(auth.Verify(req), "a raw request");
      break;
    case Mode::kFilled:
      if (acs3) {
        std::vector<std::string> names = FillAcs3(http, nonce, hash_header);
        std::string sig = Hex(rest);
        http.headers["authorization"] = "ACS3-HMAC-SHA256 Credential=" + std::string(kAk) +
                                        ",SignedHeaders=" + Join(names, ";") +
                                        ",Signature=" + (sig.empty() ? "00" : sig);
      } else {
        http.headers.erase("authorization");
        FillV1(req, nonce);
        req.query["Signature"] = rest.empty() ? "x" : rest;
      }
      CheckRefused(auth.Verify(req), "a request with a fuzzed signature");
      break;
    case Mode::kSigned:
    case Mode::kTampered: {
      if (acs3) {
        SignAcs3(req, http, FillAcs3(http, nonce, hash_header));
      } else {
        http.headers.erase("authorization");
        FillV1(req, nonce);
        SignV1(req);
      }
      if (mode == Mode::kTampered) {
        // Any query parameter is signed, except v1's own: changing those fails other checks.
        std::string key = rest.empty() ? "Tamper" : rest;
        static const std::set<std::string> kV1Own = {"AccessKeyId", "Signature", "SignatureMethod",
                                                     "SignatureVersion", "Timestamp"};
        if (!acs3 && kV1Own.count(key)) key = "Tamper";
        req.query[key] += "x";
        Result<Principal> r = auth.Verify(req);
        FUZZ_CHECK(!r.ok() && r.error().code == ErrorCode::kSignatureDoesNotMatch,
                   "a tampered request: " + (r.ok() ? std::string("verified") : r.error().message));
        break;
      }
      Result<Principal> r = auth.Verify(req);
      FUZZ_CHECK(r.ok() && r->account_id == kAccount && r->access_key_id == kAk,
                 std::string(acs3 ? "ACS3" : "v1") + " request signed like the SDKs do: " +
                     (r.ok() ? r->account_id : r.error().message));
      Result<Principal> again = auth.Verify(req);
      FUZZ_CHECK(!again.ok() && again.error().code == ErrorCode::kSignatureNonceUsed,
                 "a replayed nonce was accepted");
      break;
    }
  }
  return 0;
}
