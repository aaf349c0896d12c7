#pragma once
// ClientToken, ECS's idempotency: a call that carries a token and comes again with the same
// token and the same parameters gets the first call's answer and changes nothing; with other
// parameters it is refused (IdempotentParameterMismatch). Records expire after kTokenLifetime.
//
// What makes it hold under retries and crashes:
// - Calls with the same token are serialised in this process: a retry that arrives while the
//   first call runs waits for it (up to 60 s; then LastTokenProcessing), then answers from its
//   record. Concurrent retries make one set of resources.
// - The call runs inside a TokenScope (service/cloud.h): its first committed change records
//   the token, pending, in the same transaction, with the ids of what it created. If the
//   process dies before the answer is recorded, a retry finds the pending record and answers
//   from those ids (the same ids as the first call, never a second set).
// - A call that fails forgets its token, so a retry runs it again.
// - Several servers on one store (service/cloud.h): a claim first takes in what the other
//   servers committed (Cloud::CatchUp), so a retry on another server after the first one died
//   finds the first call's record. Two calls with one token on two servers at once are not
//   serialised by the lock above; the store's write lock is what decides: the second one's
//   first Write finds the token recorded and fails with LastTokenProcessing, changing nothing,
//   and its retry answers from the record.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"
#include "service/cloud.h"

namespace openecs {

constexpr int64_t kTokenLifetimeSeconds = 24 * 3600;

class ClientTokens {
 public:
  explicit ClientTokens(Cloud& cloud) : cloud_(cloud) {}

  // Claims `key` (account/action/token) for a call whose parameters hash to `fingerprint`.
  // Returns the body to answer with when the token was used already (the call must not run),
  // nullopt when the call should run (the caller then must call Finish), or an error.
  Result<std::optional<std::string>> Claim(const std::string& key, const std::string& fingerprint,
                                           const std::string& action);
  // Records the call's answer (`body`, the reply JSON) or, with null, its failure, and lets
  // waiting retries go on.
  void Finish(const std::string& key, const std::string* body);
  // Lets waiting retries go on without touching the token's record: a call that failed before
  // it recorded the token (Finish with null would forget a record another call made).
  void Abandon(const std::string& key) { Release(key); }

  // Removes records older than kTokenLifetimeSeconds; returns how many.
  int Expire(int64_t now);

 private:
  void Release(const std::string& key);
  Cloud& cloud_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> running_;
};

// The answer of a call whose changes were committed but whose answer was lost (a pending
// record): the ids of what it made, under the names the action's reply uses.
nlohmann::json ReplyFromMade(const std::string& action, const std::vector<std::string>& made,
                             const State& state);

// A hash of the call's parameters (not the token itself): the same token with another hash is
// another request.
std::string TokenFingerprint(const std::map<std::string, std::string>& params);

}  // namespace openecs
