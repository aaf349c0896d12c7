#include "service/cloud.h"

#include <chrono>
#include <cstdlib>

#include "common/log.h"

namespace openecs {

template <typename T>
Status Cloud::LoadKind() {
  OPENECS_ASSIGN_OR_RETURN(auto docs, store_->LoadAll(Kind<T>::kName));
  auto& table = Kind<T>::Table(state_);
  for (auto& d : docs) {
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    if (j.is_discarded())
      return MakeError(ErrorCode::kInternalError,
                       std::string("corrupt ") + Kind<T>::kName + " record " + d.id);
    T rec = j.template get<T>();
    rec.version = d.version;
    table[d.id] = std::move(rec);
  }
  return Ok();
}

Result<std::unique_ptr<Cloud>> Cloud::Open(Store* store, CloudConfig config) {
  std::unique_ptr<Cloud> c(new Cloud(store, std::move(config)));
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Instance>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Disk>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Vpc>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<VSwitch>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<SecurityGroup>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<KeyPair>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Host>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<IdempotencyRecord>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Account>());
  return c;
}

template <typename T>
void Cloud::Serialize(Txn& txn, WriteBatch& batch, const std::string& id) {
  auto& table = Kind<T>::Table(state_);
  auto it = table.find(id);
  if (it == table.end()) return;
  nlohmann::json j = it->second;
  j.erase("version");
  batch.puts.push_back({Kind<T>::kName, id, it->second.version + 1, j.dump()});
}

Status Cloud::Write(const std::function<Status(Txn&)>& fn) {
  bool bump = false;
  {
    std::unique_lock lock(mu_);
    Txn txn(state_);
    Status st = fn(txn);
    if (!st.ok()) {
      if (!txn.touched_.empty() || !txn.erased_.empty()) {
        LOG_ERROR("mutator changed records and then failed ({}); aborting to reload state",
                  st.error().message);
        std::abort();
      }
      return st;
    }
    WriteBatch batch;
    batch.deletes = std::move(txn.erased_);
    for (const auto& [kind, id] : txn.touched_) {
      if (kind == Kind<Instance>::kName)
        Serialize<Instance>(txn, batch, id), bump = true;
      else if (kind == Kind<Disk>::kName)
        Serialize<Disk>(txn, batch, id);
      else if (kind == Kind<Vpc>::kName)
        Serialize<Vpc>(txn, batch, id);
      else if (kind == Kind<VSwitch>::kName)
        Serialize<VSwitch>(txn, batch, id);
      else if (kind == Kind<SecurityGroup>::kName)
        Serialize<SecurityGroup>(txn, batch, id);
      else if (kind == Kind<KeyPair>::kName)
        Serialize<KeyPair>(txn, batch, id);
      else if (kind == Kind<Host>::kName)
        Serialize<Host>(txn, batch, id);
      else if (kind == Kind<IdempotencyRecord>::kName)
        Serialize<IdempotencyRecord>(txn, batch, id);
      else if (kind == Kind<Account>::kName)
        Serialize<Account>(txn, batch, id);
    }
    for (const auto& d : batch.deletes) bump |= d.kind == Kind<Instance>::kName;
    Status committed = store_->Commit(batch);
    if (!committed.ok()) {
      LOG_ERROR("durable commit failed: {}; aborting to reload the committed state",
                committed.error().message);
      std::abort();
    }
    // The store now holds version+1 of every put.
    for (const auto& d : batch.puts) {
      if (d.kind == Kind<Instance>::kName)
        state_.instances[d.id].version = d.version;
      else if (d.kind == Kind<Disk>::kName)
        state_.disks[d.id].version = d.version;
      else if (d.kind == Kind<Vpc>::kName)
        state_.vpcs[d.id].version = d.version;
      else if (d.kind == Kind<VSwitch>::kName)
        state_.vswitches[d.id].version = d.version;
      else if (d.kind == Kind<SecurityGroup>::kName)
        state_.security_groups[d.id].version = d.version;
      else if (d.kind == Kind<KeyPair>::kName)
        state_.key_pairs[d.id].version = d.version;
      else if (d.kind == Kind<Host>::kName)
        state_.hosts[d.id].version = d.version;
      else if (d.kind == Kind<IdempotencyRecord>::kName)
        state_.idempotency[d.id].version = d.version;
      else if (d.kind == Kind<Account>::kName)
        state_.accounts[d.id].version = d.version;
    }
  }
  if (bump) {
    std::lock_guard<std::mutex> lock(rev_mu_);
    ++revision_;
    rev_cv_.notify_all();
  }
  return Ok();
}

void Cloud::SetConsole(const std::string& instance_id, std::string text) {
  std::lock_guard<std::mutex> lock(console_mu_);
  if (text.empty())
    consoles_.erase(instance_id);
  else
    consoles_[instance_id] = std::move(text);
}

std::string Cloud::Console(const std::string& instance_id) const {
  std::lock_guard<std::mutex> lock(console_mu_);
  auto it = consoles_.find(instance_id);
  return it == consoles_.end() ? std::string() : it->second;
}

int64_t Cloud::WaitForRevision(int64_t since, int wait_ms) {
  std::unique_lock<std::mutex> lock(rev_mu_);
  rev_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return revision_ > since; });
  return revision_;
}

}  // namespace openecs
