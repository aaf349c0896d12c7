#include "api/auth.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

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

Status Authenticator::CheckTime(const std::string& value, bool acs3) {
  auto t = ParseIso(value);
  if (!t)
    return MakeError(ErrorCode::kIllegalTimestamp,
                     acs3 ? "The x-acs-date header is not a valid ISO 8601 UTC time."
                          : "The input parameter \"Timestamp\" is not a valid ISO 8601 UTC time.");
  int64_t now = NowSeconds();
  if (*t < now - skew_ || *t > now + skew_) return MakeError(ErrorCode::kInvalidTimeStampExpired);
  return Ok();
}

Authenticator::~Authenticator() = default;

// Journal lines: "<minute> <percent-encoded access key id + '\n' + nonce>".
Status Authenticator::KeepNoncesIn(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (std::ifstream in(path); in) {
    int64_t now = NowSeconds() / 60;
    int64_t keep = (skew_ * 2) / 60 + 1;
    std::map<int64_t, std::vector<std::string_view>> loaded;
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline: a line torn by a kill
      size_t space = line.find(' ');
      if (space == std::string::npos) continue;
      int64_t minute = std::strtoll(line.c_str(), nullptr, 10);
      if (minute < now - keep || minute > now + 1) continue;
      auto [it, fresh] =
          seen_.emplace(PercentDecode(std::string_view(line).substr(space + 1), false), minute);
      if (fresh) loaded[minute].push_back(it->first);
    }
    for (auto& [minute, keys] : loaded) nonces_.push_back({minute, std::move(keys)});
  }
  journal_path_ = path;
  Expire(NowSeconds() / 60);
  // Start from what is live. A full disk must not keep the API from starting: then the old
  // journal (with every nonce loaded above) is appended to as it is, or nonces live in memory
  // only until it can be.
  if (!journal_ && !RewriteJournal())
    LOG_WARN("cannot rewrite {} (disk full?); appending to it as it is", path);
  if (!journal_) LOG_WARN("cannot append to {}: nonces are remembered in memory only", path);
  return Ok();
}

bool Authenticator::RewriteJournal() {
  journal_.reset();
  std::string tmp = journal_path_ + ".tmp";
  bool rewritten = false;
  if (FILE* out = std::fopen(tmp.c_str(), "w")) {
    int64_t lines = 0;
    for (const auto& [minute, keys] : nonces_)
      for (const auto& key : keys) {
        std::fprintf(out, "%lld %s\n", static_cast<long long>(minute), PercentEncode(key).c_str());
        ++lines;
      }
    rewritten = std::fclose(out) == 0 && std::rename(tmp.c_str(), journal_path_.c_str()) == 0;
    if (rewritten) journal_lines_ = lines;
  }
  if (!rewritten) std::remove(tmp.c_str());
  auto opened = MappedAppendFile::Open(journal_path_);
  if (opened.ok()) journal_ = std::move(*opened);
  return rewritten;
}

void Authenticator::Expire(int64_t minute) {
  int64_t keep = (skew_ * 2) / 60 + 1;  // a nonce must be remembered as long as its time is valid
  bool dropped = false;
  while (!nonces_.empty() && nonces_.front().first < minute - keep) {
    for (std::string_view key : nonces_.front().second) seen_.erase(std::string(key));
    nonces_.pop_front();
    dropped = true;
  }
  if (!dropped || journal_path_.empty() || !journal_) return;
  auto live = static_cast<int64_t>(seen_.size());
  if (journal_lines_ < 2 * live + 1024) return;  // mostly live still: keep appending
  RewriteJournal();
}

Status Authenticator::CheckNonce(const std::string& access_key_id, const std::string& nonce) {
  int64_t minute = NowSeconds() / 60;
  std::string key;
  key.reserve(access_key_id.size() + 1 + nonce.size());
  key.append(access_key_id).append(1, '\n').append(nonce);
  std::lock_guard<std::mutex> lock(mu_);
  Expire(minute);
  auto [it, fresh] = seen_.emplace(std::move(key), minute);
  if (!fresh) return MakeError(ErrorCode::kSignatureNonceUsed);
  const std::string& k = it->first;
  if (journal_) {
    // Into the page cache through the mapping: a killed process keeps it. On a full disk the
    // nonce is remembered in memory only.
    std::string line = std::to_string(minute);
    line += ' ';
    AppendPercentEncoded(line, k);
    line += '\n';
    if (!journal_->Append(line)) {
      if (!journal_failing_)
        LOG_WARN("cannot append to {}: {}", journal_path_, std::strerror(errno));
      journal_failing_ = true;
    } else {
      journal_failing_ = false;
      ++journal_lines_;
    }
  }
  if (nonces_.empty() || nonces_.back().first != minute) nonces_.push_back({minute, {}});
  nonces_.back().second.push_back(k);
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
  OPENECS_RETURN_IF_ERROR(CheckTime(date, true));
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
  OPENECS_RETURN_IF_ERROR(CheckNonce(ak, nonce));
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
  OPENECS_RETURN_IF_ERROR(CheckTime(ts, false));
  auto cred = lookup_(ak, get("SecurityToken"));
  if (!cred.ok()) return cred.error();
  std::erase_if(params, [](const auto& p) { return p.first == "Signature"; });
  std::string sts = V1StringToSign(req.method, params);
  if (!ConstantTimeEquals(V1Signature(sts, cred->secret), sig))
    return MakeError(ErrorCode::kSignatureDoesNotMatch,
                     "Specified signature is not matched with our calculation. server string to "
                     "sign is:" +
                         sts);
  OPENECS_RETURN_IF_ERROR(CheckNonce(ak, nonce));
  return Signed(req, std::move(*cred), ak);
}

}  // namespace openecs
