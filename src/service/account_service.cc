#include "service/account_service.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "service/cloud.h"

namespace openecs {

bool ValidAccountName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

Result<std::vector<Account>> ListAccounts(Store& store, const SecretBox* secrets) {
  OPENECS_ASSIGN_OR_RETURN(auto docs, store.LoadAll(Kind<Account>::kName));
  std::vector<Account> out;
  for (const auto& d : docs) {
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    if (j.is_discarded()) continue;
    if (secrets) OPENECS_RETURN_IF_ERROR(OpenSecretFields(*secrets, j));
    try {
      Account a = j.get<Account>();
      a.version = d.version;
      out.push_back(std::move(a));
    } catch (const std::exception&) {
      // a damaged record: Cloud's load reports it
    }
  }
  return out;
}

Result<Account> CreateAccount(Store& store, const SecretBox* secrets, const std::string& name) {
  if (!ValidAccountName(name))
    return MakeError(ErrorCode::kInvalidParameter,
                     "The account name must be 1 to 64 letters, digits, '.', '_' or '-', "
                     "starting with a letter or digit.");
  OPENECS_ASSIGN_OR_RETURN(auto existing, ListAccounts(store, secrets));
  for (const auto& a : existing)
    if (a.name == name)
      return MakeError(ErrorCode::kAccountAlreadyExists,
                       "An account named " + name + " exists already (" + a.id + ").");
  Account a;
  // 16 digits, the first not 0; a collision (one in 10^15) fails the insert below.
  std::string digits;
  while (digits.size() < 16) {
    for (char c : RandomHex(16))
      if (c >= '0' && c <= '9' && digits.size() < 16 && (!digits.empty() || c != '0')) digits += c;
  }
  a.id = digits;
  a.name = name;
  a.creation_time = NowSeconds();
  a.access_key_id = "LTAI" + RandomAlnum(20);
  a.access_key_secret = RandomAlnum(30);
  nlohmann::json j = a;
  j.erase("version");
  if (secrets) SealSecretFields(*secrets, j);
  WriteBatch batch;
  batch.puts.push_back({Kind<Account>::kName, a.id, 1, DumpJson(j)});
  OPENECS_RETURN_IF_ERROR(store.Commit(batch));
  a.version = 1;
  return a;
}

}  // namespace openecs
