#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace openecs {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return Hex(out, len);
}

std::string RawHmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string Sha256Hex(std::string_view data) { return Digest(EVP_sha256(), data); }
std::string Md5Hex(std::string_view data) { return Digest(EVP_md5(), data); }

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  std::string raw = RawHmac(EVP_sha256(), key, data);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  return Base64Encode(RawHmac(EVP_sha1(), key, data));
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n);
  return out;
}

std::optional<std::string> Base64Decode(std::string_view data) {
  std::string clean;
  clean.reserve(data.size());
  for (char c : data) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || c == '=';
    if (!valid) return std::nullopt;
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  if (clean.empty()) return std::string();
  size_t eq = clean.find('=');
  if (eq != std::string::npos &&
      (eq < clean.size() - 2 || clean.find_first_not_of('=', eq) != std::string::npos))
    return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t pad = clean.size() - (eq == std::string::npos ? clean.size() : eq);
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
// Secrets, tokens and passwords come from here: if the CSPRNG cannot give bytes, going on with
// a zeroed buffer would hand out predictable secrets. That is not survivable; stop.
void RandomBytes(unsigned char* out, int n) {
  if (n > 0 && RAND_bytes(out, n) != 1) {
    std::fprintf(stderr, "openecs: the random number generator failed (RAND_bytes)\n");
    std::abort();
  }
}
}  // namespace

std::string RandomHex(int n_bytes) {
  std::string raw(static_cast<size_t>(n_bytes), '\0');
  RandomBytes(reinterpret_cast<unsigned char*>(raw.data()), n_bytes);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string RandomAlnum(int len) {
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(static_cast<size_t>(len));
  unsigned char buf[64];
  while (static_cast<int>(out.size()) < len) {
    RandomBytes(buf, sizeof buf);
    for (unsigned char b : buf) {
      // 252 = 7 * 36: bytes above it are dropped, so every character is equally likely.
      if (b < 252 && static_cast<int>(out.size()) < len) out += kAlphabet[b % 36];
    }
  }
  return out;
}

}  // namespace openecs
