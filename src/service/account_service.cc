#include "service/account_service.h"

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "service/cloud.h"
#include "service/quota_service.h"

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

Result<Account> SetAccountQuotas(Store& store, const std::string& account,
                                 const std::map<std::string, std::optional<int64_t>>& quotas) {
  for (const auto& [name, value] : quotas) {
    if (!FindQuota(name))
      return MakeError(ErrorCode::kInvalidParameter, "There is no quota " + name + ".");
    if (value && (*value < 0 || *value > kQuotaMaxValue))
      return MakeError(ErrorCode::kInvalidParameter, "The value of quota " + name +
                                                         " must be a whole number from 0 to " +
                                                         std::to_string(kQuotaMaxValue) + ".");
  }
  // The record is changed as stored (its secret fields stay sealed: no key is needed), and
  // written back only over the version read; a writer in between makes us read it again.
  for (int attempt = 0;; ++attempt) {
    OPENECS_ASSIGN_OR_RETURN(auto docs, store.LoadAll(Kind<Account>::kName));
    const Doc* doc = nullptr;
    nlohmann::json j;
    for (const auto& d : docs) {
      auto parsed = nlohmann::json::parse(d.body, nullptr, false);
      if (!parsed.is_object()) continue;
      if (d.id == account || parsed.value("name", std::string()) == account) {
        doc = &d;
        j = std::move(parsed);
        break;
      }
    }
    if (!doc)
      return MakeError(ErrorCode::kInvalidParameter,
                       "There is no account " + account + " (ecsd account list shows them).");
    nlohmann::json& stored = j["quotas"];
    if (!stored.is_object()) stored = nlohmann::json::object();
    for (const auto& [name, value] : quotas) {
      if (value)
        stored[name] = *value;
      else
        stored.erase(name);
    }
    j.erase("version");
    Account a;
    try {  // what the server will read back
      a = j.get<Account>();
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInternalError,
                       "Account " + doc->id + " is stored damaged: " + e.what());
    }
    WriteBatch batch;
    batch.puts.push_back({Kind<Account>::kName, doc->id, doc->version + 1, DumpJson(j)});
    Status st = store.Commit(batch);
    if (!st.ok() && st.error().code == ErrorCode::kOperationConflict && attempt < 5) continue;
    OPENECS_RETURN_IF_ERROR(st);
    a.version = doc->version + 1;
    a.access_key_secret.clear();
    return a;
  }
}

}  // namespace openecs
