#include "api/client_token.h"

#include <chrono>

#include "api/action.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"

namespace openecs {

std::string TokenFingerprint(const std::map<std::string, std::string>& params) {
  std::string canon;  // length-prefixed, so no value can imitate another parameter
  for (const auto& [k, v] : params) {
    if (k == "ClientToken") continue;
    canon += std::to_string(k.size()) + ":" + k + std::to_string(v.size()) + ":" + v + ";";
  }
  return Sha256Hex(canon);
}

Result<std::optional<std::string>> ClientTokens::Claim(const std::string& key,
                                                       const std::string& fingerprint,
                                                       const std::string& action) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(60), [&] { return !running_.count(key); }))
      return MakeError(ErrorCode::kLastTokenProcessing);
    running_.insert(key);
  }
  cloud_.CatchUp();  // a shared store: what other servers' calls with this token committed
  auto prior = cloud_.Read<std::optional<IdempotencyRecord>>(
      [&](const State& s) -> std::optional<IdempotencyRecord> {
        auto it = s.idempotency.find(key);
        if (it == s.idempotency.end()) return std::nullopt;
        return it->second;
      });
  if (prior && prior->created < cloud_.Now() - kTokenLifetimeSeconds) {
    (void)cloud_.Write([&](Txn& txn) {
      txn.Erase<IdempotencyRecord>(key);
      return Ok();
    });
    prior.reset();
  }
  if (!prior) return std::optional<std::string>();  // run it; Finish releases
  if (prior->fingerprint != fingerprint) {
    Release(key);
    return MakeError(ErrorCode::kIdempotentParameterMismatch);
  }
  if (prior->pending) {
    // The first call committed its changes and the process ended before its answer was
    // recorded: answer from what it made, and record that answer.
    std::string body = DumpJson(cloud_.Read<nlohmann::json>(
        [&](const State& s) { return ReplyFromMade(action, prior->made, s); }));
    Finish(key, &body);
    return std::optional<std::string>(body);
  }
  Release(key);
  return std::optional<std::string>(prior->response);
}

void ClientTokens::Finish(const std::string& key, const std::string* body) {
  (void)cloud_.Write([&](Txn& txn) {
    auto& table = txn.state().idempotency;
    auto it = table.find(key);
    if (!body) {
      // A record answered already (by a retry on another server of a shared store, which took
      // this call for dead) is that answer's: kept.
      if (it != table.end() && it->second.pending) txn.Erase<IdempotencyRecord>(key);
      return Ok();
    }
    IdempotencyRecord rec;
    if (it != table.end()) rec = it->second;
    rec.id = key;
    if (rec.created == 0) rec.created = txn.now();
    rec.response = *body;
    rec.pending = false;
    txn.Put(std::move(rec));
    return Ok();
  });
  Release(key);
}

void ClientTokens::Release(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(key);
  }
  cv_.notify_all();
}

int ClientTokens::Expire(int64_t now) {
  int n = 0;
  (void)cloud_.Write([&](Txn& txn) {
    std::vector<std::string> old;
    for (const auto& [id, rec] : txn.state().idempotency)
      if (rec.created < now - kTokenLifetimeSeconds && !rec.pending) old.push_back(id);
    for (const auto& id : old) txn.Erase<IdempotencyRecord>(id);
    n = static_cast<int>(old.size());
    return Ok();
  });
  return n;
}

nlohmann::json ReplyFromMade(const std::string& action, const std::vector<std::string>& made,
                             const State& s) {
  using json = nlohmann::json;
  json reply = json::object();
  json instances = json::array();
  for (const std::string& entry : made) {
    size_t colon = entry.find(':');
    if (colon == std::string::npos) continue;
    std::string kind = entry.substr(0, colon), id = entry.substr(colon + 1);
    if (kind == "instance") {
      instances.push_back(id);
    } else if (kind == "disk") {
      reply["DiskId"] = id;
    } else if (kind == "snapshot") {
      reply["SnapshotId"] = id;
    } else if (kind == "task") {
      reply["TaskId"] = id;
    } else if (kind == "image") {
      reply["ImageId"] = id;
    } else if (kind == "vswitch") {
      reply["VSwitchId"] = id;
    } else if (kind == "security_group") {
      reply["SecurityGroupId"] = id;
    } else if (kind == "eni") {
      reply["NetworkInterfaceId"] = id;
    } else if (kind == "vpc") {
      reply["VpcId"] = id;
      if (auto it = s.vpcs.find(id); it != s.vpcs.end()) {
        reply["VRouterId"] = it->second.vrouter_id;
        reply["RouteTableId"] = it->second.route_table_id;
      }
    } else if (kind == "eip") {
      reply["AllocationId"] = id;
      if (auto it = s.eips.find(id); it != s.eips.end())
        reply["EipAddress"] = it->second.ip_address;
    }
  }
  // An instance's disks, tasks and events are its own, not part of the answer.
  if (action == "RunInstances")
    return json{
        {"InstanceIdSets", Wrap("InstanceIdSet", instances)}, {"OrderId", ""}, {"TradePrice", 0}};
  if (action == "CreateInstance" && !instances.empty())
    return json{{"InstanceId", instances[0]}, {"OrderId", ""}, {"TradePrice", 0}};
  return reply;
}

}  // namespace openecs
