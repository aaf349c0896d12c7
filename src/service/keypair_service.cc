#include "service/keypair_service.h"

#include <algorithm>
#include <cctype>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/text.h"
#include "service/resource_group_service.h"

namespace openecs {
namespace {

// "ssh-rsa AAAA... comment" -> fingerprint of the decoded blob, or nullopt if malformed.
std::optional<std::string> Fingerprint(const std::string& public_key) {
  auto parts = Split(Trim(public_key), ' ');
  if (parts.size() < 2) return std::nullopt;
  static const char* kTypes[] = {"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256",
                                 "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"};
  bool known = false;
  for (const char* t : kTypes) known |= parts[0] == t;
  if (!known) return std::nullopt;
  auto blob = Base64Decode(parts[1]);
  if (!blob || blob->size() < 16) return std::nullopt;
  // The blob starts with the length-prefixed key type; it must match.
  uint32_t len = (uint8_t((*blob)[0]) << 24) | (uint8_t((*blob)[1]) << 16) |
                 (uint8_t((*blob)[2]) << 8) | uint8_t((*blob)[3]);
  if (len + 4 > blob->size() || blob->substr(4, len) != parts[0]) return std::nullopt;
  std::string hex = Md5Hex(*blob), out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (!out.empty()) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

// Generates an RSA-2048 key pair (PEM private key, OpenSSH public key), in-process.
Result<std::pair<std::string, std::string>> GenerateRsa() {
  auto pair = GenerateSshRsaKeyPair(2048);
  if (!pair) return MakeError(ErrorCode::kInternalError, "cannot generate an RSA key");
  return std::make_pair(std::move(pair->private_pem), std::move(pair->public_openssh));
}

Result<KeyPair> SaveKeyPair(Cloud& cloud, const std::string& account_id,
                            const std::string& region_id, const std::string& name,
                            const std::string& public_key, const Tags& tags,
                            const std::optional<std::string>& resource_group_id) {
  auto fp = Fingerprint(public_key);
  if (!fp) return MakeError(ErrorCode::kInvalidPublicKeyBody);
  KeyPair out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    if (FindOwned(txn.state().key_pairs, KeyPairKey(account_id, name), account_id))
      return MakeError(ErrorCode::kKeyPairAlreadyExist);
    KeyPair k;
    OPENECS_ASSIGN_OR_RETURN(k.resource_group_id,
                             ResolveResourceGroup(txn.state(), account_id, resource_group_id));
    k.id = KeyPairKey(account_id, name);
    k.name = name;
    k.account_id = account_id;
    k.region_id = region_id;
    k.key_pair_id = NewId("kp");
    k.public_key = Trim(public_key);
    k.fingerprint = *fp;
    k.tags = tags;
    k.creation_time = txn.now();
    out = txn.Put(k);
    return Ok();
  }));
  return out;
}

}  // namespace

Status ValidateKeyPairName(const std::string& name) {
  // 2-128 characters, starts with a letter, letters, digits, '.', '_', '-', ':'.
  if (name.size() < 2 || name.size() > 128 || !std::isalpha(static_cast<unsigned char>(name[0])))
    return MakeError(ErrorCode::kInvalidKeyPairNameMalformed);
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != ':')
      return MakeError(ErrorCode::kInvalidKeyPairNameMalformed);
  return Ok();
}

Result<CreatedKeyPair> CreateKeyPair(Cloud& cloud, const std::string& account_id,
                                     const std::string& region_id, const std::string& name,
                                     const Tags& tags,
                                     const std::optional<std::string>& resource_group_id) {
  OPENECS_RETURN_IF_ERROR(ValidateKeyPairName(name));
  bool exists = cloud.Read<bool>([&](const State& s) {
    return FindOwned(s.key_pairs, KeyPairKey(account_id, name), account_id) != nullptr;
  });
  if (exists) return MakeError(ErrorCode::kKeyPairAlreadyExist);
  OPENECS_ASSIGN_OR_RETURN(auto keys, GenerateRsa());
  OPENECS_ASSIGN_OR_RETURN(KeyPair kp, SaveKeyPair(cloud, account_id, region_id, name, keys.second,
                                                   tags, resource_group_id));
  return CreatedKeyPair{kp, keys.first};
}

Result<KeyPair> ImportKeyPair(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const std::string& name,
                              const std::string& public_key, const Tags& tags,
                              const std::optional<std::string>& resource_group_id) {
  OPENECS_RETURN_IF_ERROR(ValidateKeyPairName(name));
  return SaveKeyPair(cloud, account_id, region_id, name, public_key, tags, resource_group_id);
}

Result<std::vector<KeyPairBinding>> BindKeyPair(Cloud& cloud, const std::string& account_id,
                                                const std::string& name,
                                                const std::vector<std::string>& instance_ids,
                                                bool attach) {
  if (instance_ids.empty() || instance_ids.size() > 50)
    return MakeError(ErrorCode::kInvalidParameter, "Give 1 to 50 InstanceIds.");
  std::vector<KeyPairBinding> out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (!FindOwned(s.key_pairs, KeyPairKey(account_id, name), account_id))
      return MakeError(ErrorCode::kInvalidKeyPairNameNotFound);
    for (const auto& id : instance_ids) {
      KeyPairBinding b{id, std::nullopt};
      Instance* i = FindOwned(s.instances, id, account_id);
      if (!i) {
        b.error = MakeError(ErrorCode::kInvalidInstanceIdNotFound);
      } else if ((i->status != InstanceStatus::kRunning && i->status != InstanceStatus::kStopped) ||
                 i->task != InstanceTask::kNone) {
        b.error = MakeError(ErrorCode::kIncorrectInstanceStatus,
                            "The instance must be Running or Stopped.");
      } else if (!attach && i->key_pair_name != name) {
        b.error = MakeError(ErrorCode::kInvalidParameter,
                            "The key pair " + name + " is not bound to " + id + ".");
      } else {
        i->key_pair_name = attach ? name : "";
        txn.Touch(*i);
      }
      out.push_back(std::move(b));
    }
    return Ok();
  }));
  return out;
}

Status DeleteKeyPairs(Cloud& cloud, const std::string& account_id,
                      const std::vector<std::string>& names) {
  return cloud.Write([&](Txn& txn) -> Status {
    for (const auto& [id, i] : Owned(txn.state().instances, account_id))
      if (!i.key_pair_name.empty() &&
          std::find(names.begin(), names.end(), i.key_pair_name) != names.end())
        return MakeError(ErrorCode::kKeyPairAttached,
                         "The key pair " + i.key_pair_name + " is bound to " + id + ".");
    for (const auto& n : names)
      if (const KeyPair* k =
              FindOwned(txn.state().key_pairs, KeyPairKey(account_id, n), account_id))
        txn.Erase<KeyPair>(k->id);
    return Ok();
  });
}

Status UpgradeKeyPairRecords(Cloud& cloud) {
  return cloud.Write([&](Txn& txn) -> Status {
    auto& table = txn.state().key_pairs;
    std::vector<std::string> stale;  // keys of records to bring up to date
    for (const auto& [key, k] : table)
      if (k.name.empty() || key != KeyPairKey(k.account_id, k.name) || k.id != key)
        stale.push_back(key);
    for (const std::string& key : stale) {
      KeyPair k = table.at(key);
      if (k.name.empty()) {
        // Keyed by its name (older versions), or keyed right but saved without the name.
        std::string prefix = k.account_id + "/";
        k.name = key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key;
      }
      k.id = KeyPairKey(k.account_id, k.name);
      if (k.id == key) {
        table.at(key) = std::move(k);
        txn.Touch(table.at(key));
        continue;
      }
      txn.Erase<KeyPair>(key);
      // Two records for one (account, name) only if an older version ran again after an
      // upgrade and made the name anew: the record this version made stays.
      if (table.count(k.id)) {
        LOG_WARN(
            "key pair {} of account {} is stored twice; the copy under {} (fingerprint {}) "
            "is dropped",
            k.name, k.account_id, key, k.fingerprint);
        continue;
      }
      txn.Put(std::move(k));
    }
    return Ok();
  });
}

}  // namespace openecs
