#pragma once
// Accounts: the tenants of the cloud. Each owns its resources (every record's account_id) and
// signs with its own AccessKeys; the operator makes them with `ecsd account create`, possibly
// while a server runs on the same store. So these functions work on the Store directly, never
// on a Cloud's memory: a running server takes a new account in the first time its AccessKey
// signs a request (Cloud::ReloadAccounts).
//
// The root account of OPENECS_ACCESS_KEY_ID/SECRET keeps the id "root"; accounts made here get
// a 16-digit id, as Alibaba Cloud account ids are.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/secret_box.h"
#include "model/resources.h"
#include "store/store.h"

namespace openecs {

// 1..64 characters of letters, digits, '.', '_', '-', starting with a letter or digit.
bool ValidAccountName(const std::string& name);

// Makes an account named `name` with a new AccessKey (returned with its secret, the only time
// it is shown). InvalidParameter for a bad name, EntityAlreadyExists.Account for a name in use.
// Secret fields are sealed with `secrets` when given (service/cloud.h, SealSecretFields).
Result<Account> CreateAccount(Store& store, const SecretBox* secrets, const std::string& name);

// Every account, by id, secrets opened.
Result<std::vector<Account>> ListAccounts(Store& store, const SecretBox* secrets);

// Sets the quota overrides of the account whose id or name is `account` (quota name -> value;
// nullopt removes the override, back to the cloud's default): service/quota_service.h. The
// record is rewritten with compare-and-swap on its version, read again and retried if another
// writer got in between; a running server takes it in at its next Cloud::ReloadAccounts (its
// main loop calls that every second). Returns the account as stored, its secret fields empty.
// InvalidParameter for an unknown account, an unknown quota name or a value out of range.
Result<Account> SetAccountQuotas(Store& store, const std::string& account,
                                 const std::map<std::string, std::optional<int64_t>>& quotas);

}  // namespace openecs
