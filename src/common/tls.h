#pragma once
// TLS for OpenECS's own links (OpenSSL through Boost.Asio): the server's identity and the
// client's trust.
//
// A server without a certificate of its own makes one: an ECDSA P-256 key and a self-signed
// certificate valid for ten years, naming localhost, 127.0.0.1, ::1, this machine's host name
// and the names it is given, kept in a directory (server.crt 0644, server.key 0600) and reused
// at every start, so a client that pinned it keeps trusting it. A client trusts a server either
// by a pinned fingerprint (the SHA-256 of the certificate's DER form, "sha256:<64 hex>", which
// the server prints and writes next to its certificate), or by a CA file, or by the system's
// CAs; the last two check the host name as well.
#include <string>
#include <vector>

#include "common/result.h"

using X509 = struct x509_st;

namespace openecs {

struct TlsIdentity {
  std::string cert_pem;  // the certificate chain, leaf first
  std::string key_pem;
  std::string fingerprint;  // of the leaf: "sha256:<hex>"
};

// A certificate chain and its key in PEM, checked to belong together; the fingerprint is the
// leaf's. (sys/files.h reads and keeps them in files.)
Result<TlsIdentity> TlsIdentityFromPem(std::string cert_pem, std::string key_pem);

// A new key and a self-signed certificate naming `names` (IP addresses or DNS names) besides
// the defaults.
Result<TlsIdentity> MakeSelfSigned(const std::vector<std::string>& names);

// "sha256:<hex>" of a certificate's DER encoding.
std::string CertificateFingerprint(X509* cert);

// How a client decides to trust a server at an https:// endpoint.
struct TlsTrust {
  std::string fingerprint;  // pin the leaf certificate ("sha256:<hex>"); the name is not checked
  std::string ca_file;      // else trust these CAs (PEM), else the system's; the name is checked
};

// A pinned fingerprint as given ("sha256:AB:CD...", "AB CD ...", any case) in the form
// CertificateFingerprint writes, or an error when it is not 32 bytes of hex.
Result<std::string> NormalizeFingerprint(const std::string& given);

}  // namespace openecs
