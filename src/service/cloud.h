#pragma once
// Cloud: the control plane's state. Every resource record lives in memory for fast reads and
// is written through to the Store in one transaction per mutation.
//
// Concurrency: readers take a shared lock (Read), mutators an exclusive one (Write). A mutator
// validates first, then changes records through the Txn, which notes what it touched; when the
// mutator returns Ok the touched records are committed to the Store as one batch. Validation
// must come before any change (validate -> act -> commit): an error return after a change is a
// programming error (the process aborts). If the durable commit itself fails (a full disk),
// the batch's records are read back from the store into memory and the Write fails with
// ServiceUnavailable: the caller sees an error, nothing changed, and the server goes on (a
// restart would meet the same full disk). Only if they cannot be read back either does the
// process abort, and a restart reloads the last committed state.
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/rw_lock.h"
#include "common/secret_box.h"
#include "model/assistant.h"
#include "model/billing.h"
#include "model/instance_health.h"
#include "model/ram.h"
#include "model/resources.h"
#include "service/host_wake.h"
#include "service/state_index.h"
#include "store/store.h"

namespace openecs {

struct PriceTable;  // billing/price_table.h

class Monitor;   // service/monitor_service.h
class AuditLog;  // store/audit_log.h

struct CloudConfig {
  std::string region_id = "local";
  std::vector<std::string> zones = {"local-a", "local-b"};
  // Where public IPs come from. Its first address is the hosts' side of the public bridge
  // (how the host reaches public addresses); the others up to the last-but-one are handed out.
  std::string public_cidr = "198.18.0.0/24";
  // Seals the records' secret fields at rest (IsSecretFieldName below); null = stored as they
  // are (unit tests). Must outlive the Cloud.
  const SecretBox* secrets = nullptr;
  // The operator's default quotas for every account (`ecsd dev --quota NAME=VALUE`), over the
  // built-in ones of service/quota_service.h; an account's own overrides win over both.
  std::map<std::string, int64_t> quota_defaults;
  // The cloud's clock (common/clock.h): a TestClock under `ecsd dev --test-clock`. Must
  // outlive the Cloud.
  const Clock* clock = &WallClock();
  // Billing (service/billing_service.h): the price table (null: DefaultPriceTable()) and the
  // credit line of an account the operator has not set one for (nano-units; -1: unlimited, so
  // nothing is stopped for an unpaid bill unless the operator asks for it).
  const PriceTable* prices = nullptr;
  int64_t default_credit_limit = -1;
  // Monitoring (service/monitor_service.h): where the hosts' samples go and the monitoring
  // APIs read from; null: none is kept (they answer no points). Must outlive the Cloud.
  Monitor* monitor = nullptr;
  // The audit trail (store/audit_log.h): every authenticated API call; null: none kept.
  AuditLog* audit = nullptr;
};

// The JSON member names whose string values are secrets, sealed by CloudConfig::secrets in the
// store wherever they occur in a record (a guest's password, a launch template's Password, an
// AccessKey's secret).
bool IsSecretFieldName(std::string_view name);
// Seals (or opens) every secret field of a record's JSON in place; Open fails when a sealed
// value does not open with the box's key.
void SealSecretFields(const SecretBox& box, nlohmann::json& j);
// `plaintext_seen` (optional) is set when a secret was found not sealed.
Status OpenSecretFields(const SecretBox& box, nlohmann::json& j, bool* plaintext_seen = nullptr);

struct State {
  std::map<std::string, Instance> instances;
  std::map<std::string, Disk> disks;
  std::map<std::string, Snapshot> snapshots;
  std::map<std::string, Task> tasks;
  std::map<std::string, CustomImage> images;
  std::map<std::string, AutoSnapshotPolicy> snapshot_policies;
  std::map<std::string, Vpc> vpcs;
  std::map<std::string, RouteTable> route_tables;
  std::map<std::string, RouteEntry> route_entries;  // custom entries
  std::map<std::string, ResourceGroup> resource_groups;
  std::map<std::string, VSwitch> vswitches;
  std::map<std::string, SecurityGroup> security_groups;
  std::map<std::string, KeyPair> key_pairs;  // by KeyPairKey(account, name)
  std::map<std::string, EipAddress> eips;
  std::map<std::string, NetworkInterface> enis;  // secondary ENIs
  std::map<std::string, Host> hosts;
  std::map<std::string, IdempotencyRecord> idempotency;
  std::map<std::string, Account> accounts;
  std::map<std::string, InstanceEvent> instance_events;
  std::map<std::string, LaunchTemplate> launch_templates;
  std::map<std::string, DeploymentSet> deployment_sets;
  std::map<std::string, DedicatedHost> dedicated_hosts;  // service/dedicated_host_service.h
  // CloudMonitor alarm rules by MetricRuleKey(account, rule id) (service/alarm_service.h).
  std::map<std::string, MetricRule> metric_rules;
  // Cloud Assistant (model/assistant.h, service/assistant_service.h), by id.
  std::map<std::string, Command> commands;
  std::map<std::string, Invocation> invocations;
  std::map<std::string, GuestRequest> guest_requests;
  std::map<std::string, TerminalSession> terminal_sessions;  // service/session_service.h
  // RAM (model/ram.h): users, groups, custom policies and roles by RamKey(account, name),
  // AccessKeys by AccessKeyId.
  std::map<std::string, RamUser> ram_users;
  std::map<std::string, RamGroup> ram_groups;
  std::map<std::string, RamPolicy> ram_policies;
  std::map<std::string, RamRole> ram_roles;
  std::map<std::string, AccessKey> access_keys;
  // Billing (model/billing.h): money by account id, bill lines by their id.
  std::map<std::string, BillingAccount> billing_accounts;
  std::map<std::string, BillItem> bill_items;
  // Not a table (never stored): CloudConfig::quota_defaults, set by Cloud::Open, so that quota
  // checks need nothing but the State they run under (service/quota_service.h).
  std::map<std::string, int64_t> quota_defaults;
  // Not a table: derived from instances and ENIs, kept current by Txn and Cloud
  // (service/state_index.h).
  StateIndex index;
};

// Ownership. Every lookup and every listing made on behalf of a caller goes through OwnedBy,
// FindOwned or Owned, so the rule lives here alone and per-account scoping can be audited by
// grepping for "Owned": a record of another account is as unknown as one that does not exist
// (callers answer the same NotFound code and message for both). Not ownership, and so not
// here: images shared with an account (image_service), the default resource group.

// Whether `account_id` owns `record` (any record with an account_id: a State table's record, or
// a view of one such as EniView).
template <typename Record>
bool OwnedBy(const Record& record, const std::string& account_id) {
  return record.account_id == account_id;
}

// The record `id` of a State table if `account_id` owns it, else null. Const tables give const
// records. The usual lookup:
//   Disk* d = FindOwned(s.disks, id, account_id);
//   if (!d) return MakeError(ErrorCode::kInvalidDiskIdNotFound, "...");
template <typename Table>
auto FindOwned(Table& table, const std::string& id, const std::string& account_id)
    -> decltype(&table.begin()->second) {
  auto it = table.find(id);
  return it == table.end() || !OwnedBy(it->second, account_id) ? nullptr : &it->second;
}

// The (id, record) pairs of a State table that `account_id` owns, in id order, for a range-for:
//   for (const auto& [id, d] : Owned(s.disks, account_id)) ...
// A view, not a copy: the table must outlive the loop and gain or lose no records during it
// (changing the records is fine; a const table gives const records). `account_id` is copied, so
// a temporary may be passed. Hand-written rather than std::views::filter, which clang 14 cannot
// compile against libstdc++ 12.
template <typename Table>
class OwnedRange {
  using Base = decltype(std::declval<Table&>().begin());

 public:
  class Iterator {
   public:
    Iterator(Base it, Base end, const std::string* account_id)
        : it_(it), end_(end), account_id_(account_id) {
      Skip();
    }
    auto& operator*() const { return *it_; }
    auto* operator->() const { return &*it_; }
    Iterator& operator++() {
      ++it_;
      Skip();
      return *this;
    }
    bool operator==(const Iterator& other) const { return it_ == other.it_; }

   private:
    void Skip() {
      while (it_ != end_ && !OwnedBy(it_->second, *account_id_)) ++it_;
    }
    Base it_, end_;
    const std::string* account_id_;
  };

  OwnedRange(Table& table, std::string account_id)
      : table_(table), account_id_(std::move(account_id)) {}
  Iterator begin() const { return Iterator(table_.begin(), table_.end(), &account_id_); }
  Iterator end() const { return Iterator(table_.end(), table_.end(), &account_id_); }

 private:
  Table& table_;
  std::string account_id_;
};

template <typename Table>
OwnedRange<Table> Owned(Table& table, std::string account_id) {
  return OwnedRange<Table>(table, std::move(account_id));
}

// Copies of `account_id`'s records of `table`, in id order (for tables keyed
// "<account>/<name>", name order).
template <typename Table>
std::vector<typename Table::mapped_type> OwnedRecords(const Table& table,
                                                      const std::string& account_id) {
  std::vector<typename Table::mapped_type> out;
  for (const auto& [id, rec] : Owned(table, account_id)) out.push_back(rec);
  return out;
}

// Binds the Writes this thread makes, while it lives, to a ClientToken (api/client_token.h):
// every Write that changes anything also puts the token's IdempotencyRecord, pending, into the
// same commit, with the ids of the records that Write created. A crash between a creation and
// the recording of its answer therefore leaves the creation's ids with the token, and a retry
// answers with them instead of creating a second set.
class TokenScope {
 public:
  TokenScope(std::string key, std::string fingerprint);
  ~TokenScope();
  TokenScope(const TokenScope&) = delete;
  TokenScope& operator=(const TokenScope&) = delete;
  static TokenScope* Current();  // this thread's, or null
  const std::string& key() const { return key_; }
  const std::string& fingerprint() const { return fingerprint_; }
  // Set by the Write that first records the token. Before that, a Write that finds the token
  // recorded already refuses to run (LastTokenProcessing): another call with the token, on
  // another server of a shared store, got there first, and a retry answers from its record.
  bool recorded = false;

 private:
  std::string key_, fingerprint_;
  TokenScope* outer_;
};

// Maps a record type to its storage kind and its table in State.
template <typename T>
struct Kind;
#define OPENECS_KIND(Type, name, member)                                     \
  template <>                                                                \
  struct Kind<Type> {                                                        \
    static constexpr const char* kName = name;                               \
    static std::map<std::string, Type>& Table(State& s) { return s.member; } \
  };
OPENECS_KIND(Instance, "instance", instances)
OPENECS_KIND(Disk, "disk", disks)
OPENECS_KIND(Snapshot, "snapshot", snapshots)
OPENECS_KIND(Task, "task", tasks)
OPENECS_KIND(CustomImage, "image", images)
OPENECS_KIND(AutoSnapshotPolicy, "snapshot_policy", snapshot_policies)
OPENECS_KIND(Vpc, "vpc", vpcs)
OPENECS_KIND(RouteTable, "route_table", route_tables)
OPENECS_KIND(RouteEntry, "route_entry", route_entries)
OPENECS_KIND(ResourceGroup, "resource_group", resource_groups)
OPENECS_KIND(VSwitch, "vswitch", vswitches)
OPENECS_KIND(SecurityGroup, "security_group", security_groups)
OPENECS_KIND(KeyPair, "key_pair", key_pairs)
OPENECS_KIND(EipAddress, "eip", eips)
OPENECS_KIND(NetworkInterface, "eni", enis)
OPENECS_KIND(Host, "host", hosts)
OPENECS_KIND(IdempotencyRecord, "idempotency", idempotency)
OPENECS_KIND(Account, "account", accounts)
OPENECS_KIND(InstanceEvent, "instance_event", instance_events)
OPENECS_KIND(LaunchTemplate, "launch_template", launch_templates)
OPENECS_KIND(DeploymentSet, "deployment_set", deployment_sets)
OPENECS_KIND(DedicatedHost, "dedicated_host", dedicated_hosts)
OPENECS_KIND(MetricRule, "metric_rule", metric_rules)
OPENECS_KIND(Command, "command", commands)
OPENECS_KIND(Invocation, "invocation", invocations)
OPENECS_KIND(GuestRequest, "guest_request", guest_requests)
OPENECS_KIND(TerminalSession, "terminal_session", terminal_sessions)
OPENECS_KIND(RamUser, "ram_user", ram_users)
OPENECS_KIND(RamGroup, "ram_group", ram_groups)
OPENECS_KIND(RamPolicy, "ram_policy", ram_policies)
OPENECS_KIND(RamRole, "ram_role", ram_roles)
OPENECS_KIND(AccessKey, "access_key", access_keys)
OPENECS_KIND(BillingAccount, "billing_account", billing_accounts)
OPENECS_KIND(BillItem, "bill_item", bill_items)
#undef OPENECS_KIND

// Keeps State::index current for the kinds it indexes (a no-op for the others); `rec` is the
// record as it is now, null when it is gone.
template <typename T>
void Reindex(State& s, const std::string& id, const T* rec) {
  if constexpr (std::is_same_v<T, Instance> || std::is_same_v<T, NetworkInterface> ||
                std::is_same_v<T, Disk> || std::is_same_v<T, Snapshot> ||
                std::is_same_v<T, Invocation> || std::is_same_v<T, GuestRequest> ||
                std::is_same_v<T, TerminalSession>)
    s.index.Note(id, rec);
}

// The changes one mutator makes. Only valid inside Cloud::Write.
class Txn {
 public:
  Txn(State& s, int64_t now) : s_(s), now_(now) {}
  State& state() { return s_; }
  // The cloud's clock (CloudConfig::clock) in seconds, read once when the Write began: every
  // record one mutation stamps carries the same time.
  int64_t now() const { return now_; }
  // Inserts or replaces a record and marks it for the commit.
  template <typename T>
  T& Put(T rec) {
    auto& table = Kind<T>::Table(s_);
    std::string id = rec.id;
    auto it = table.find(id);
    if (it != table.end()) {
      rec.version = it->second.version;
      it->second = std::move(rec);
    } else {
      rec.version = 0;
      it = table.emplace(id, std::move(rec)).first;
    }
    touched_.insert({Kind<T>::kName, id});
    Reindex(s_, id, &it->second);
    return it->second;
  }
  // Marks an existing record (changed in place) for the commit.
  template <typename T>
  void Touch(const T& rec) {
    touched_.insert({Kind<T>::kName, rec.id});
    Reindex(s_, rec.id, &rec);
  }
  // Says that this Write's change to instance `id` is only what its own host reported of it
  // (its power, its status, its OS being up) and nothing that host acts on: the host's state
  // revision moves, but its long-poll is not woken for it; it learns of it with its next answer
  // (service/host_wake.h). Ignored if the change moves the instance or changes what other
  // hosts see of it.
  void Echo(const std::string& instance_id) { echoes_.insert(instance_id); }
  template <typename T>
  void Erase(const std::string& id) {
    auto& table = Kind<T>::Table(s_);
    auto it = table.find(id);
    if (it == table.end()) return;
    if (it->second.version > 0) erased_.push_back({Kind<T>::kName, id, it->second.version, ""});
    touched_.erase({Kind<T>::kName, id});
    Reindex<T>(s_, id, nullptr);
    table.erase(it);
  }

 private:
  friend class Cloud;
  State& s_;
  int64_t now_;
  std::set<std::pair<std::string, std::string>> touched_;
  std::vector<Doc> erased_;
  std::set<std::string> echoes_;  // instance ids (Echo)
};

class Cloud {
 public:
  // Loads every record from `store`. The store must outlive the Cloud. On a shared store the
  // follower starts here, and stops with the Cloud.
  static Result<std::unique_ptr<Cloud>> Open(Store* store, CloudConfig config);
  ~Cloud();
  Cloud(const Cloud&) = delete;
  Cloud& operator=(const Cloud&) = delete;

  // Shared stores: applies what other servers committed since this cache last saw the store
  // (the follower does this on each notification; a test may call it to be sure). Returns how
  // many records it changed; 0 for a store that is not shared.
  int CatchUp();

  const CloudConfig& config() const { return config_; }
  // The cloud's clock (CloudConfig::clock), in seconds and milliseconds.
  int64_t Now() const { return config_.clock->NowSeconds(); }
  int64_t NowMillis() const { return config_.clock->NowMillis(); }
  // The monitor (CloudConfig::monitor), or null.
  Monitor* monitor() const { return config_.monitor; }
  // The audit trail (CloudConfig::audit), or null.
  AuditLog* audit() const { return config_.audit; }

  // Runs `fn` under the shared lock. `fn` must not keep references past its return. A Read
  // inside another Read of the same cloud (on one thread) runs under the hold it is in: the
  // lock lets a waiting Write in first (common/rw_lock.h), so taking it again could wait for
  // that Write while the Write waits for the outer Read.
  template <typename R>
  R Read(const std::function<R(const State&)>& fn) const {
    ReadHold hold(*this);
    return fn(state_);
  }
  // Runs `fn` under the exclusive lock and commits what it touched if it returns Ok.
  Status Write(const std::function<Status(Txn&)>& fn);

  // Revision of the agents' desired state, bumped by each commit that touches a record it is
  // made of (instances, disks, networks, security groups, key pairs). WaitForRevision blocks until
  // revision > since or timeout; returns the revision.
  int64_t WaitForRevision(int64_t since, int wait_ms);
  // The revision of one host's desired state (`data_plane`: the host builds VPCs): the last
  // commit that concerned it (service/host_wake.h), never below the revision at start. Drawn
  // from the same counter as WaitForRevision's: a commit that concerns the host after an
  // answer always gives a higher one (it may go down only when the host stops being a data
  // plane, which costs its agent nothing).
  int64_t HostRevision(const std::string& host_id, bool data_plane);
  // The revision of the state one host would be answered now: HostRevision, or a later commit
  // that only echoed the host's own report (Txn::Echo), which moves it without waking the host.
  // A pull answers "changed" when HostRevision is past its `since` (or `since` is 0, a full
  // sync), with this revision; a long-poll waits for HostRevision.
  int64_t HostStateRevision(const std::string& host_id, bool data_plane);
  // The last commit that concerned every host, or (`data_plane`) every host that builds VPCs
  // (HostWake::all, ::data_planes): what a guest's desired state shares with every other
  // guest's (networks, groups, addresses, images, key pairs) last changed no later than this.
  // Read after HostStateRevision, it is never older than the commits that revision includes.
  int64_t SharedRevision(bool data_plane);
  // What an agent's request needs before it is queued, read without the cloud's lock: I/O
  // threads serve every host's pulls and reports, and one waiting for a Write (a commit holds
  // the exclusive lock for milliseconds, and with a thousand hosts one is nearly always under
  // way) leaves the users' calls queued behind it. Kept beside the records, under the exclusive
  // lock, by every way a host record changes: a Write's commit (a failed one reverts it with
  // the records), another server's commit taken in, and the load at start.
  struct HostPass {
    std::string key_hash;  // Host::key_hash
    bool vpc_data_plane = false;
  };
  std::optional<HostPass> HostPassOf(const std::string& host_id) const;
  // Called after every commit that concerns some host, with those hosts, on the committing
  // thread and outside every lock of the cloud (it may Read). One listener: the agent service's
  // long-polls. Set it before agents pull. A call may still run after it is replaced: the
  // listener must stay callable (the agent service's holds its waiters by shared pointer).
  void SetWakeListener(std::function<void(const HostWake&)> listener);

  // Reads the accounts from the store again and takes in the ones it does not hold yet or holds
  // in an older version: `ecsd account create` writes to the store while the server runs, and
  // the server learns of it here (api: when an unknown AccessKey signs a request). At most
  // once per `min_interval_ms` for calls that give one (a flood of unknown keys costs one read
  // per interval; 0: always, for the server's periodic reload); returns how many accounts were
  // new or changed. On a shared store it is CatchUp (the accounts arrive with every other
  // commit), and returns how many records that changed.
  int ReloadAccounts(int min_interval_ms = 50);

  // The last serial console output a host reported for an instance. Not durable: hosts send
  // it again after each boot and on every full sync. On a shared store both this and the guest
  // agent's heartbeat below are also shared with the other servers as notes (Store::PutNote:
  // a console when it changes, a heartbeat when it changes and every 30 s), which each server's
  // follower takes in within half a second, so any server answers for any host.
  void SetConsole(const std::string& instance_id, std::string text);
  std::string Console(const std::string& instance_id) const;

  // Cloud Assistant's heartbeat (model/instance_health.h): whether a running guest's agent
  // answered its host the last time the host asked (every sampling interval), and when it last
  // answered. Not durable: hosts report it again within seconds of a restart. `heard` is one
  // host's sample: (instance, answered) per running guest, taken under one hold of the lock
  // (a thousand hosts send theirs every few seconds).
  void SetGuestAgents(const std::vector<std::pair<std::string, bool>>& heard);
  GuestHeartbeat GuestAgent(const std::string& instance_id) const;

 private:
  Cloud(Store* store, CloudConfig config) : store_(store), config_(std::move(config)) {}
  template <typename T>
  Status LoadKind();
  template <typename T>
  void Serialize(WriteBatch& batch, const std::string& id);
  // Writes again, sealed, the records LoadKind found with plaintext secrets (stored before
  // sealing existed, or while CloudConfig::secrets was null).
  Status SealPlaintextSecrets();
  std::map<std::string, std::set<std::string>> unsealed_;  // kind -> ids, during Open only
  // After a failed commit: the batch's records in memory become what the store holds again.
  Status Revert(const WriteBatch& batch);
  // Makes host `id`'s pass (HostPassOf) what state_ holds; "" rebuilds all (requires mu_,
  // exclusively).
  void SyncHostPass(const std::string& id);
  // Adds to `wake` the hosts whose desired state the commit of one touched or erased record
  // can change (under the exclusive lock, before the commit).
  void NoteWake(const std::string& kind, const std::string& id, HostWake& wake, bool echo = false);
  template <typename T>
  Status RevertKind(const std::set<std::string>& ids);
  // Shared stores: takes in another server's commits (under the exclusive lock), noting what
  // they wake.
  template <typename T>
  void ApplyDoc(const Doc& d);
  void ApplyFeed(const ChangeFeed& feed, HostWake& wake, bool& bump);
  // After a commit (or changes taken in) that shapes the agents' state: the revisions move, the
  // wake listener is called. Outside mu_.
  void Publish(const HostWake& wake, bool bump);
  // Decodes a stored record (opening its secrets); false if it does not decode.
  template <typename T>
  bool Decode(const Doc& d, T& rec, bool* plaintext = nullptr) const;

  Store* store_;
  CloudConfig config_;
  // The state's lock: a waiting Write goes before the Reads that come after it.
  mutable WriterFirstSharedMutex mu_;
  // A hold of mu_ shared by this thread, or none if it holds one already (Read in a Read).
  class ReadHold {
   public:
    explicit ReadHold(const Cloud& c) : cloud_(&c) {
      for (const Cloud* held : held_) nested_ |= held == cloud_;
      if (nested_) return;
      cloud_->mu_.lock_shared();
      held_.push_back(cloud_);
    }
    ~ReadHold() {
      if (nested_) return;
      held_.pop_back();
      cloud_->mu_.unlock_shared();
    }
    ReadHold(const ReadHold&) = delete;
    ReadHold& operator=(const ReadHold&) = delete;

   private:
    static inline thread_local std::vector<const Cloud*> held_;
    const Cloud* cloud_;
    bool nested_ = false;
  };
  State state_;
  bool check_index_ = false;  // OPENECS_CHECK_INDEX=1: verify State::index after every Write
  std::mutex rev_mu_;
  std::condition_variable rev_cv_;
  // Starts at the wall clock in microseconds, so revisions keep growing across restarts (an
  // agent that saw revision N before a restart must not wait for N again): a previous run
  // would have needed more than one commit per microsecond, sustained, to get ahead.
  int64_t revision_ = openecs::NowMillis() * 1000;
  // Per host, by the commits that concerned it (guarded by rev_mu_; see HostRevision).
  int64_t all_hosts_revision_ = revision_, data_planes_revision_ = revision_;
  std::map<std::string, int64_t> host_revision_;
  std::map<std::string, int64_t> host_echo_revision_;  // by the commits that only echoed it
  std::function<void(const HostWake&)> wake_listener_;
  HostFootprints footprints_;                    // guarded by mu_
  mutable std::mutex pass_mu_;                   // held alone, never waiting for mu_
  std::map<std::string, HostPass> host_passes_;  // guarded by pass_mu_, written under mu_ too

  std::mutex reload_mu_;
  int64_t last_reload_ms_ = 0;
  // Shared stores: the store's revision this cache holds (guarded by mu_), and the follower.
  bool shared_ = false;
  int64_t applied_revision_ = 0;
  std::atomic<bool> stop_following_{false};
  std::thread follower_;
  mutable std::mutex console_mu_;
  std::map<std::string, std::string> consoles_;
  std::unordered_map<std::string, GuestHeartbeat> guest_agents_;  // guarded by console_mu_
  // Shared stores (guarded by console_mu_): when each heartbeat was heard (here or in a note),
  // and what this server last shared of it (alive, when).
  std::unordered_map<std::string, int64_t> heartbeat_at_;
  std::unordered_map<std::string, std::pair<bool, int64_t>> heartbeat_shared_;
  int64_t notes_seq_ = 0;  // the follower's
  void PollNotes();        // the follower's: other servers' notes into the maps above
};

}  // namespace openecs
