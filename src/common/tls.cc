#include "common/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cctype>
#include <functional>
#include <memory>

namespace openecs {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;

Error OpenSslError(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }

std::string ToPem(const std::function<int(BIO*)>& write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::string CertificateFingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

Result<std::string> NormalizeFingerprint(const std::string& given) {
  std::string s = given;
  if (s.size() > 7 && (s.compare(0, 7, "sha256:") == 0 || s.compare(0, 7, "SHA256:") == 0))
    s = s.substr(7);
  std::string hex;
  for (char c : s) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      hex.clear();
      break;
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64)
    return MakeError(ErrorCode::kInvalidParameter,
                     "a certificate fingerprint is sha256: and 64 hex digits, not " + given);
  return "sha256:" + hex;
}

Result<TlsIdentity> TlsIdentityFromPem(std::string cert_pem, std::string key_pem) {
  Bio cb(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  Cert leaf(cb ? PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!leaf) return MakeError(ErrorCode::kInvalidParameter, "no PEM certificate");
  Bio kb(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  Key key(kb ? PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return MakeError(ErrorCode::kInvalidParameter, "no PEM private key");
  if (X509_check_private_key(leaf.get(), key.get()) != 1)
    return MakeError(ErrorCode::kInvalidParameter, "the key is not the certificate's");
  TlsIdentity id;
  id.fingerprint = CertificateFingerprint(leaf.get());
  id.cert_pem = std::move(cert_pem);
  id.key_pem = std::move(key_pem);
  return id;
}

Result<TlsIdentity> MakeSelfSigned(const std::vector<std::string>& names) {
  Key key(EVP_EC_gen("P-256"));
  Cert cert(X509_new());
  if (!key || !cert) return OpenSslError("cannot make a key");
  X509* x = cert.get();
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslError("no randomness");
  serial[0] &= 0x7f;  // a positive serial number
  std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)))
    return OpenSslError("cannot set a serial number");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string cn = std::string("openecs ") + host;
  X509_NAME* subject = X509_get_subject_name(x);
  if (X509_set_version(x, 2) != 1 || !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) ||
      X509_set_pubkey(x, key.get()) != 1 ||
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(x, subject) != 1)
    return OpenSslError("cannot fill in a certificate");
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  std::vector<std::string> all = names;
  if (host[0]) all.push_back(host);
  for (const auto& n : all) {
    if (n.empty() || n == "0.0.0.0" || n == "::" || n == "localhost" || n == "127.0.0.1" ||
        n.find_first_of(", \t\r\n") != std::string::npos)
      continue;
    san += (IsIpAddress(n) ? ",IP:" : ",DNS:") + n;
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                            {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return OpenSslError("cannot name " + value + " in a certificate");
    int added = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (added != 1) return OpenSslError("cannot add an extension to a certificate");
  }
  if (X509_sign(x, key.get(), EVP_sha256()) == 0) return OpenSslError("cannot sign");
  std::string cert_pem = ToPem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
  std::string key_pem = ToPem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (cert_pem.empty() || key_pem.empty()) return OpenSslError("cannot write PEM");
  return TlsIdentityFromPem(std::move(cert_pem), std::move(key_pem));
}

}  // namespace openecs
