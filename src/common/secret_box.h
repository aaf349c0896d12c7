#pragma once
// Secrets at rest: AES-256-GCM under a key kept in a file of its own (0600, outside the
// database), so a copy of the database alone does not give away AccessKey secrets or guest
// passwords. The store layer seals the named secret fields of every record it writes and opens
// them as it reads (service/cloud.h); an operator command writing records (`ecsd account
// create`) uses the same key file.
//
// A sealed value is text: "sealed:v1:" + Base64(12-byte nonce | ciphertext | 16-byte tag).
// Values without the prefix are plaintext from before sealing existed; they are read as they
// are and sealed at their next write. Thread-safe (const methods only after construction).
#include <string>
#include <string_view>

#include "common/result.h"

namespace openecs {

class SecretBox {
 public:
  // Reads the 32-byte key from `path`, or makes one there (0600, written atomically) when the
  // file does not exist. Fails if the file exists with another size or cannot be made.
  static Result<SecretBox> LoadOrCreate(const std::string& path);
  // Reads the key at `path`; fails if there is none (an operator command must use the
  // server's key, never make a second one).
  static Result<SecretBox> Load(const std::string& path);
  // A box with a given key (32 bytes), for tests.
  static SecretBox WithKey(std::string key);

  std::string Seal(std::string_view plaintext) const;
  // The plaintext of a sealed value; a value that is not sealed is returned as it is. Fails
  // (InternalError) when the value is sealed under another key or damaged.
  Result<std::string> Open(std::string_view value) const;
  static bool IsSealed(std::string_view value);
  // A box under a key derived from this one for one purpose (HMAC-SHA256 of `label`), so
  // values sealed for one use (STS tokens) never open as another's (stored secrets).
  SecretBox Derive(std::string_view label) const;
  // A secret derived for `label` (HMAC-SHA256, hex): the same for the same label and key.
  std::string DeriveSecret(std::string_view label) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace openecs
