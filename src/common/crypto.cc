#include "common/crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>

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

// OpenSSL 3 looks an algorithm up (a lock and a search by name) each time a legacy EVP_sha1()
// is used or HMAC() is called, and every API request hashes several times: each digest is
// fetched once and kept (an EVP_MD from EVP_MD_fetch may be shared by threads).
const EVP_MD* Fetched(const char* name, const EVP_MD* legacy) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md ? md : legacy;
}
const EVP_MD* Sha1() {
  static const EVP_MD* md = Fetched("SHA1", EVP_sha1());
  return md;
}
const EVP_MD* Sha256() {
  static const EVP_MD* md = Fetched("SHA256", EVP_sha256());
  return md;
}

// One EVP_MD_CTX per thread, reset by each EVP_DigestInit_ex.
EVP_MD_CTX* ThreadDigestContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  return ctx.get();
}

// H(parts...) into out; returns the digest's length.
unsigned int DigestInto(const EVP_MD* md, std::initializer_list<std::string_view> parts,
                        unsigned char* out) {
  EVP_MD_CTX* ctx = ThreadDigestContext();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, md, nullptr);
  for (std::string_view p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  EVP_DigestFinal_ex(ctx, out, &len);
  return len;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = DigestInto(md, {data}, out);
  return Hex(out, len);
}

// HMAC (RFC 2104) over a fetched digest: H((K ^ opad) || H((K ^ ipad) || data)).
std::string RawHmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  const auto block = static_cast<size_t>(EVP_MD_get_block_size(md));
  unsigned char k[EVP_MAX_MD_SIZE > 128 ? EVP_MAX_MD_SIZE : 128] = {};
  if (key.size() > block) {
    DigestInto(md, {key}, k);
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  unsigned char pad[128];
  for (size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x36;
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned int inner_len =
      DigestInto(md, {std::string_view(reinterpret_cast<char*>(pad), block), data}, inner);
  for (size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x5c;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = DigestInto(md,
                                {std::string_view(reinterpret_cast<char*>(pad), block),
                                 std::string_view(reinterpret_cast<char*>(inner), inner_len)},
                                out);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string Sha256Hex(std::string_view data) { return Digest(Sha256(), data); }
std::string Md5Hex(std::string_view data) { return Digest(EVP_md5(), data); }

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  std::string raw = RawHmac(Sha256(), key, data);
  return Hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  return Base64Encode(RawHmac(Sha1(), key, data));
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

std::string HexEncode(std::string_view bytes) {
  return Hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::optional<std::string> HexDecode(std::string_view hex) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
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

namespace {
uint64_t LittleEndian64(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
}  // namespace

// As in Aumasson and Bernstein's paper: 2 compression rounds per 8-byte word, 4 at the end; the
// last word holds the remaining bytes and the length's low byte on top.
uint64_t SipHash24(const SipHashKey& key, std::string_view data) {
  const uint64_t k0 = LittleEndian64(key.data(), 8), k1 = LittleEndian64(key.data() + 8, 8);
  uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL,
           v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1, v1 = Rotl(v1, 13), v1 ^= v0, v0 = Rotl(v0, 32);
    v2 += v3, v3 = Rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = Rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = Rotl(v1, 17), v1 ^= v2, v2 = Rotl(v2, 32);
  };
  auto compress = [&](uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) compress(LittleEndian64(p + i, 8));
  compress(LittleEndian64(p + whole, data.size() - whole) |
           (static_cast<uint64_t>(data.size()) << 56));
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

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

namespace {
// SSH's "string" and "mpint" wire forms (RFC 4251 section 5).
void PutSshString(std::string& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
  out += s;
}
void PutSshMpint(std::string& out, const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(0, 1, '\0');
  PutSshString(out, bytes);
}
}  // namespace

std::optional<SshKeyPair> GenerateSshRsaKeyPair(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (!key) return std::nullopt;
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  std::optional<SshKeyPair> out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
      EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
      PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string blob;
    PutSshString(blob, "ssh-rsa");
    PutSshMpint(blob, e);
    PutSshMpint(blob, n);
    out = SshKeyPair{std::string(data, static_cast<size_t>(len)), "ssh-rsa " + Base64Encode(blob)};
  }
  BIO_free(bio);
  BN_free(n);
  BN_free(e);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace openecs
