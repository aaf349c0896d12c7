// RAM identities: users, AccessKeys, login profiles and groups, and what the authorizer reads.
// Policies, attachments and roles are in ram_policy_service.cc.
#include "service/ram_service.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "common/clock.h"
#include "common/crypto.h"
#include "iam/policy.h"

namespace openecs {

namespace {

// PBKDF2-HMAC-SHA256 parameters of new console passwords.
constexpr int kPasswordIterations = 20000;
constexpr int kPasswordSaltBytes = 16;
constexpr int kPasswordHashBytes = 32;
constexpr size_t kMaxAccessKeysPerUser = 2;

// `len` characters of [A-Za-z0-9] (CSPRNG, unbiased), as AccessKey ids and secrets are.
std::string RandomMixedAlnum(int len) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[64];
  while (static_cast<int>(out.size()) < len) {
    if (RAND_bytes(buf, sizeof buf) != 1) std::abort();  // as common/crypto does
    for (unsigned char b : buf) {
      // 248 = 4 * 62: bytes at or above it are dropped, so every character is equally likely.
      if (b < 248 && static_cast<int>(out.size()) < len) out += kAlphabet[b % 62];
    }
  }
  return out;
}

std::string HexOf(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

// The bytes of lower-case hex text (a stored salt); "" if it is not hex.
std::string BytesOfHex(const std::string& hex) {
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  if (hex.size() % 2) return out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::string();
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// The PBKDF2-HMAC-SHA256 of `password` with the salt whose hex is `salt_hex`, as hex.
std::string Pbkdf2Hex(const std::string& password, const std::string& salt_hex, int iterations) {
  std::string salt = BytesOfHex(salt_hex);
  unsigned char out[kPasswordHashBytes];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), sizeof out,
                        out) != 1)
    std::abort();  // only on allocation failure
  return HexOf(out, sizeof out);
}

// A new salted hash of `password` (slow: call outside Cloud::Write).
RamLoginProfile HashPassword(const std::string& password) {
  unsigned char salt[kPasswordSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) std::abort();
  RamLoginProfile p;
  p.present = true;
  p.password_salt = HexOf(salt, sizeof salt);
  p.iterations = kPasswordIterations;
  p.password_hash = Pbkdf2Hex(password, p.password_salt, p.iterations);
  return p;
}

size_t CharCount(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xc0) != 0x80; });
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// "<country code>-<number>": 1 to 6 digits, a hyphen, 4 to 32 digits.
bool ValidMobilePhone(const std::string& v) {
  size_t dash = v.find('-');
  if (dash == std::string::npos || dash == 0 || dash > 6 || v.size() - dash - 1 < 4 ||
      v.size() - dash - 1 > 32)
    return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (i != dash && !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
  return true;
}

// local@domain.tld, at most 128 characters, no spaces or control characters.
bool ValidEmail(const std::string& v) {
  if (v.size() > 128 || HasControl(v) || v.find(' ') != std::string::npos) return false;
  size_t at = v.find('@');
  if (at == 0 || at == std::string::npos || v.find('@', at + 1) != std::string::npos) return false;
  size_t dot = v.find('.', at + 2);
  return dot != std::string::npos && dot + 1 < v.size();
}

// The codes of a user's descriptive fields, as CreateUser and UpdateUser name them.
struct UserFieldCodes {
  const char *display_param, *phone_param, *email_param, *comments_param;
  ErrorCode display_chars, display_length, phone, email, comments;
};
constexpr UserFieldCodes kCreateCodes = {"DisplayName",
                                         "MobilePhone",
                                         "Email",
                                         "Comments",
                                         ErrorCode::kRamDisplayNameInvalidChars,
                                         ErrorCode::kRamDisplayNameLength,
                                         ErrorCode::kRamMobilePhoneFormat,
                                         ErrorCode::kRamEmailFormat,
                                         ErrorCode::kRamCommentsLength};
constexpr UserFieldCodes kUpdateCodes = {"NewDisplayName",
                                         "NewMobilePhone",
                                         "NewEmail",
                                         "NewComments",
                                         ErrorCode::kRamNewDisplayNameInvalidChars,
                                         ErrorCode::kRamNewDisplayNameLength,
                                         ErrorCode::kRamNewMobilePhoneFormat,
                                         ErrorCode::kRamNewEmailFormat,
                                         ErrorCode::kRamNewCommentsLength};

Status CheckDisplayName(const std::string& v, const UserFieldCodes& c) {
  if (v.empty() || CharCount(v) > 128)
    return MakeError(c.display_length, std::string("The parameter ") + c.display_param +
                                           " must be 1 to 128 characters.");
  if (HasControl(v))
    return MakeError(c.display_chars, std::string("The parameter ") + c.display_param +
                                          " contains control characters.");
  return Ok();
}
Status CheckPhone(const std::string& v, const UserFieldCodes& c) {
  if (!v.empty() && !ValidMobilePhone(v))
    return MakeError(c.phone, std::string("The parameter ") + c.phone_param +
                                  " must be <country code>-<number>, e.g. 86-18600008888.");
  return Ok();
}
Status CheckEmail(const std::string& v, const UserFieldCodes& c) {
  if (!v.empty() && !ValidEmail(v))
    return MakeError(c.email,
                     std::string("The parameter ") + c.email_param + " is not an email address.");
  return Ok();
}
Status CheckComments(const std::string& v, ErrorCode code, const char* param) {
  if (CharCount(v) > 128)
    return MakeError(code,
                     std::string("The parameter ") + param + " is longer than 128 characters.");
  return Ok();
}

const RamUser* FindUser(const State& s, const std::string& account_id, const std::string& name) {
  return FindOwned(s.ram_users, RamKey(account_id, name), account_id);
}
RamUser* FindUser(State& s, const std::string& account_id, const std::string& name) {
  return FindOwned(s.ram_users, RamKey(account_id, name), account_id);
}
RamGroup* FindGroup(State& s, const std::string& account_id, const std::string& name) {
  return FindOwned(s.ram_groups, RamKey(account_id, name), account_id);
}
const RamGroup* FindGroup(const State& s, const std::string& account_id, const std::string& name) {
  return FindOwned(s.ram_groups, RamKey(account_id, name), account_id);
}

Error UserNotExist(const std::string& name) {
  return MakeError(ErrorCode::kRamUserNotExist, "The user " + name + " does not exist.");
}
Error GroupNotExist(const std::string& name) {
  return MakeError(ErrorCode::kRamGroupNotExist, "The group " + name + " does not exist.");
}

std::string NewUserId(const State& s) {
  for (;;) {
    // 16 digits, the first not 0.
    uint64_t n = std::stoull(RandomHex(8), nullptr, 16);
    std::string id = std::to_string(1000000000000000ULL + n % 9000000000000000ULL);
    bool taken = std::any_of(s.ram_users.begin(), s.ram_users.end(),
                             [&](const auto& kv) { return kv.second.user_id == id; });
    if (!taken) return id;
  }
}

bool AccessKeyIdTaken(const State& s, const std::string& id) {
  if (s.access_keys.count(id)) return true;
  return std::any_of(s.accounts.begin(), s.accounts.end(),
                     [&](const auto& kv) { return kv.second.access_key_id == id; });
}

// The Account's original key, when `user_name` is root ("") and the account has one.
const Account* OriginalKeyHolder(const State& s, const std::string& account_id,
                                 const std::string& user_name) {
  if (!user_name.empty()) return nullptr;
  auto it = s.accounts.find(account_id);
  return it == s.accounts.end() || it->second.access_key_id.empty() ? nullptr : &it->second;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

Status CheckRamName(std::string_view param, const std::string& value) {
  struct Rule {
    std::string_view param;
    ErrorCode chars, length;
    size_t max;
    std::string_view extra;  // allowed besides letters and digits
  };
  static constexpr Rule kRules[] = {
      {"UserName", ErrorCode::kRamUserNameInvalidChars, ErrorCode::kRamUserNameLength, 64, "._-"},
      {"NewUserName", ErrorCode::kRamNewUserNameInvalidChars, ErrorCode::kRamNewUserNameLength, 64,
       "._-"},
      {"GroupName", ErrorCode::kRamGroupNameInvalidChars, ErrorCode::kRamGroupNameLength, 64,
       "._-"},
      {"NewGroupName", ErrorCode::kRamNewGroupNameInvalidChars, ErrorCode::kRamNewGroupNameLength,
       64, "._-"},
      {"RoleName", ErrorCode::kRamRoleNameInvalidChars, ErrorCode::kRamRoleNameLength, 64, ".-"},
      {"PolicyName", ErrorCode::kRamPolicyNameInvalidChars, ErrorCode::kRamPolicyNameLength, 128,
       "-"},
  };
  for (const Rule& r : kRules) {
    if (r.param != param) continue;
    if (value.empty() || value.size() > r.max)
      return MakeError(r.length, "The parameter " + std::string(param) + " must be 1 to " +
                                     std::to_string(r.max) + " characters.");
    for (unsigned char c : value)
      if (!std::isalnum(c) && r.extra.find(static_cast<char>(c)) == std::string_view::npos)
        return MakeError(r.chars, "The parameter " + std::string(param) +
                                      " may contain only letters, digits and \"" +
                                      std::string(r.extra) + "\".");
    return Ok();
  }
  return MakeError(ErrorCode::kInternalError, "no name rule for " + std::string(param));
}

// ---------------------------------------------------------------------------------------------
// For the authorizer

const AccessKey* FindAccessKey(const State& s, const std::string& access_key_id) {
  auto it = s.access_keys.find(access_key_id);
  return it == s.access_keys.end() ? nullptr : &it->second;
}

std::string PolicyDocumentOf(const State& s, const std::string& account_id,
                             const RamAttachment& a) {
  if (a.policy_type == "System") {
    const SystemPolicy* p = FindSystemPolicy(a.policy_name);
    return p ? p->document : "";
  }
  const RamPolicy* p = FindOwned(s.ram_policies, RamKey(account_id, a.policy_name), account_id);
  if (!p) return "";
  for (const auto& v : p->versions)
    if (v.version_id == p->default_version) return v.document;
  return "";
}

std::vector<std::string> PolicyDocumentsOfUser(const State& s, const std::string& account_id,
                                               const std::string& user_name) {
  std::vector<std::string> out;
  const RamUser* u = FindUser(s, account_id, user_name);
  if (!u) return out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](const std::vector<RamAttachment>& attached) {
    for (const auto& a : attached) {
      if (!seen.insert({a.policy_type, a.policy_name}).second) continue;
      std::string doc = PolicyDocumentOf(s, account_id, a);
      if (!doc.empty()) out.push_back(std::move(doc));
    }
  };
  add(u->policies);
  for (const auto& m : u->groups)
    if (const RamGroup* g = FindGroup(s, account_id, m.group_name)) add(g->policies);
  return out;
}

bool CheckConsolePassword(const State& s, const std::string& account_id,
                          const std::string& user_name, const std::string& password) {
  const RamUser* u = FindUser(s, account_id, user_name);
  if (!u || !u->login_profile.present || u->login_profile.iterations <= 0) {
    // The same work as a real check, so that timing does not tell which users have passwords.
    Pbkdf2Hex(password, "00000000000000000000000000000000", kPasswordIterations);
    return false;
  }
  const RamLoginProfile& p = u->login_profile;
  return ConstantTimeEquals(Pbkdf2Hex(password, p.password_salt, p.iterations), p.password_hash);
}

// ---------------------------------------------------------------------------------------------
// Users

Result<RamUser> CreateRamUser(Cloud& cloud, const std::string& account_id, const RamUserInput& in) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", in.name));
  std::string display = in.display_name.empty() ? in.name : in.display_name;
  OPENECS_RETURN_IF_ERROR(CheckDisplayName(display, kCreateCodes));
  OPENECS_RETURN_IF_ERROR(CheckPhone(in.mobile_phone, kCreateCodes));
  OPENECS_RETURN_IF_ERROR(CheckEmail(in.email, kCreateCodes));
  OPENECS_RETURN_IF_ERROR(CheckComments(in.comments, ErrorCode::kRamCommentsLength, "Comments"));
  RamUser out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (FindUser(s, account_id, in.name))
      return MakeError(ErrorCode::kRamUserAlreadyExists,
                       "The user " + in.name + " already exists.");
    RamUser u;
    u.id = RamKey(account_id, in.name);
    u.account_id = account_id;
    u.name = in.name;
    u.user_id = NewUserId(s);
    u.display_name = display;
    u.mobile_phone = in.mobile_phone;
    u.email = in.email;
    u.comments = in.comments;
    u.create_date = u.update_date = txn.now();
    out = txn.Put(std::move(u));
    return Ok();
  }));
  return out;
}

Result<RamUser> GetRamUser(const State& s, const std::string& account_id, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", name));
  const RamUser* u = FindUser(s, account_id, name);
  if (!u) return UserNotExist(name);
  return *u;
}

Result<RamUser> UpdateRamUser(Cloud& cloud, const std::string& account_id, const std::string& name,
                              const RamUserUpdate& up) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", name));
  if (up.new_name) OPENECS_RETURN_IF_ERROR(CheckRamName("NewUserName", *up.new_name));
  if (up.new_display_name)
    OPENECS_RETURN_IF_ERROR(CheckDisplayName(*up.new_display_name, kUpdateCodes));
  if (up.new_mobile_phone) OPENECS_RETURN_IF_ERROR(CheckPhone(*up.new_mobile_phone, kUpdateCodes));
  if (up.new_email) OPENECS_RETURN_IF_ERROR(CheckEmail(*up.new_email, kUpdateCodes));
  if (up.new_comments)
    OPENECS_RETURN_IF_ERROR(
        CheckComments(*up.new_comments, ErrorCode::kRamNewCommentsLength, "NewComments"));
  RamUser out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamUser* found = FindUser(s, account_id, name);
    if (!found) return UserNotExist(name);
    bool rename = up.new_name && *up.new_name != name;
    if (rename && FindUser(s, account_id, *up.new_name))
      return MakeError(ErrorCode::kRamUserAlreadyExists,
                       "The user " + *up.new_name + " already exists.");
    RamUser u = *found;
    if (up.new_display_name) u.display_name = *up.new_display_name;
    if (up.new_mobile_phone) u.mobile_phone = *up.new_mobile_phone;
    if (up.new_email) u.email = *up.new_email;
    if (up.new_comments) u.comments = *up.new_comments;
    u.update_date = txn.now();
    if (rename) {
      // The record moves to its new key; the user's AccessKeys follow it.
      txn.Erase<RamUser>(u.id);
      u.name = *up.new_name;
      u.id = RamKey(account_id, u.name);
      for (auto& [id, k] : Owned(s.access_keys, account_id)) {
        if (k.user_name != name) continue;
        k.user_name = u.name;
        txn.Touch(k);
      }
    }
    out = txn.Put(std::move(u));
    return Ok();
  }));
  return out;
}

std::vector<RamUser> ListRamUsers(const State& s, const std::string& account_id) {
  return OwnedRecords(s.ram_users, account_id);  // keyed account/name: in name order
}

Status DeleteRamUser(Cloud& cloud, const std::string& account_id, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamUser* u = FindUser(s, account_id, name);
    if (!u) return UserNotExist(name);
    for (const auto& [id, k] : Owned(s.access_keys, account_id))
      if (k.user_name == name)
        return MakeError(ErrorCode::kRamDeleteConflictUserAccessKey,
                         "The user " + name + " still has AccessKey " + id + "; delete it first.");
    if (!u->groups.empty())
      return MakeError(ErrorCode::kRamDeleteConflictUserGroup,
                       "The user " + name + " is still in group " + u->groups[0].group_name +
                           "; remove it from its groups first.");
    if (!u->policies.empty())
      return MakeError(ErrorCode::kRamDeleteConflictUserPolicy,
                       "The user " + name + " still has policy " + u->policies[0].policy_name +
                           " attached; detach its policies first.");
    if (u->login_profile.present)
      return MakeError(ErrorCode::kRamDeleteConflictUserLoginProfile,
                       "The user " + name + " still has a login profile; delete it first.");
    txn.Erase<RamUser>(u->id);
    return Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// AccessKeys

Result<std::string> AccessKeyOwner(const Principal& caller,
                                   const std::optional<std::string>& user_name) {
  if (user_name) {
    OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", *user_name));
    return *user_name;
  }
  switch (caller.type) {
    case Principal::Type::kRoot:
      return std::string();
    case Principal::Type::kUser:
      return caller.user_name;
    case Principal::Type::kAssumedRole:
      break;
  }
  return MakeError(ErrorCode::kMissingParameter,
                   "The input parameter \"UserName\" that is mandatory for processing this "
                   "request is not supplied (a role has no AccessKeys of its own).");
}

Result<AccessKey> CreateRamAccessKey(Cloud& cloud, const std::string& account_id,
                                     const std::string& user_name) {
  AccessKey out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    if (!user_name.empty() && !FindUser(s, account_id, user_name)) return UserNotExist(user_name);
    size_t have = OriginalKeyHolder(s, account_id, user_name) ? 1 : 0;
    for (const auto& [id, k] : Owned(s.access_keys, account_id))
      if (k.user_name == user_name) ++have;
    if (have >= kMaxAccessKeysPerUser)
      return MakeError(ErrorCode::kRamLimitExceededAccessKey,
                       (user_name.empty() ? std::string("The account") : "The user " + user_name) +
                           " already has " + std::to_string(have) +
                           " AccessKeys, the most it may have; delete one first.");
    AccessKey k;
    do {
      k.id = "LTAI" + RandomMixedAlnum(20);
    } while (AccessKeyIdTaken(s, k.id));
    k.account_id = account_id;
    k.user_name = user_name;
    k.secret = RandomMixedAlnum(30);
    k.status = "Active";
    k.create_date = txn.now();
    out = txn.Put(std::move(k));
    return Ok();
  }));
  return out;
}

Result<std::vector<AccessKeyView>> ListRamAccessKeys(const State& s, const std::string& account_id,
                                                     const std::string& user_name) {
  if (!user_name.empty() && !FindUser(s, account_id, user_name)) return UserNotExist(user_name);
  std::vector<AccessKeyView> out;
  if (const Account* a = OriginalKeyHolder(s, account_id, user_name))
    out.push_back({a->access_key_id, "Active", a->creation_time});
  std::vector<AccessKeyView> keys;
  for (const auto& [id, k] : Owned(s.access_keys, account_id))
    if (k.user_name == user_name) keys.push_back({k.id, k.status, k.create_date});
  std::stable_sort(keys.begin(), keys.end(), [](const AccessKeyView& a, const AccessKeyView& b) {
    return a.create_date < b.create_date;
  });
  out.insert(out.end(), keys.begin(), keys.end());
  return out;
}

namespace {
// The key `key_id` of `user_name` ("" = root) for a change: EntityNotExist.User for an unknown
// user, EntityNotExist.User.AccessKey for a key that is not that user's, Forbidden for the
// Account's original key.
Result<AccessKey*> KeyToChange(State& s, const std::string& account_id,
                               const std::string& user_name, const std::string& key_id) {
  if (!user_name.empty() && !FindUser(s, account_id, user_name)) return UserNotExist(user_name);
  if (const Account* a = OriginalKeyHolder(s, account_id, user_name);
      a && a->access_key_id == key_id)
    return MakeError(ErrorCode::kForbidden,
                     "The AccessKey " + key_id +
                         " is the account's original key (its configuration); it cannot be "
                         "changed or deleted through RAM.");
  AccessKey* k = FindOwned(s.access_keys, key_id, account_id);
  if (!k || k->user_name != user_name)
    return MakeError(ErrorCode::kRamAccessKeyNotExist,
                     "The AccessKey " + key_id + " does not exist" +
                         (user_name.empty() ? std::string(".") : " for user " + user_name + "."));
  return k;
}
}  // namespace

Status UpdateRamAccessKey(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                          const std::string& key_id, const std::string& status) {
  if (status != "Active" && status != "Inactive")
    return MakeError(ErrorCode::kInvalidParameter,
                     "The parameter Status must be Active or Inactive.");
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(AccessKey * k,
                             KeyToChange(txn.state(), account_id, user_name, key_id));
    if (k->status == status) return Ok();
    k->status = status;
    txn.Touch(*k);
    return Ok();
  });
}

Status DeleteRamAccessKey(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                          const std::string& key_id) {
  return cloud.Write([&](Txn& txn) -> Status {
    OPENECS_ASSIGN_OR_RETURN(AccessKey * k,
                             KeyToChange(txn.state(), account_id, user_name, key_id));
    txn.Erase<AccessKey>(k->id);
    return Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Login profiles

Status CheckPasswordPolicy(const std::string& password) {
  if (password.size() < 8 || password.size() > 32)
    return MakeError(ErrorCode::kRamPasswordTooWeak,
                     "The parameter Password is not compliant with the password policy: it must "
                     "be 8 to 32 characters.");
  for (unsigned char c : password)
    if (c <= 0x20 || c >= 0x7f)
      return MakeError(ErrorCode::kRamPasswordTooWeak,
                       "The parameter Password is not compliant with the password policy: "
                       "letters, digits and printable symbols only, no spaces.");
  return Ok();
}

Result<RamUser> CreateLoginProfile(Cloud& cloud, const std::string& account_id,
                                   const std::string& user_name, const std::string& password,
                                   bool password_reset_required, bool mfa_bind_required) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", user_name));
  OPENECS_RETURN_IF_ERROR(CheckPasswordPolicy(password));
  RamLoginProfile profile = HashPassword(password);  // outside the lock: it takes milliseconds
  profile.password_reset_required = password_reset_required;
  profile.mfa_bind_required = mfa_bind_required;
  RamUser out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    RamUser* u = FindUser(txn.state(), account_id, user_name);
    if (!u) return UserNotExist(user_name);
    if (u->login_profile.present)
      return MakeError(ErrorCode::kRamLoginProfileAlreadyExists,
                       "The user " + user_name + " already has a login profile.");
    profile.create_date = txn.now();
    u->login_profile = profile;
    txn.Touch(*u);
    out = *u;
    return Ok();
  }));
  return out;
}

Result<RamUser> GetLoginProfile(const State& s, const std::string& account_id,
                                const std::string& user_name) {
  OPENECS_ASSIGN_OR_RETURN(RamUser u, GetRamUser(s, account_id, user_name));
  if (!u.login_profile.present)
    return MakeError(ErrorCode::kRamLoginProfileNotExist,
                     "The user " + user_name + " has no login profile.");
  return u;
}

Result<RamUser> UpdateLoginProfile(Cloud& cloud, const std::string& account_id,
                                   const std::string& user_name, const LoginProfileUpdate& update) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", user_name));
  std::optional<RamLoginProfile> hashed;
  if (update.password) {
    OPENECS_RETURN_IF_ERROR(CheckPasswordPolicy(*update.password));
    hashed = HashPassword(*update.password);
  }
  RamUser out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    RamUser* u = FindUser(txn.state(), account_id, user_name);
    if (!u) return UserNotExist(user_name);
    RamLoginProfile& p = u->login_profile;
    if (!p.present)
      return MakeError(ErrorCode::kRamLoginProfileNotExist,
                       "The user " + user_name + " has no login profile.");
    if (hashed) {
      p.password_salt = hashed->password_salt;
      p.password_hash = hashed->password_hash;
      p.iterations = hashed->iterations;
    }
    if (update.password_reset_required) p.password_reset_required = *update.password_reset_required;
    if (update.mfa_bind_required) p.mfa_bind_required = *update.mfa_bind_required;
    txn.Touch(*u);
    out = *u;
    return Ok();
  }));
  return out;
}

Status DeleteLoginProfile(Cloud& cloud, const std::string& account_id,
                          const std::string& user_name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", user_name));
  return cloud.Write([&](Txn& txn) -> Status {
    RamUser* u = FindUser(txn.state(), account_id, user_name);
    if (!u) return UserNotExist(user_name);
    if (!u->login_profile.present)
      return MakeError(ErrorCode::kRamLoginProfileNotExist,
                       "The user " + user_name + " has no login profile.");
    u->login_profile = RamLoginProfile{};
    txn.Touch(*u);
    return Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Groups

Result<RamGroup> CreateRamGroup(Cloud& cloud, const std::string& account_id,
                                const std::string& name, const std::string& comments) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", name));
  OPENECS_RETURN_IF_ERROR(CheckComments(comments, ErrorCode::kRamCommentsLength, "Comments"));
  RamGroup out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    if (FindGroup(txn.state(), account_id, name))
      return MakeError(ErrorCode::kRamGroupAlreadyExists, "The group " + name + " already exists.");
    RamGroup g;
    g.id = RamKey(account_id, name);
    g.account_id = account_id;
    g.name = name;
    g.group_id = "g-" + RandomAlnum(16);
    g.comments = comments;
    g.create_date = g.update_date = txn.now();
    out = txn.Put(std::move(g));
    return Ok();
  }));
  return out;
}

Result<RamGroup> GetRamGroup(const State& s, const std::string& account_id,
                             const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", name));
  const RamGroup* g = FindGroup(s, account_id, name);
  if (!g) return GroupNotExist(name);
  return *g;
}

Result<RamGroup> UpdateRamGroup(Cloud& cloud, const std::string& account_id,
                                const std::string& name, const std::optional<std::string>& new_name,
                                const std::optional<std::string>& new_comments) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", name));
  if (new_name) OPENECS_RETURN_IF_ERROR(CheckRamName("NewGroupName", *new_name));
  if (new_comments)
    OPENECS_RETURN_IF_ERROR(
        CheckComments(*new_comments, ErrorCode::kRamNewCommentsLength, "NewComments"));
  RamGroup out;
  OPENECS_RETURN_IF_ERROR(cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamGroup* found = FindGroup(s, account_id, name);
    if (!found) return GroupNotExist(name);
    bool rename = new_name && *new_name != name;
    if (rename && FindGroup(s, account_id, *new_name))
      return MakeError(ErrorCode::kRamGroupAlreadyExists,
                       "The group " + *new_name + " already exists.");
    RamGroup g = *found;
    if (new_comments) g.comments = *new_comments;
    g.update_date = txn.now();
    if (rename) {
      // The record moves to its new key; its members' memberships follow it.
      txn.Erase<RamGroup>(g.id);
      g.name = *new_name;
      g.id = RamKey(account_id, g.name);
      for (auto& [id, u] : Owned(s.ram_users, account_id)) {
        bool changed = false;
        for (auto& m : u.groups)
          if (m.group_name == name) m.group_name = g.name, changed = true;
        if (changed) txn.Touch(u);
      }
    }
    out = txn.Put(std::move(g));
    return Ok();
  }));
  return out;
}

std::vector<RamGroup> ListRamGroups(const State& s, const std::string& account_id) {
  return OwnedRecords(s.ram_groups, account_id);  // keyed account/name: in name order
}

Status DeleteRamGroup(Cloud& cloud, const std::string& account_id, const std::string& name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamGroup* g = FindGroup(s, account_id, name);
    if (!g) return GroupNotExist(name);
    for (const auto& [id, u] : Owned(s.ram_users, account_id))
      for (const auto& m : u.groups)
        if (m.group_name == name)
          return MakeError(
              ErrorCode::kRamDeleteConflictGroupUser,
              "The group " + name + " still has member " + u.name + "; remove its members first.");
    if (!g->policies.empty())
      return MakeError(ErrorCode::kRamDeleteConflictGroupPolicy,
                       "The group " + name + " still has policy " + g->policies[0].policy_name +
                           " attached; detach its policies first.");
    txn.Erase<RamGroup>(g->id);
    return Ok();
  });
}

Status AddUserToGroup(Cloud& cloud, const std::string& account_id, const std::string& user_name,
                      const std::string& group_name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", user_name));
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", group_name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamUser* u = FindUser(s, account_id, user_name);
    if (!u) return UserNotExist(user_name);
    if (!FindGroup(s, account_id, group_name)) return GroupNotExist(group_name);
    for (const auto& m : u->groups)
      if (m.group_name == group_name)
        return MakeError(ErrorCode::kRamUserGroupAlreadyExists,
                         "The user " + user_name + " is already in group " + group_name + ".");
    u->groups.push_back({group_name, txn.now()});
    txn.Touch(*u);
    return Ok();
  });
}

Status RemoveUserFromGroup(Cloud& cloud, const std::string& account_id,
                           const std::string& user_name, const std::string& group_name) {
  OPENECS_RETURN_IF_ERROR(CheckRamName("UserName", user_name));
  OPENECS_RETURN_IF_ERROR(CheckRamName("GroupName", group_name));
  return cloud.Write([&](Txn& txn) -> Status {
    State& s = txn.state();
    RamUser* u = FindUser(s, account_id, user_name);
    if (!u) return UserNotExist(user_name);
    if (!FindGroup(s, account_id, group_name)) return GroupNotExist(group_name);
    auto it = std::find_if(u->groups.begin(), u->groups.end(),
                           [&](const RamMembership& m) { return m.group_name == group_name; });
    if (it == u->groups.end())
      return MakeError(ErrorCode::kRamUserGroupNotExist,
                       "The user " + user_name + " is not in group " + group_name + ".");
    u->groups.erase(it);
    txn.Touch(*u);
    return Ok();
  });
}

Result<std::vector<GroupMembership>> ListGroupsForUser(const State& s,
                                                       const std::string& account_id,
                                                       const std::string& user_name) {
  OPENECS_ASSIGN_OR_RETURN(RamUser u, GetRamUser(s, account_id, user_name));
  std::vector<GroupMembership> out;
  for (const auto& m : u.groups)
    if (const RamGroup* g = FindGroup(s, account_id, m.group_name))
      out.push_back({*g, m.join_date});
  return out;
}

Result<std::vector<GroupMember>> ListUsersForGroup(const State& s, const std::string& account_id,
                                                   const std::string& group_name) {
  OPENECS_RETURN_IF_ERROR(GetRamGroup(s, account_id, group_name));
  std::vector<GroupMember> out;
  for (const RamUser& u : ListRamUsers(s, account_id))
    for (const auto& m : u.groups)
      if (m.group_name == group_name) out.push_back({u, m.join_date});
  return out;
}

}  // namespace openecs
