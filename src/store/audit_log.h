#pragma once
// The audit trail (issue 18): one event per authenticated API call — who (account, identity,
// AccessKey), what (service, version, action, parameters with secrets masked), the outcome
// (ECS error code or none), the RequestId, and where from (source address, user agent) — in
// its own SQLite file (data/audit.sqlite), kept `retention` seconds (ActionTrail keeps 90 days).
//
// Record() only queues (a bounded queue: a burst beyond kMaxQueued events is counted in
// dropped(), never blocks a request); a writer thread commits the queue every 200 ms in one
// transaction. Lookup reads what is committed. Thread-safe.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

struct sqlite3;

namespace openecs {

struct AuditEvent {
  std::string event_id;  // the RequestId
  int64_t time_ms = 0;
  std::string account_id;
  std::string identity_type;  // root-account | ram-user | assumed-role
  std::string user_name;      // RAM user or role session ("" for the account)
  std::string access_key_id;
  std::string source_ip;
  std::string user_agent;
  std::string service;  // ecs | vpc | ram | sts | bss | cms | ...
  std::string version;
  std::string action;
  bool read_only = false;  // Describe*/List*/Get*/Query*
  std::string parameters;  // JSON object, secrets masked
  std::string resources;   // comma-separated ids the request named
  int http_status = 200;
  std::string error_code;  // "" on success
  std::string error_message;
};

struct AuditQuery {
  std::string account_id;
  int64_t from_ms = 0, to_ms = 0;  // [from, to]
  // Equality filters ("" = any).
  std::string action, service, user_name, access_key_id, resource, event_id;
  int read_write = 0;  // 0 any, 1 read, 2 write
  size_t limit = 50;
  std::string next_token;  // from the previous page
};

class AuditLog {
 public:
  static constexpr size_t kMaxQueued = 100000;
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path,
                                                int64_t retention_seconds = 90 * 86400);
  ~AuditLog();
  void Record(AuditEvent event);
  // Newest first; `next` gets the token of the next page ("" when this was the last).
  Result<std::vector<AuditEvent>> Lookup(const AuditQuery& q, std::string* next);
  // Every committed event in [from_ms, to_ms] (of one account, or all with ""), oldest first
  // (`ecsd audit export`).
  Status Export(const std::string& account_id, int64_t from_ms, int64_t to_ms,
                const std::function<void(const AuditEvent&)>& emit);
  // Returns when every event recorded before the call is committed (what the writer took
  // already included): LookupEvents calls it, so an answer holds the calls made before it.
  void Flush();
  // Deletes events older than the retention (the writer does it hourly).
  Status Prune(int64_t now_ms);
  int64_t dropped() const { return dropped_.load(); }

 private:
  AuditLog(sqlite3* db, int64_t retention) : db_(db), retention_s_(retention) {}
  void Writer();
  // Takes the connection, then what is queued, and commits it (a failure is logged: those
  // events are lost).
  Status CommitQueued();
  Status Commit(const std::vector<AuditEvent>& batch);  // db_mu_ held
  sqlite3* db_;
  int64_t retention_s_;
  std::mutex db_mu_;  // the connection
  std::mutex mu_;     // the queue
  std::condition_variable wake_;
  std::vector<AuditEvent> queue_;  // taken whole by a swap (a deque put each event in a node)
  std::vector<AuditEvent> batch_;  // what the writer commits (db_mu_); empty between commits
  bool stop_ = false;
  std::atomic<int64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace openecs
