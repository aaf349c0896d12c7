#include "service/cloud.h"

#include <chrono>
#include <cstdlib>
#include <optional>

#include "common/json_dump.h"
#include "common/log.h"
#include "common/prom_metrics.h"

namespace openecs {

bool IsSecretFieldName(std::string_view name) {
  return name == "password" || name == "Password" || name == "vnc_password" ||
         name == "access_key_secret" || name == "secret" || name == "AccessKeySecret";
}

void SealSecretFields(const SecretBox& box, nlohmann::json& j) {
  if (j.is_array()) {
    for (auto& v : j) SealSecretFields(box, v);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (IsSecretFieldName(it.key()) && it->is_string()) {
        const auto& text = it->get_ref<const std::string&>();
        if (!text.empty() && !SecretBox::IsSealed(text)) *it = box.Seal(text);
      } else {
        SealSecretFields(box, *it);
      }
    }
  }
}

Status OpenSecretFields(const SecretBox& box, nlohmann::json& j, bool* plaintext_seen) {
  if (j.is_array()) {
    for (auto& v : j) OPENECS_RETURN_IF_ERROR(OpenSecretFields(box, v, plaintext_seen));
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (IsSecretFieldName(it.key()) && it->is_string()) {
        const auto& text = it->get_ref<const std::string&>();
        if (plaintext_seen && !text.empty() && !SecretBox::IsSealed(text)) *plaintext_seen = true;
        OPENECS_ASSIGN_OR_RETURN(std::string plain, box.Open(text));
        *it = std::move(plain);
      } else {
        OPENECS_RETURN_IF_ERROR(OpenSecretFields(box, *it, plaintext_seen));
      }
    }
  }
  return Ok();
}

template <typename T>
bool Cloud::Decode(const Doc& d, T& rec, bool* plaintext) const {
  auto j = nlohmann::json::parse(d.body, nullptr, false);
  try {
    if (j.is_discarded()) throw std::runtime_error("not JSON");
    if (config_.secrets)
      if (Status st = OpenSecretFields(*config_.secrets, j, plaintext); !st.ok())
        throw std::runtime_error(st.error().message);
    rec = j.template get<T>();
  } catch (const std::exception& e) {
    LOG_ERROR("{} record {} cannot be read and is left out (it stays in the store): {}",
              Kind<T>::kName, d.id, e.what());
    return false;
  }
  rec.version = d.version;
  return true;
}

template <typename T>
Status Cloud::LoadKind() {
  OPENECS_ASSIGN_OR_RETURN(auto docs, store_->LoadAll(Kind<T>::kName));
  auto& table = Kind<T>::Table(state_);
  for (auto& d : docs) {
    // One record that does not decode (written by an older bug, damaged on disk) is left in
    // the store and out of memory, loudly: the cloud still starts, every other record with it.
    T rec;
    bool plaintext = false;
    if (!Decode(d, rec, &plaintext)) continue;
    if (plaintext) unsealed_[Kind<T>::kName].insert(d.id);
    table[d.id] = std::move(rec);
  }
  return Ok();
}

Result<std::unique_ptr<Cloud>> Cloud::Open(Store* store, CloudConfig config) {
  std::unique_ptr<Cloud> c(new Cloud(store, std::move(config)));
  c->state_.quota_defaults = c->config_.quota_defaults;
  // A shared store's kinds are read one after another while other servers write: what they
  // commit meanwhile is read again below, from the revision before the first read.
  c->shared_ = store->shared();
  if (c->shared_) {
    OPENECS_ASSIGN_OR_RETURN(c->applied_revision_, store->Revision());
  }
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Instance>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Disk>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Snapshot>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Task>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<CustomImage>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<AutoSnapshotPolicy>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Vpc>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RouteTable>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RouteEntry>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<ResourceGroup>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<VSwitch>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<SecurityGroup>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<KeyPair>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<EipAddress>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<NetworkInterface>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Host>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<IdempotencyRecord>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Account>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<InstanceEvent>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<LaunchTemplate>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<DeploymentSet>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<DedicatedHost>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<MetricRule>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Command>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<Invocation>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<GuestRequest>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<TerminalSession>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RamUser>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RamGroup>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RamPolicy>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<RamRole>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<AccessKey>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<BillingAccount>());
  OPENECS_RETURN_IF_ERROR(c->LoadKind<BillItem>());
  OPENECS_RETURN_IF_ERROR(c->SealPlaintextSecrets());
  c->state_.index.Rebuild(c->state_);
  c->footprints_.Rebuild(c->state_);
  c->SyncHostPass("");
  const char* check = std::getenv("OPENECS_CHECK_INDEX");
  c->check_index_ = check && std::string(check) == "1";
  if (c->shared_) {
    c->CatchUp();
    Cloud* self = c.get();
    c->follower_ = std::thread([self] {
      while (!self->stop_following_) {
        self->store_->WaitForChange(500);
        if (self->stop_following_) break;
        self->CatchUp();
        self->PollNotes();
      }
    });
  }
  return c;
}

Cloud::~Cloud() {
  stop_following_ = true;
  if (follower_.joinable()) follower_.join();
}

namespace {
// True for the kinds the agents' desired state is made of (instances and what their guests and
// networks are built from): a change to one wakes the agents' long-polls.
bool ShapesDesiredState(std::string_view kind) {
  return kind != Kind<IdempotencyRecord>::kName && kind != Kind<Account>::kName &&
         kind != Kind<Host>::kName && kind != Kind<Task>::kName &&
         kind != Kind<AutoSnapshotPolicy>::kName && kind != Kind<InstanceEvent>::kName &&
         kind != Kind<LaunchTemplate>::kName && kind != Kind<DeploymentSet>::kName &&
         kind != Kind<DedicatedHost>::kName && kind != Kind<ResourceGroup>::kName &&
         kind != Kind<RouteTable>::kName && kind != Kind<RamUser>::kName &&
         kind != Kind<RamGroup>::kName && kind != Kind<RamPolicy>::kName &&
         kind != Kind<RamRole>::kName && kind != Kind<AccessKey>::kName &&
         kind != Kind<BillingAccount>::kName && kind != Kind<BillItem>::kName &&
         kind != Kind<MetricRule>::kName && kind != Kind<Command>::kName;
}

// Calls f(static_cast<T*>(nullptr)) for the record type T whose storage kind is `kind`.
template <typename... Ts, typename F>
void ForKindIn(std::string_view kind, F&& f) {
  (void)((kind == Kind<Ts>::kName ? (f(static_cast<Ts*>(nullptr)), true) : false) || ...);
}
template <typename F>
void ForKind(std::string_view kind, F&& f) {
  ForKindIn<Instance, Disk, Snapshot, Task, CustomImage, AutoSnapshotPolicy, Vpc, RouteTable,
            RouteEntry, ResourceGroup, VSwitch, SecurityGroup, KeyPair, EipAddress,
            NetworkInterface, Host, IdempotencyRecord, Account, InstanceEvent, LaunchTemplate,
            DeploymentSet, DedicatedHost, RamUser, RamGroup, RamPolicy, RamRole, AccessKey,
            BillingAccount, BillItem, MetricRule, Command, Invocation, GuestRequest,
            TerminalSession>(kind, std::forward<F>(f));
}
}  // namespace

template <typename T>
void Cloud::Serialize(WriteBatch& batch, const std::string& id) {
  auto& table = Kind<T>::Table(state_);
  auto it = table.find(id);
  if (it == table.end()) return;
  nlohmann::json j = it->second;
  j.erase("version");
  if (config_.secrets) SealSecretFields(*config_.secrets, j);
  batch.puts.push_back({Kind<T>::kName, id, it->second.version + 1, DumpJson(j)});
}

namespace {
thread_local TokenScope* current_token_scope = nullptr;
}  // namespace

TokenScope::TokenScope(std::string key, std::string fingerprint)
    : key_(std::move(key)), fingerprint_(std::move(fingerprint)), outer_(current_token_scope) {
  current_token_scope = this;
}
TokenScope::~TokenScope() { current_token_scope = outer_; }
TokenScope* TokenScope::Current() { return current_token_scope; }

template <typename T>
Status Cloud::RevertKind(const std::set<std::string>& ids) {
  OPENECS_ASSIGN_OR_RETURN(auto docs, store_->LoadAll(Kind<T>::kName));
  auto& table = Kind<T>::Table(state_);
  for (const auto& id : ids) table.erase(id);
  for (auto& d : docs) {
    if (!ids.count(d.id)) continue;
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    if (j.is_discarded()) continue;
    if (config_.secrets && !OpenSecretFields(*config_.secrets, j).ok()) continue;
    try {
      T rec = j.template get<T>();
      rec.version = d.version;
      table[d.id] = std::move(rec);
    } catch (const std::exception&) {
      // left out, as at load
    }
  }
  return Ok();
}

Status Cloud::SealPlaintextSecrets() {
  if (unsealed_.empty()) return Ok();
  WriteBatch batch;
  for (const auto& [kind, kind_ids] : unsealed_) {
    const std::set<std::string>& ids = kind_ids;
    ForKind(kind, [&](auto* tag) {
      for (const auto& id : ids) Serialize<std::remove_pointer_t<decltype(tag)>>(batch, id);
    });
  }
  unsealed_.clear();
  OPENECS_RETURN_IF_ERROR(store_->Commit(batch));
  for (const auto& d : batch.puts)
    ForKind(d.kind, [&](auto* tag) {
      Kind<std::remove_pointer_t<decltype(tag)>>::Table(state_)[d.id].version = d.version;
    });
  LOG_INFO("sealed the secrets of {} records stored before sealing existed", batch.puts.size());
  return Ok();
}

int Cloud::ReloadAccounts(int min_interval_ms) {
  std::lock_guard reload_lock(reload_mu_);
  // Only the rate-limited calls (a request with an unknown key) count against the interval: a
  // periodic reload just before must not make the first request of a new account wait.
  if (min_interval_ms > 0) {
    int64_t now = openecs::NowMillis();  // the wall clock: a rate limit
    if (now - last_reload_ms_ < min_interval_ms) return 0;
    last_reload_ms_ = now;
  }
  // A shared store brings every commit, `ecsd account`'s included, as changes: no table to
  // read again, only what was not taken in yet.
  if (shared_) return CatchUp();
  auto docs = store_->LoadAll(Kind<Account>::kName);
  if (!docs.ok()) {
    LOG_WARN("cannot read the accounts again: {}", docs.error().message);
    return 0;
  }
  std::unique_lock lock(mu_);
  int changed = 0;
  for (auto& d : *docs) {
    auto held = state_.accounts.find(d.id);
    if (held != state_.accounts.end() && held->second.version >= d.version) continue;
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    if (j.is_discarded()) continue;
    if (config_.secrets && !OpenSecretFields(*config_.secrets, j).ok()) continue;
    try {
      Account a = j.get<Account>();
      a.version = d.version;
      state_.accounts[d.id] = std::move(a);
      ++changed;
    } catch (const std::exception&) {
      // left out, as at load
    }
  }
  return changed;
}

Status Cloud::Revert(const WriteBatch& batch) {
  std::map<std::string, std::set<std::string>> by_kind;
  for (const auto& d : batch.puts) by_kind[d.kind].insert(d.id);
  for (const auto& d : batch.deletes) by_kind[d.kind].insert(d.id);
  Status st = Ok();
  for (const auto& [kind, kind_ids] : by_kind) {
    const std::set<std::string>& ids = kind_ids;  // clang before 16 cannot capture a binding
    ForKind(kind, [&](auto* tag) {
      if (st.ok()) st = RevertKind<std::remove_pointer_t<decltype(tag)>>(ids);
    });
  }
  state_.index.Rebuild(state_);
  footprints_.Rebuild(state_);
  SyncHostPass("");
  return st;
}

namespace {

// A Write's exclusive hold of the cloud's lock (every reader and writer waits it out) and the
// store's commit inside it, as /metrics shows them; a hold past kSlowWrite is logged with its
// size, so the Write that stalls the API can be found.
constexpr auto kSlowWrite = std::chrono::milliseconds(250);

void ObserveWrite(std::chrono::steady_clock::time_point locked,
                  std::chrono::steady_clock::duration commit, size_t records) {
  static HistogramFamily& held = DefaultMetrics().Histogram(
      "openecs_state_write_lock_seconds",
      "How long a state change held the cloud's exclusive lock, its commit included: API reads "
      "and other changes wait that long.");
  static HistogramFamily& commits = DefaultMetrics().Histogram(
      "openecs_state_commit_seconds", "The state store's commit of one change (fsync included).");
  static CounterFamily& written = DefaultMetrics().Counter(
      "openecs_state_records_written_total", "Records the state changes put or deleted.");
  auto hold = std::chrono::steady_clock::now() - locked;
  using Seconds = std::chrono::duration<double>;
  held.Observe({}, Seconds(hold).count());
  if (records > 0) {  // a change that changed nothing commits nothing (Store::Commit)
    commits.Observe({}, Seconds(commit).count());
    written.Add({}, static_cast<double>(records));
  }
  if (hold > kSlowWrite)
    LOG_WARN("a state change held the cloud's lock {} ms ({} records, commit {} ms)",
             std::chrono::duration_cast<std::chrono::milliseconds>(hold).count(), records,
             std::chrono::duration_cast<std::chrono::milliseconds>(commit).count());
}

}  // namespace

Status Cloud::Write(const std::function<Status(Txn&)>& fn) {
  bool bump = false;
  HostWake wake;
  {
    std::unique_lock lock(mu_);
    const auto locked = std::chrono::steady_clock::now();
    // A shared store: its write lock, and what other servers committed, before the mutator
    // looks at anything. EndWrite on every way out (a no-op after the Commit).
    struct EndWrite {
      Store* store;
      ~EndWrite() {
        if (store) store->EndWrite();
      }
    } end_write{shared_ ? store_ : nullptr};
    if (shared_) {
      auto feed = store_->BeginWrite(applied_revision_);
      if (!feed.ok()) {
        end_write.store = nullptr;
        LOG_ERROR("cannot open a write on the state store: {}", feed.error().message);
        return MakeError(ErrorCode::kServiceUnavailable,
                         "The request could not be saved (" + feed.error().message +
                             "); nothing was changed. Try again later.");
      }
      ApplyFeed(*feed, wake, bump);
      applied_revision_ = feed->revision;
    }
    TokenScope* scope = TokenScope::Current();
    if (scope && !scope->recorded && state_.idempotency.count(scope->key())) {
      if (shared_) store_->EndWrite();  // before the lock goes: other servers wait for it
      lock.unlock();
      Publish(wake, bump);
      return MakeError(ErrorCode::kLastTokenProcessing);
    }
    Txn txn(state_, Now());
    Status st = fn(txn);
    if (!st.ok()) {
      if (!txn.touched_.empty() || !txn.erased_.empty()) {
        LOG_ERROR("mutator changed records and then failed ({}); aborting to reload state",
                  st.error().message);
        std::abort();
      }
      if (shared_) store_->EndWrite();
      lock.unlock();
      Publish(wake, bump);  // what was taken in from other servers
      return st;
    }
    if (check_index_) {
      StateIndex fresh;
      fresh.Rebuild(state_);
      if (!(fresh == state_.index)) {
        LOG_ERROR(
            "the state index differs from the records after a Write (a change to an "
            "instance or ENI was not touched); aborting");
        std::abort();
      }
    }
    if (scope && (!txn.touched_.empty() || !txn.erased_.empty())) {
      IdempotencyRecord rec;
      if (auto it = state_.idempotency.find(scope->key()); it != state_.idempotency.end()) {
        rec = it->second;
      } else {
        rec.id = scope->key();
        rec.fingerprint = scope->fingerprint();
        rec.created = txn.now();
        rec.pending = true;
      }
      for (const auto& [kind, touched_id] : txn.touched_) {
        const std::string& id = touched_id;
        bool made = false;  // a record new in this Write has version 0 until committed
        ForKind(kind, [&](auto* tag) {
          auto& table = Kind<std::remove_pointer_t<decltype(tag)>>::Table(state_);
          auto found = table.find(id);
          made = found != table.end() && found->second.version == 0;
        });
        if (made && kind != Kind<IdempotencyRecord>::kName) rec.made.push_back(kind + ":" + id);
      }
      txn.Put(std::move(rec));
    }
    WriteBatch batch;
    batch.deletes = std::move(txn.erased_);
    for (const auto& [kind, touched_id] : txn.touched_) {
      // A plain reference, not the structured binding: clang before 16 (the fuzz build) cannot
      // capture a binding in a lambda.
      const std::string& id = touched_id;
      ForKind(kind, [&](auto* tag) { Serialize<std::remove_pointer_t<decltype(tag)>>(batch, id); });
      bump |= ShapesDesiredState(kind);
      NoteWake(kind, id, wake, kind == Kind<Instance>::kName && txn.echoes_.count(id) > 0);
    }
    for (const auto& d : batch.deletes) {
      bump |= ShapesDesiredState(d.kind);
      NoteWake(d.kind, d.id, wake);
    }
    const auto commit_began = std::chrono::steady_clock::now();
    Status committed = store_->Commit(batch);
    const auto commit_took = std::chrono::steady_clock::now() - commit_began;
    if (!committed.ok()) {
      // A full disk, a read-only file system, a conflict: nothing of the batch is stored. Put
      // memory back as the store has it and fail this call; aborting would only restart into
      // the same full disk, again and again.
      Status reverted = Revert(batch);
      if (!reverted.ok()) {
        LOG_ERROR(
            "durable commit failed ({}) and the records cannot be read back ({}); "
            "aborting to reload the committed state",
            committed.error().message, reverted.error().message);
        std::abort();
      }
      LOG_ERROR("durable commit failed, nothing changed: {}", committed.error().message);
      lock.unlock();
      Publish(wake, bump);  // the records are as the store has them: tell whom they concern
      return MakeError(ErrorCode::kServiceUnavailable,
                       "The request could not be saved (" + committed.error().message +
                           "); nothing was changed. Try again later.");
    }
    // The store now holds version+1 of every put (and a shared store one revision more).
    for (const auto& d : batch.puts) {
      ForKind(d.kind, [&](auto* tag) {
        Kind<std::remove_pointer_t<decltype(tag)>>::Table(state_)[d.id].version = d.version;
      });
    }
    for (const auto* docs : {&batch.puts, &batch.deletes})
      for (const auto& d : *docs)
        if (d.kind == Kind<Host>::kName) SyncHostPass(d.id);
    if (shared_ && !batch.empty()) ++applied_revision_;
    if (scope && state_.idempotency.count(scope->key())) scope->recorded = true;
    ObserveWrite(locked, commit_took, batch.puts.size() + batch.deletes.size());
  }
  Publish(wake, bump);
  return Ok();
}

void Cloud::Publish(const HostWake& wake, bool bump) {
  bump |= !wake.empty() || !wake.echoed.empty();
  if (bump) {
    std::function<void(const HostWake&)> listener;
    {
      std::lock_guard<std::mutex> lock(rev_mu_);
      ++revision_;
      if (wake.all) all_hosts_revision_ = revision_;
      if (wake.data_planes) data_planes_revision_ = revision_;
      for (const auto& h : wake.hosts) host_revision_[h] = revision_;
      for (const auto& h : wake.echoed) host_echo_revision_[h] = revision_;
      listener = wake_listener_;
      rev_cv_.notify_all();
    }
    if (listener && !wake.empty()) listener(wake);
  }
}

template <typename T>
void Cloud::ApplyDoc(const Doc& d) {
  auto& table = Kind<T>::Table(state_);
  if (d.deleted) {
    table.erase(d.id);
    Reindex<T>(state_, d.id, nullptr);
    return;
  }
  if (auto held = table.find(d.id); held != table.end() && held->second.version >= d.version)
    return;  // this server's own commit
  T rec;
  if (!Decode(d, rec)) {
    // Left out, as at load: not kept in an older version that no longer is the store's.
    table.erase(d.id);
    Reindex<T>(state_, d.id, nullptr);
    return;
  }
  T& placed = table[d.id] = std::move(rec);
  Reindex(state_, d.id, &placed);
}

void Cloud::ApplyFeed(const ChangeFeed& feed, HostWake& wake, bool& bump) {
  for (const Doc& d : feed.docs) {
    bool known = false;
    ForKind(d.kind, [&](auto* tag) {
      known = true;
      ApplyDoc<std::remove_pointer_t<decltype(tag)>>(d);
    });
    if (!known) continue;  // a kind a newer server writes
    if (d.kind == Kind<Host>::kName) SyncHostPass(d.id);
    bump |= ShapesDesiredState(d.kind);
    NoteWake(d.kind, d.id, wake);
  }
}

int Cloud::CatchUp() {
  if (!shared_) return 0;
  int64_t since;
  {
    ReadHold hold(*this);
    since = applied_revision_;
  }
  auto feed = store_->ChangesSince(since);
  if (!feed.ok()) {
    LOG_WARN("cannot read other servers' changes from the state store: {}", feed.error().message);
    return 0;
  }
  HostWake wake;
  bool bump = false;
  {
    std::unique_lock lock(mu_);
    // A Write since the read took in the same changes and more: this feed is older than the
    // cache. Otherwise it holds the latest of every record changed after `since`, the cache's
    // own commits since included, so applying it whole is right.
    if (feed->revision <= applied_revision_) return 0;
    ApplyFeed(*feed, wake, bump);
    applied_revision_ = feed->revision;
  }
  Publish(wake, bump);
  return static_cast<int>(feed->docs.size());
}

void Cloud::NoteWake(const std::string& kind, const std::string& id, HostWake& wake, bool echo) {
  if (kind == Kind<Instance>::kName) {
    auto it = state_.instances.find(id);
    footprints_.Note(state_, id, it == state_.instances.end() ? nullptr : &it->second, wake, echo);
  } else if (kind == Kind<Disk>::kName) {
    auto it = state_.disks.find(id);
    footprints_.Note(state_, id, it == state_.disks.end() ? nullptr : &it->second, wake);
  } else if (kind == Kind<Host>::kName) {
    // Its own registration, and what others build from it (its underlay address and data
    // plane for their remote addresses, its storage for their disk lists).
    wake.hosts.insert(id);
    wake.data_planes = true;
  } else if (kind == Kind<SecurityGroup>::kName) {
    // Read only for the merged rules, which hosts without a VPC data plane never get.
    wake.data_planes = true;
  } else if (ShapesDesiredState(kind)) {
    if (!NoteHostWork(state_, kind, id, wake)) wake.all = true;
  }
}

std::optional<Cloud::HostPass> Cloud::HostPassOf(const std::string& host_id) const {
  std::lock_guard<std::mutex> lock(pass_mu_);
  auto it = host_passes_.find(host_id);
  if (it == host_passes_.end()) return std::nullopt;
  return it->second;
}

void Cloud::SyncHostPass(const std::string& id) {
  std::lock_guard<std::mutex> lock(pass_mu_);
  auto pass_of = [](const Host& h) { return HostPass{h.key_hash, h.vpc_data_plane}; };
  if (id.empty()) {
    host_passes_.clear();
    for (const auto& [host_id, h] : state_.hosts) host_passes_.emplace(host_id, pass_of(h));
    return;
  }
  if (auto it = state_.hosts.find(id); it != state_.hosts.end())
    host_passes_[id] = pass_of(it->second);
  else
    host_passes_.erase(id);
}

int64_t Cloud::HostRevision(const std::string& host_id, bool data_plane) {
  std::lock_guard<std::mutex> lock(rev_mu_);
  int64_t rev = all_hosts_revision_;
  if (data_plane) rev = std::max(rev, data_planes_revision_);
  if (auto it = host_revision_.find(host_id); it != host_revision_.end())
    rev = std::max(rev, it->second);
  return rev;
}

int64_t Cloud::HostStateRevision(const std::string& host_id, bool data_plane) {
  int64_t rev = HostRevision(host_id, data_plane);
  std::lock_guard<std::mutex> lock(rev_mu_);
  if (auto it = host_echo_revision_.find(host_id); it != host_echo_revision_.end())
    rev = std::max(rev, it->second);
  return rev;
}

int64_t Cloud::SharedRevision(bool data_plane) {
  std::lock_guard<std::mutex> lock(rev_mu_);
  return data_plane ? std::max(all_hosts_revision_, data_planes_revision_) : all_hosts_revision_;
}

void Cloud::SetWakeListener(std::function<void(const HostWake&)> listener) {
  std::lock_guard<std::mutex> lock(rev_mu_);
  wake_listener_ = std::move(listener);
}

void Cloud::SetConsole(const std::string& instance_id, std::string text) {
  std::optional<Note> share;
  {
    std::lock_guard<std::mutex> lock(console_mu_);
    auto it = consoles_.find(instance_id);
    if (shared_ && (it == consoles_.end() ? !text.empty() : it->second != text))
      share = Note{"console", instance_id, text};
    if (text.empty())
      consoles_.erase(instance_id);
    else
      consoles_[instance_id] = std::move(text);
  }
  if (share)
    if (Status st = store_->PutNote(*share); !st.ok())
      LOG_WARN("cannot share {}'s console with the other servers: {}", instance_id,
               st.error().message);
}

std::string Cloud::Console(const std::string& instance_id) const {
  std::lock_guard<std::mutex> lock(console_mu_);
  auto it = consoles_.find(instance_id);
  return it == consoles_.end() ? std::string() : it->second;
}

void Cloud::SetGuestAgents(const std::vector<std::pair<std::string, bool>>& heard) {
  int64_t now_ms = config_.clock->NowMillis();
  std::vector<Note> share;
  {
    std::lock_guard<std::mutex> lock(console_mu_);
    for (const auto& [instance_id, alive] : heard) {
      GuestHeartbeat& b = guest_agents_[instance_id];
      b.alive = alive;
      if (alive) b.last_alive_ms = now_ms;
      heartbeat_at_[instance_id] = now_ms;
      // Shared when it changes, and at most every 30 s while it does not (a sample comes every
      // few seconds per running guest).
      if (!shared_) continue;
      auto& [was_alive, at] = heartbeat_shared_[instance_id];
      if (at != 0 && was_alive == alive && now_ms - at < 30'000) continue;
      was_alive = alive;
      at = now_ms;
      share.push_back(
          Note{"heartbeat", instance_id,
               nlohmann::json{{"alive", alive}, {"last_alive_ms", b.last_alive_ms}, {"at", now_ms}}
                   .dump()});
    }
  }
  for (const Note& note : share)
    if (Status st = store_->PutNote(note); !st.ok())
      LOG_WARN("cannot share {}'s guest agent heartbeat with the other servers: {}", note.id,
               st.error().message);
}

void Cloud::PollNotes() {
  auto feed = store_->NotesSince(notes_seq_);
  if (!feed.ok()) {
    LOG_WARN("cannot read the other servers' notes from the state store: {}", feed.error().message);
    return;
  }
  notes_seq_ = feed->seq;
  std::lock_guard<std::mutex> lock(console_mu_);
  for (const Note& n : feed->notes) {
    if (n.kind == "console") {
      if (n.body.empty())
        consoles_.erase(n.id);
      else
        consoles_[n.id] = n.body;
    } else if (n.kind == "heartbeat") {
      auto j = nlohmann::json::parse(n.body, nullptr, false);
      if (!j.is_object()) continue;
      int64_t at = j.value("at", int64_t{0});
      int64_t& held = heartbeat_at_[n.id];
      if (at <= held) continue;  // this server heard of it since
      held = at;
      guest_agents_[n.id] = {j.value("alive", false), j.value("last_alive_ms", int64_t{0})};
    }
  }
}

GuestHeartbeat Cloud::GuestAgent(const std::string& instance_id) const {
  std::lock_guard<std::mutex> lock(console_mu_);
  auto it = guest_agents_.find(instance_id);
  return it == guest_agents_.end() ? GuestHeartbeat{} : it->second;
}

int64_t Cloud::WaitForRevision(int64_t since, int wait_ms) {
  std::unique_lock<std::mutex> lock(rev_mu_);
  rev_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return revision_ > since; });
  return revision_;
}

}  // namespace openecs
