#pragma once
// SSH key pairs. CreateKeyPair generates an RSA key (in-process, OpenSSL) and returns the
// private key once; ImportKeyPair takes an OpenSSH public key. The fingerprint is the MD5 of the
// key blob, colon-separated, as ECS shows it.
#include <optional>
#include <string>
#include <vector>

#include "service/cloud.h"

namespace openecs {

struct CreatedKeyPair {
  KeyPair key_pair;
  std::string private_key;  // PEM, only from Create
};

// `resource_group_id`: the key pair's group (resource_group_service.h).
Result<CreatedKeyPair> CreateKeyPair(Cloud& cloud, const std::string& account_id,
                                     const std::string& region_id, const std::string& name,
                                     const Tags& tags,
                                     const std::optional<std::string>& resource_group_id);
Result<KeyPair> ImportKeyPair(Cloud& cloud, const std::string& account_id,
                              const std::string& region_id, const std::string& name,
                              const std::string& public_key, const Tags& tags,
                              const std::optional<std::string>& resource_group_id);
// Deletes the named key pairs; names that do not exist are ignored (as on ECS). Refused whole
// (InvalidParameter.KeypairAlreadyAttachedInstance) while an instance is bound to one of them.
Status DeleteKeyPairs(Cloud& cloud, const std::string& account_id,
                      const std::vector<std::string>& names);
Status ValidateKeyPairName(const std::string& name);
// Brings key pair records made by older versions up to date, at startup: those were keyed by
// their name alone (names were unique across accounts) and had no `name` field; each is put
// under KeyPairKey(account_id, name), with its name, in one Write. Records already up to date
// are left alone, so running it again changes nothing.
Status UpgradeKeyPairRecords(Cloud& cloud);

// AttachKeyPair / DetachKeyPair: the key pair an instance's guest authorises, applied at its
// next boot (the metadata service serves it; ECS asks for a restart too). Attach replaces the
// instance's key pair; detach needs it to be this one. The key pair must exist
// (InvalidKeyPairName.NotFound); each instance succeeds or fails on its own, Running or Stopped.
struct KeyPairBinding {
  std::string instance_id;
  std::optional<Error> error;
};
Result<std::vector<KeyPairBinding>> BindKeyPair(Cloud& cloud, const std::string& account_id,
                                                const std::string& name,
                                                const std::vector<std::string>& instance_ids,
                                                bool attach);

}  // namespace openecs
