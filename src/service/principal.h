#pragma once
// Who is calling: the identity an authenticated request acts as. The account owns every
// resource the call may see; the rest decides which RAM policies apply (api/authorizer.h).
#include <string>

namespace openecs {

struct Principal {
  enum class Type {
    kRoot,         // the account itself (its own AccessKey): every action on its resources
    kUser,         // a RAM user's AccessKey: what the user's and its groups' policies allow
    kAssumedRole,  // STS credentials from AssumeRole: the role's policies (and inline policy)
  };
  Type type = Type::kRoot;
  std::string account_id;
  std::string access_key_id;      // the key that signed the request
  std::string user_name;          // kUser
  std::string user_id;            // kUser: the RAM UserId
  std::string role_name;          // kAssumedRole
  std::string role_id;            // kAssumedRole: its RoleId (a role made again is another)
  std::string session_name;       // kAssumedRole: RoleSessionName
  std::string inline_policy;      // kAssumedRole: the Policy given to AssumeRole ("" = none)
  bool secure_transport = false;  // the request came over TLS
  std::string source_ip;          // the peer's address

  static Principal Root(std::string account) {
    Principal p;
    p.account_id = std::move(account);
    return p;
  }
};

// What signs a request: the AccessKey's secret, and the identity the key stands for
// (service/identity_service.h finds it; api/auth.h checks the signature with it).
struct Credential {
  std::string secret;
  Principal principal;  // access_key_id, secure_transport and source_ip are filled in by Verify
};

}  // namespace openecs
