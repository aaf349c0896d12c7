#include "api/auth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "api/signature.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/text.h"

namespace openecs {
namespace {
Error Missing(const std::string& name) {
  return MakeError(ErrorCode::kMissingParameter,
                   "The input parameter \"" + name +
                       "\" that is mandatory for processing this request is not supplied.");
}
}  // namespace

std::optional<Acs3Authorization> ParseAcs3Authorization(std::string_view h) {
  Acs3Authorization out;
  size_t space = h.find(' ');
  if (space == std::string_view::npos || h.substr(0, 5) != "ACS3-" || space == 5) return {};
  for (char c : h.substr(5, space - 5))
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return {};
  out.algorithm = std::string(h.substr(0, space));
  h.remove_prefix(space + 1);
  // key=value pairs in this order, separated by "," and optional white space.
  auto field = [&h](std::string_view key, bool last, std::string* value) {
    if (h.substr(0, key.size()) != key || h.substr(key.size(), 1) != "=") return false;
    h.remove_prefix(key.size() + 1);
    size_t end = last ? h.size() : h.find(',');
    if (end == std::string_view::npos || end == 0) return false;
    *value = std::string(h.substr(0, end));
    if (value->find(',') != std::string::npos) return false;
    h.remove_prefix(end);
    if (!last) {
      h.remove_prefix(1);  // the comma
      while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
    }
    return true;
  };
  if (!field("Credential", false, &out.credential) ||
      !field("SignedHeaders", false, &out.signed_headers) ||
      !field("Signature", true, &out.signature))
    return {};
  for (char c : out.signature)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  return out;
}

namespace {
// The principal of a verified request: the credential's, with the key and the connection.
Principal Signed(const ApiRequest& req, Credential cred, const std::string& access_key_id) {
  Principal p = std::move(cred.principal);
  p.access_key_id = access_key_id;
  p.secure_transport = req.http->secure;
  p.source_ip = req.http->remote_address;
  if (p.source_ip.rfind("::ffff:", 0) == 0 && p.source_ip.find('.') != std::string::npos)
    p.source_ip = p.source_ip.substr(7);  // an IPv4 peer on a dual-stack socket
  return p;
}
}  // namespace

Result<Principal> Authenticator::Verify(const ApiRequest& req) {
  auto it = req.http->headers.find("authorization");
  if (it != req.http->headers.end() && it->second.rfind("ACS3-", 0) == 0)
    return VerifyAcs3(req, it->second);
  return VerifyV1(req);
}

Authenticator::Authenticator(CredentialLookup lookup, int skew_seconds, size_t max_nonces)
    : lookup_(std::move(lookup)), skew_(skew_seconds), nonces_(skew_seconds, max_nonces) {
  auto key = HexDecode(RandomHex(static_cast<int>(nonce_key_.size())));
  std::copy(key->begin(), key->end(), nonce_key_.begin());
}

Authenticator::~Authenticator() = default;

Result<int64_t> Authenticator::CheckTime(const std::string& value, bool acs3) {
  auto t = ParseIso(value);
  if (!t)
    return MakeError(ErrorCode::kIllegalTimestamp,
                     acs3 ? "The x-acs-date header is not a valid ISO 8601 UTC time."
                          : "The input parameter \"Timestamp\" is not a valid ISO 8601 UTC time.");
  int64_t now = NowSeconds();
  if (*t < now - skew_ || *t > now + skew_) return MakeError(ErrorCode::kInvalidTimeStampExpired);
  return *t;
}

namespace {
constexpr std::string_view kJournalKey = "siphash-key ";
constexpr std::string_view kJournalForgot = "forgot ";
constexpr std::string_view kJournalNow = "now ";

// The journal's lines for a nonce and for a forgotten second (KeepNoncesIn reads them).
void AppendNonceLine(std::string& out, int64_t second, uint64_t digest) {
  fmt::format_to(std::back_inserter(out), "{} {:016x}\n", second, digest);
}
void AppendForgotLine(std::string& out, int64_t second) {
  fmt::format_to(std::back_inserter(out), "{}{}\n", kJournalForgot, second);
}
}  // namespace

// Journal: "siphash-key <32 hex>", "now <the window's latest time>" (as of the last rewrite),
// then lines "<signed second> <16 hex digest>" (a nonce) and "forgot <signed second>" (a second
// forgotten to make room: its requests stay refused).
Status Authenticator::KeepNoncesIn(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  bool keyed = false;  // the file has this window's key on its first line
  if (std::ifstream in(path); in) {
    std::string line;
    std::optional<std::string> key;
    if (std::getline(in, line) && !in.eof() && line.rfind(kJournalKey, 0) == 0)
      key = HexDecode(std::string_view(line).substr(kJournalKey.size()));
    if (key && key->size() == nonce_key_.size()) {
      keyed = true;
      std::copy(key->begin(), key->end(), nonce_key_.begin());
      int64_t now = NowSeconds();
      while (std::getline(in, line)) {
        if (in.eof()) break;  // no newline: a line torn by a kill
        auto number_after = [&line](std::string_view prefix) {
          return std::strtoll(line.c_str() + prefix.size(), nullptr, 10);
        };
        if (line.rfind(kJournalNow, 0) == 0) {
          nonces_.Advance(number_after(kJournalNow));  // the clock may have stepped back since
          continue;
        }
        if (line.rfind(kJournalForgot, 0) == 0) {
          nonces_.Forget(number_after(kJournalForgot), now);
          continue;
        }
        size_t space = line.find(' ');
        if (space == std::string::npos || line.size() - space - 1 != 16) continue;
        int64_t second = std::strtoll(line.c_str(), nullptr, 10);
        uint64_t digest = std::strtoull(line.c_str() + space + 1, nullptr, 16);
        // Expired: dropped. No room (a smaller window than the last process's), or signed past
        // now + skew (the clock stepped back): the second is forgotten, so it stays refused.
        NonceWindow::Outcome got = nonces_.Admit(digest, second, now);
        if (got == NonceWindow::Outcome::kFull ||
            (got == NonceWindow::Outcome::kOutside && second > now))
          nonces_.Forget(second, now);
      }
    } else if (!line.empty()) {
      LOG_WARN("{} is not a nonce journal of this version: starting it anew", path);
    }
  }
  journal_path_ = path;
  // Start from what is live. A full disk must not keep the API from starting: then a journal
  // with this window's key (every nonce of it loaded above) is appended to as it is; one
  // without cannot be (a later load would not read it), and nonces live in memory only.
  if (!RewriteJournal()) {
    if (!keyed) journal_.reset();
    LOG_WARN("cannot rewrite {} (disk full?){}", path,
             journal_ ? "; appending to it as it is" : "");
  }
  if (!journal_) LOG_WARN("cannot append to {}: nonces are remembered in memory only", path);
  return Ok();
}

bool Authenticator::RewriteJournal() {
  journal_.reset();
  std::string tmp = journal_path_ + ".tmp";
  bool rewritten = false;
  if (FILE* out = std::fopen(tmp.c_str(), "w")) {
    std::string text(kJournalKey);
    text += HexEncode({reinterpret_cast<const char*>(nonce_key_.data()), nonce_key_.size()});
    text += '\n';
    if (nonces_.latest_now() != INT64_MIN)
      fmt::format_to(std::back_inserter(text), "{}{}\n", kJournalNow, nonces_.latest_now());
    int64_t lines = 0;
    for (int64_t second : nonces_.forgotten()) {
      AppendForgotLine(text, second);
      ++lines;
    }
    nonces_.ForEach([&](int64_t second, uint64_t digest) {
      AppendNonceLine(text, second, digest);
      ++lines;
      if (text.size() >= (1 << 20)) {
        std::fwrite(text.data(), 1, text.size(), out);
        text.clear();
      }
    });
    std::fwrite(text.data(), 1, text.size(), out);
    rewritten = !std::ferror(out);
    rewritten =
        std::fclose(out) == 0 && rewritten && std::rename(tmp.c_str(), journal_path_.c_str()) == 0;
    if (rewritten) journal_lines_ = lines;
  }
  if (!rewritten) std::remove(tmp.c_str());
  auto opened = MappedAppendFile::Open(journal_path_);
  if (opened.ok()) journal_ = std::move(*opened);
  return rewritten;
}

Status Authenticator::CheckNonce(const std::string& access_key_id, const std::string& nonce,
                                 int64_t signed_at) {
  std::string key;
  key.reserve(access_key_id.size() + 1 + nonce.size());
  key.append(access_key_id).append(1, '\n').append(nonce);
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = NowSeconds();  // under the lock: the window sees time go forward
  uint64_t digest = SipHash24(nonce_key_, key);
  std::vector<int64_t> forgotten;
  switch (nonces_.Admit(digest, signed_at, now, &forgotten)) {
    case NonceWindow::Outcome::kFresh:
      break;
    case NonceWindow::Outcome::kUsed:
      return MakeError(ErrorCode::kSignatureNonceUsed);
    case NonceWindow::Outcome::kOutside:
      return MakeError(ErrorCode::kInvalidTimeStampExpired);
    case NonceWindow::Outcome::kForgotten:
      return MakeError(ErrorCode::kInvalidTimeStampExpired,
                       "The request was signed at " + FormatIso(signed_at) +
                           ": this server no longer remembers the nonces of requests signed then "
                           "(it is taking many signed requests, and forgets the times farthest "
                           "from its clock first). Sign it again with the current time.");
    case NonceWindow::Outcome::kFull:
      return MakeError(ErrorCode::kInvalidTimeStampExpired,
                       "The request was signed at " + FormatIso(signed_at) +
                           ": this server is taking more signed requests than it can check for "
                           "replay, and keeps those signed nearest its clock. Sign it again with "
                           "the current time.");
  }
  if (!forgotten.empty() && now - warned_forgetting_at_ >= 60) {
    warned_forgetting_at_ = now;
    LOG_WARN(
        "replay window full ({} nonces): forgot the nonces signed at {} ({} seconds "
        "forgotten since start); requests signed then are refused",
        nonces_.size(), FormatIso(forgotten.front()), nonces_.forgotten_total());
  }
  if (journal_) {
    // Into the page cache through the mapping: a killed process keeps it. On a full disk the
    // nonce is remembered in memory only.
    std::string lines;
    for (int64_t second : forgotten) AppendForgotLine(lines, second);
    AppendNonceLine(lines, signed_at, digest);
    if (!journal_->Append(lines)) {
      if (!journal_failing_)
        LOG_WARN("cannot append to {}: {}", journal_path_, std::strerror(errno));
      journal_failing_ = true;
    } else {
      journal_failing_ = false;
      journal_lines_ += 1 + static_cast<int64_t>(forgotten.size());
      auto live = static_cast<int64_t>(nonces_.size() + nonces_.forgotten().size());
      // Rewritten when it holds mostly what expired. If that fails (the disk is full), not tried
      // again until as many lines more.
      if (journal_lines_ >= 2 * live + 1024 && !RewriteJournal()) journal_lines_ = live;
    }
  }
  return Ok();
}

Result<Principal> Authenticator::VerifyAcs3(const ApiRequest& req,
                                            const std::string& authorization) {
  std::optional<Acs3Authorization> auth = ParseAcs3Authorization(authorization);
  if (!auth) return MakeError(ErrorCode::kIncompleteSignature);
  if (auth->algorithm != "ACS3-HMAC-SHA256")
    return MakeError(ErrorCode::kIncompleteSignature,
                     "Only the ACS3-HMAC-SHA256 signature algorithm is supported.");
  const std::string& ak = auth->credential;
  const auto& headers = req.http->headers;
  auto header = [&](const char* name) -> std::string {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  };
  std::string date = header("x-acs-date");
  if (date.empty()) return Missing("x-acs-date");
  auto signed_at = CheckTime(date, true);
  if (!signed_at.ok()) return signed_at.error();
  auto cred = lookup_(ak, header("x-acs-security-token"));
  if (!cred.ok()) return cred.error();
  std::string body_hash = Sha256Hex(req.http->body);
  std::string claimed_hash = header("x-acs-content-sha256");
  if (!claimed_hash.empty() && claimed_hash != body_hash)
    return MakeError(ErrorCode::kSignatureDoesNotMatch,
                     "The x-acs-content-sha256 header does not match the request body.");
  std::vector<std::string> signed_headers = Split(auth->signed_headers, ';');
  auto is_signed = [&](const std::string& name) {
    return std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end();
  };
  for (const char* required : {"host", "x-acs-date"}) {
    if (!is_signed(required))
      return MakeError(ErrorCode::kIncompleteSignature,
                       std::string("The signed headers must include ") + required + ".");
  }
  // x-acs-action and x-acs-version choose what the request does: an x-acs-* header outside the
  // signature could be changed in flight. Alibaba Cloud requires all of them signed.
  for (const auto& [name, value] : headers)
    if (name.rfind("x-acs-", 0) == 0 && !is_signed(name))
      return MakeError(ErrorCode::kIncompleteSignature,
                       "The header " + name + " must be signed (every x-acs-* header is).");
  std::multimap<std::string, std::string> query(req.query.begin(), req.query.end());
  std::string creq = Acs3CanonicalRequest(req.method, req.path, query, headers, signed_headers,
                                          claimed_hash.empty() ? body_hash : claimed_hash);
  if (!ConstantTimeEquals(Acs3Signature(creq, cred->secret), auth->signature))
    return MakeError(ErrorCode::kSignatureDoesNotMatch,
                     "Specified signature is not matched with our calculation. server string to "
                     "sign is:ACS3-HMAC-SHA256\n" +
                         Sha256Hex(creq));
  std::string nonce = header("x-acs-signature-nonce");
  if (nonce.empty()) return Missing("x-acs-signature-nonce");
  OPENECS_RETURN_IF_ERROR(CheckNonce(ak, nonce, *signed_at));
  return Signed(req, std::move(*cred), ak);
}

Result<Principal> Authenticator::VerifyV1(const ApiRequest& req) {
  // The parameters as signed: the query's and the form's, with duplicates (views, no copies).
  QueryView params;
  params.reserve(req.query.size() + req.form.size());
  for (const auto& [k, v] : req.query) params.emplace_back(k, v);
  for (const auto& [k, v] : req.form) params.emplace_back(k, v);
  // The first value of a name, the query's before the form's.
  auto get = [&](std::string_view k) -> std::string {
    for (const auto& [name, value] : params)
      if (name == k) return std::string(value);
    return std::string();
  };
  std::string ak = get("AccessKeyId"), sig = get("Signature");
  if (ak.empty()) return Missing("AccessKeyId");
  if (sig.empty()) return Missing("Signature");
  std::string ts = get("Timestamp");
  if (ts.empty()) return Missing("Timestamp");
  if (get("SignatureMethod") != "HMAC-SHA1")
    return MakeError(ErrorCode::kIncompleteSignature, "SignatureMethod must be HMAC-SHA1.");
  if (get("SignatureVersion") != "1.0")
    return MakeError(ErrorCode::kIncompleteSignature, "SignatureVersion must be 1.0.");
  std::string nonce = get("SignatureNonce");
  if (nonce.empty()) return Missing("SignatureNonce");
  auto signed_at = CheckTime(ts, false);
  if (!signed_at.ok()) return signed_at.error();
  auto cred = lookup_(ak, get("SecurityToken"));
  if (!cred.ok()) return cred.error();
  std::erase_if(params, [](const auto& p) { return p.first == "Signature"; });
  std::string sts = V1StringToSign(req.method, params);
  if (!ConstantTimeEquals(V1Signature(sts, cred->secret), sig))
    return MakeError(ErrorCode::kSignatureDoesNotMatch,
                     "Specified signature is not matched with our calculation. server string to "
                     "sign is:" +
                         sts);
  OPENECS_RETURN_IF_ERROR(CheckNonce(ak, nonce, *signed_at));
  return Signed(req, std::move(*cred), ak);
}

}  // namespace openecs
