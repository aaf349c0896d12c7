#include "common/secret_box.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/crypto.h"

namespace openecs {
namespace {

constexpr std::string_view kPrefix = "sealed:v1:";
constexpr size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }

// Makes a new key file without ever exposing a partial one: written beside the target, then
// hard-linked into place (fails if another process got there first; then that key is used).
Status MakeKeyFile(const std::string& path) {
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeyBytes) != 1)
    return Fail("no randomness for a secrets key");
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail("cannot create " + tmp + ": " + std::strerror(errno));
  bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  int linked = written ? ::link(tmp.c_str(), path.c_str()) : -1;
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (!written) return Fail("cannot write " + tmp);
  if (linked != 0 && link_errno != EEXIST)
    return Fail("cannot create " + path + ": " + std::strerror(link_errno));
  return Ok();
}

}  // namespace

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) OPENECS_RETURN_IF_ERROR(MakeKeyFile(path));
  return Load(path);
}

Result<SecretBox> SecretBox::Load(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0)
    return Fail("no secrets key at " + path + " (the server makes it at its first start)");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  if (!in.good() && !in.eof()) return Fail("cannot read " + path);
  if (key.size() != kKeyBytes)
    return Fail(path + " is not a secrets key (" + std::to_string(kKeyBytes) + " bytes)");
  return SecretBox(std::move(key));
}

SecretBox SecretBox::WithKey(std::string key) { return SecretBox(std::move(key)); }

SecretBox SecretBox::Derive(std::string_view label) const {
  auto hex = HmacSha256Hex(key_, label);
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return SecretBox(std::move(raw));
}

std::string SecretBox::DeriveSecret(std::string_view label) const {
  return HmacSha256Hex(key_, std::string("secret:") + std::string(label));
}

bool SecretBox::IsSealed(std::string_view value) { return value.starts_with(kPrefix); }

std::string SecretBox::Seal(std::string_view plaintext) const {
  unsigned char nonce[kNonceBytes];
  // A nonce used twice under one key breaks GCM: without randomness, nothing is sealed.
  if (RAND_bytes(nonce, kNonceBytes) != 1) std::abort();
  std::string out(reinterpret_cast<char*>(nonce), kNonceBytes);
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const unsigned char*>(key_.data()), nonce);
  EVP_EncryptUpdate(ctx.get(), ct, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ct + plaintext.size());
  return std::string(kPrefix) + Base64Encode(out);
}

Result<std::string> SecretBox::Open(std::string_view value) const {
  if (!IsSealed(value)) return std::string(value);
  auto raw = Base64Decode(value.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return Fail("a sealed secret is damaged");
  size_t n = raw->size() - kNonceBytes - kTagBytes;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  std::string out(n, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  std::string tag = raw->substr(kNonceBytes + n);
  bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), bytes) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        bytes + kNonceBytes, static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &fin) == 1;
  if (!ok) return Fail("a sealed secret does not open with this key (another key file?)");
  return out;
}

}  // namespace openecs
