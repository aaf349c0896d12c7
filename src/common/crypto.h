#pragma once
// Hashes, MACs, encodings and randomness (OpenSSL underneath). All functions are
// thread-safe and never fail on valid input; Base64Decode reports malformed input.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openecs {

std::string Sha256Hex(std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string HmacSha1Base64(std::string_view key, std::string_view data);
std::string Md5Hex(std::string_view data);
std::string Base64Encode(std::string_view data);
// Strict standard Base64 (padding required, whitespace ignored); nullopt if malformed.
std::optional<std::string> Base64Decode(std::string_view data);
// SipHash-2-4 of `data` under a 16-byte key: a keyed 64-bit hash for tables whose keys come
// from clients (without the key, no one can choose keys that collide).
using SipHashKey = std::array<unsigned char, 16>;
uint64_t SipHash24(const SipHashKey& key, std::string_view data);
// Bytes as lowercase hex (two characters a byte).
std::string HexEncode(std::string_view bytes);
// Lower- or upper-case hex to bytes; nullopt if `hex` has an odd length or another character.
std::optional<std::string> HexDecode(std::string_view hex);
// Equality that takes the same time wherever the strings differ (for secrets and MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// n random bytes as 2n lowercase hex characters (CSPRNG).
std::string RandomHex(int n_bytes);
// Random string of `len` characters from [a-z0-9].
std::string RandomAlnum(int len);

// A new RSA key pair, as ECS's CreateKeyPair hands it out: the private key in PEM ("BEGIN RSA
// PRIVATE KEY", what `ssh-keygen -m PEM` writes) and the public key in OpenSSH's one-line form
// ("ssh-rsa AAAA..."), made in-process; nullopt only if OpenSSL cannot make one.
struct SshKeyPair {
  std::string private_pem;
  std::string public_openssh;
};
std::optional<SshKeyPair> GenerateSshRsaKeyPair(int bits = 2048);

}  // namespace openecs
