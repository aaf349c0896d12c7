#pragma once
// Request authentication for both signature schemes (ecs-api.md §1.3 and §2):
// ACS3-HMAC-SHA256 when an "Authorization: ACS3-..." header is present, else v1 HMAC-SHA1 from
// the Signature parameter. Checks the clock skew (±15 minutes) and refuses a request whose nonce
// was seen with the same signed time (a replay: api/nonce_window.h, which also says what happens
// when more than `max_nonces` are live), across restarts when KeepNoncesIn names a file.
// Thread-safe.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/nonce_window.h"
#include "common/crypto.h"
#include "common/http_server.h"
#include "common/mapped_append_file.h"
#include "common/result.h"
#include "service/principal.h"

namespace openecs {

// The credential of an AccessKeyId. `security_token` is the request's SecurityToken (the v1
// parameter or the x-acs-security-token header; "" when absent), for STS keys. An error is the
// answer to the request: InvalidAccessKeyId.NotFound, InvalidAccessKeyId.Inactive,
// InvalidSecurityToken.* for an STS key.
using CredentialLookup = std::function<Result<Credential>(const std::string& access_key_id,
                                                          const std::string& security_token)>;

// A request as the API layer sees it after parsing the URL and the form body.
struct ApiRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> form;   // decoded x-www-form-urlencoded body
  const HttpRequest* http = nullptr;
};

// The parts of an ACS3 Authorization header:
//   "<algorithm> Credential=<ak>,SignedHeaders=<h1;h2>,Signature=<lower-case hex>"
// (spaces allowed after each comma). Parsed by hand in one pass: request input never meets a
// regex (libstdc++'s recurses per character; a 200 KB header overflowed the stack).
struct Acs3Authorization {
  std::string algorithm;  // "ACS3-" followed by [A-Z0-9-]+
  std::string credential;
  std::string signed_headers;
  std::string signature;
};
std::optional<Acs3Authorization> ParseAcs3Authorization(std::string_view header);

class Authenticator {
 public:
  // 4 Mi nonces: 64 to 128 MiB, and the window shrinks only past ~4,600 signed requests a second
  // held for the skew's 15 minutes.
  static constexpr size_t kMaxNonces = size_t{1} << 22;
  explicit Authenticator(CredentialLookup lookup, int skew_seconds = 900,
                         size_t max_nonces = kMaxNonces);
  ~Authenticator();
  // Who signed the request, or the ECS error to answer with.
  Result<Principal> Verify(const ApiRequest& req);
  // Remembers accepted nonces in `path` too (the hash key on the first line, then one line per
  // nonce and one per second forgotten to make room, appended through a shared mapping, no fsync:
  // it outlives a kill of the process, not a power loss), loads the ones still inside the window
  // from it now, and rewrites it without expired ones as it grows. Call before serving. A journal
  // in another format (before the window was kept by signed time) is started anew.
  Status KeepNoncesIn(const std::string& path);

 private:
  Result<Principal> VerifyAcs3(const ApiRequest& req, const std::string& authorization);
  Result<Principal> VerifyV1(const ApiRequest& req);
  // The signed time in epoch seconds, or the error for it.
  Result<int64_t> CheckTime(const std::string& value, bool acs3);
  Status CheckNonce(const std::string& access_key_id, const std::string& nonce, int64_t signed_at);

  CredentialLookup lookup_;
  int skew_;
  std::mutex mu_;
  // Writes the live nonces to the journal anew (a .tmp file renamed over it) and reopens it
  // for appending; false if the new file could not be written (the old one stays).
  bool RewriteJournal();
  // Nonces are kept as SipHash digests of access key id + '\n' + nonce under this key (random,
  // or the journal's).
  SipHashKey nonce_key_{};
  NonceWindow nonces_;
  int64_t warned_forgetting_at_ = 0;  // when the log last said the window forgot (once a minute)
  std::string journal_path_;
  std::unique_ptr<MappedAppendFile> journal_;  // common/mapped_append_file.h
  int64_t journal_lines_ = 0;
  bool journal_failing_ = false;  // logged once until a write works again
};

}  // namespace openecs
