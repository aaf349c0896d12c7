#include "store/audit_log.h"

#include <chrono>

#include "common/clock.h"
#include "common/log.h"
#include "store/sqlite_util.h"

namespace openecs {
namespace {

using Stmt = SqliteStmt;
Error DbError(sqlite3* db, const char* step) { return SqliteError(db, "audit", step); }

// The columns, in table order.
constexpr const char* kColumns =
    "event_id, time_ms, account_id, identity_type, user_name, access_key_id, source_ip, "
    "user_agent, service, version, action, read_only, parameters, resources, http_status, "
    "error_code, error_message";

std::string Text(sqlite3_stmt* s, int k) {
  const unsigned char* t = sqlite3_column_text(s, k);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path,
                                                 int64_t retention_seconds) {
  OPENECS_ASSIGN_OR_RETURN(
      sqlite3 * db,
      OpenSqlite(
          path, "audit",
          {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
           "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
           "event_id TEXT NOT NULL, time_ms INTEGER NOT NULL, account_id TEXT NOT NULL, "
           "identity_type TEXT, user_name TEXT, access_key_id TEXT, source_ip TEXT, "
           "user_agent TEXT, service TEXT, version TEXT, action TEXT, read_only INTEGER, "
           "parameters TEXT, resources TEXT, http_status INTEGER, error_code TEXT, "
           "error_message TEXT)",
           "CREATE INDEX IF NOT EXISTS events_by_account ON events (account_id, time_ms)"}));
  std::unique_ptr<AuditLog> log(new AuditLog(db, retention_seconds));
  log->writer_ = std::thread([l = log.get()] { l->Writer(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  sqlite3_close(db_);
}

void AuditLog::Record(AuditEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(event));
}

void AuditLog::Writer() {
  int64_t pruned = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; });
    bool stopping = stop_;
    lock.unlock();
    (void)CommitQueued();
    if (int64_t now = NowMillis(); now - pruned > 3600 * 1000) {
      (void)Prune(now);
      pruned = now;
    }
    lock.lock();
    if (stopping && queue_.empty()) return;
  }
}

void AuditLog::Flush() { (void)CommitQueued(); }

Status AuditLog::CommitQueued() {
  // The connection first, then the queue: a batch the writer took is committed before a Flush
  // that came after it takes what is left, so a Flush returns only when every event recorded
  // before it is committed (LookupEvents flushes, then reads).
  // The queue and the batch trade places, each keeping its capacity: a busy server's queue
  // does not grow again from nothing (moving every event it holds) after every commit.
  std::lock_guard<std::mutex> db_lock(db_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch_.swap(queue_);
  }
  if (batch_.empty()) return Ok();
  Status st = Commit(batch_);
  if (!st.ok()) LOG_WARN("audit: {} events lost: {}", batch_.size(), st.error().message);
  batch_.clear();
  return st;
}

Status AuditLog::Commit(const std::vector<AuditEvent>& batch) {
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    return DbError(db_, "begin");
  Stmt ins;
  std::string sql = std::string("INSERT INTO events (") + kColumns +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &ins.s, nullptr) != SQLITE_OK) {
    Error e = DbError(db_, "prepare");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  for (const auto& e : batch) {
    sqlite3_reset(ins.s);
    int k = 1;
    auto text = [&](const std::string& v) {
      sqlite3_bind_text(ins.s, k++, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    text(e.event_id);
    sqlite3_bind_int64(ins.s, k++, e.time_ms);
    text(e.account_id);
    text(e.identity_type);
    text(e.user_name);
    text(e.access_key_id);
    text(e.source_ip);
    text(e.user_agent);
    text(e.service);
    text(e.version);
    text(e.action);
    sqlite3_bind_int(ins.s, k++, e.read_only ? 1 : 0);
    text(e.parameters);
    text(e.resources);
    sqlite3_bind_int(ins.s, k++, e.http_status);
    text(e.error_code);
    text(e.error_message);
    if (sqlite3_step(ins.s) != SQLITE_DONE) {
      Error err = DbError(db_, "write");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return err;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error err = DbError(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return err;
  }
  return Ok();
}

namespace {
// The event of a row of "SELECT seq, <kColumns>".
AuditEvent EventAt(sqlite3_stmt* s) {
  AuditEvent e;
  int c = 1;
  e.event_id = Text(s, c++);
  e.time_ms = sqlite3_column_int64(s, c++);
  e.account_id = Text(s, c++);
  e.identity_type = Text(s, c++);
  e.user_name = Text(s, c++);
  e.access_key_id = Text(s, c++);
  e.source_ip = Text(s, c++);
  e.user_agent = Text(s, c++);
  e.service = Text(s, c++);
  e.version = Text(s, c++);
  e.action = Text(s, c++);
  e.read_only = sqlite3_column_int(s, c++) != 0;
  e.parameters = Text(s, c++);
  e.resources = Text(s, c++);
  e.http_status = sqlite3_column_int(s, c++);
  e.error_code = Text(s, c++);
  e.error_message = Text(s, c++);
  return e;
}
}  // namespace

Status AuditLog::Export(const std::string& account_id, int64_t from_ms, int64_t to_ms,
                        const std::function<void(const AuditEvent&)>& emit) {
  std::string sql = std::string("SELECT seq, ") + kColumns +
                    " FROM events WHERE time_ms >= ? AND time_ms <= ?" +
                    (account_id.empty() ? "" : " AND account_id = ?") + " ORDER BY seq";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.s, nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_int64(s.s, 1, from_ms);
  sqlite3_bind_int64(s.s, 2, to_ms);
  if (!account_id.empty())
    sqlite3_bind_text(s.s, 3, account_id.data(), static_cast<int>(account_id.size()),
                      SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) emit(EventAt(s.s));
  if (rc != SQLITE_DONE) return DbError(db_, "export");
  return Ok();
}

Result<std::vector<AuditEvent>> AuditLog::Lookup(const AuditQuery& q, std::string* next) {
  std::string sql = std::string("SELECT seq, ") + kColumns +
                    " FROM events WHERE account_id = ? AND time_ms >= ? AND time_ms <= ?";
  std::vector<std::string> binds;
  auto eq = [&](const char* column, const std::string& v) {
    if (v.empty()) return;
    sql += std::string(" AND ") + column + " = ?";
    binds.push_back(v);
  };
  eq("action", q.action);
  eq("service", q.service);
  eq("user_name", q.user_name);
  eq("access_key_id", q.access_key_id);
  eq("event_id", q.event_id);
  if (!q.resource.empty()) {
    sql += " AND (',' || resources || ',') LIKE ?";
    binds.push_back("%," + q.resource + ",%");
  }
  if (q.read_write) sql += q.read_write == 1 ? " AND read_only = 1" : " AND read_only = 0";
  int64_t before = INT64_MAX;
  if (!q.next_token.empty()) before = std::atoll(q.next_token.c_str());
  sql += " AND seq < ? ORDER BY seq DESC LIMIT ?";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s.s, nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  int k = 1;
  sqlite3_bind_text(s.s, k++, q.account_id.data(), static_cast<int>(q.account_id.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(s.s, k++, q.from_ms);
  sqlite3_bind_int64(s.s, k++, q.to_ms);
  for (const auto& b : binds)
    sqlite3_bind_text(s.s, k++, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s.s, k++, before);
  sqlite3_bind_int64(s.s, k++, static_cast<int64_t>(q.limit) + 1);
  std::vector<AuditEvent> out;
  std::vector<int64_t> seqs;
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
    seqs.push_back(sqlite3_column_int64(s.s, 0));
    out.push_back(EventAt(s.s));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read");
  next->clear();
  if (out.size() > q.limit) {
    out.pop_back();
    *next = std::to_string(seqs[q.limit - 1]);
  }
  return out;
}

Status AuditLog::Prune(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt d;
  if (sqlite3_prepare_v2(db_, "DELETE FROM events WHERE time_ms < ?", -1, &d.s, nullptr) !=
      SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_int64(d.s, 1, now_ms - retention_s_ * 1000);
  if (sqlite3_step(d.s) != SQLITE_DONE) return DbError(db_, "prune");
  return Ok();
}

}  // namespace openecs
