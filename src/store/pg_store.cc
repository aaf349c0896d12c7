#include "store/pg_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/log.h"

namespace openecs {
namespace {

// The advisory locks: the leader's on its schema (Lead: the first key with the schema's hash,
// so one database can hold several clouds in several schemas), and the one that serialises two
// processes creating the schema at once.
constexpr const char* kLeaderLockKey = "730513626";
constexpr const char* kSchemaLockKey = "730513625";
// The lock an ecsd from before several servers took, exclusively, to be the schema's only
// server. Servers now take it shared (ClaimForServer): either kind refuses the other, so an old
// binary never writes beside new ones, whose caches would not learn of its commits.
constexpr const char* kOneServerLockKey = "730513624";
constexpr int kClaimAttempts = 30;  // 100 ms apart: a holder that just went lets go by then
constexpr const char* kChannel = "openecs_docs";

constexpr Oid kTextOid = 25, kInt8Oid = 20;

struct PgResult {
  PGresult* r = nullptr;
  explicit PgResult(PGresult* res) : r(res) {}
  ~PgResult() { PQclear(r); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ExecStatusType status() const { return PQresultStatus(r); }
};

bool Broken(PGconn* c) { return c == nullptr || PQstatus(c) != CONNECTION_OK; }

std::string Message(PGconn* c) {
  std::string m = c ? PQerrorMessage(c) : "no connection";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// A lost connection is the service being unavailable; anything else is a failure of ours.
Error PgError(PGconn* c, const char* step) {
  return MakeError(Broken(c) ? ErrorCode::kServiceUnavailable : ErrorCode::kInternalError,
                   std::string("state storage failure (") + step + "): " + Message(c));
}

Status ExecSimple(PGconn* c, const char* sql, const char* step) {
  PgResult r(PQexec(c, sql));
  if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK) return PgError(c, step);
  return Ok();
}

struct Statement {
  const char* name;
  const char* sql;
  int params;
  Oid types[4];
};
// Prepared on each connection. Version 1 inserts (a row that exists: unique_violation); N > 1
// replaces N - 1, and a delete removes the stored version. An update or delete that finds no
// such row must fail the transaction, not just touch nothing (the batch runs as one implicit
// transaction, which a statement's error alone aborts): it divides by the number of rows it
// touched, so none is a division_by_zero, which CommitOnce reads as the conflict it is.
// Every put and deletion carries its commit's revision, which the commit's first statement
// ("bump") made: later statements of the same transaction read it back.
constexpr Statement kStatements[] = {
    {"bump", "UPDATE doc_revision SET rev = rev + 1", 0, {}},
    {"ins",
     "INSERT INTO docs(kind, id, version, body, rev) VALUES($1, $2, $3, $4, "
     "(SELECT rev FROM doc_revision))",
     4,
     {kTextOid, kTextOid, kInt8Oid, kTextOid}},
    {"upd",
     "WITH w AS (UPDATE docs SET version = $3, body = $4, rev = (SELECT rev FROM doc_revision) "
     "WHERE kind = $1 AND id = $2 AND version = $3 - 1 RETURNING 1) SELECT 1 / count(*) FROM w",
     4,
     {kTextOid, kTextOid, kInt8Oid, kTextOid}},
    {"del",
     "WITH w AS (DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3 RETURNING 1), "
     "t AS (INSERT INTO doc_tombstones(kind, id, rev) SELECT $1, $2, "
     "(SELECT rev FROM doc_revision) FROM w ON CONFLICT (kind, id) DO UPDATE SET rev = "
     "EXCLUDED.rev RETURNING 1) SELECT 1 / count(*) FROM w",
     3,
     {kTextOid, kTextOid, kInt8Oid}},
    {"notify", "SELECT pg_notify('openecs_docs', current_schema())", 0, {}},
    {"commit", "COMMIT", 0, {}},
    {"load",
     "SELECT id, version, body FROM docs WHERE kind = $1 ORDER BY id COLLATE \"C\"",
     1,
     {kTextOid}},
};

// The changes after a revision, in one snapshot, in revision order (a deletion has no body).
constexpr const char* kChangesSql =
    "SELECT kind, id, version, body, rev FROM docs WHERE rev > $1 UNION ALL "
    "SELECT kind, id, 0, NULL, rev FROM doc_tombstones WHERE rev > $1 ORDER BY 5";

// The schema, once, even when two processes connect together (CREATE TABLE IF NOT EXISTS alone
// can race in PostgreSQL's catalogue). A schema made before issue 20 gains the revision
// column, its index and the tables beside.
constexpr const char* kSchemaSql[] = {
    "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, "
    "version BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))",
    "ALTER TABLE docs ADD COLUMN IF NOT EXISTS rev BIGINT NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS docs_rev ON docs (rev)",
    "CREATE TABLE IF NOT EXISTS doc_tombstones (kind TEXT NOT NULL, id TEXT NOT NULL, "
    "rev BIGINT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE INDEX IF NOT EXISTS doc_tombstones_rev ON doc_tombstones (rev)",
    "CREATE TABLE IF NOT EXISTS doc_revision (one BOOLEAN PRIMARY KEY DEFAULT true "
    "CHECK (one), rev BIGINT NOT NULL)",
    "INSERT INTO doc_revision (one, rev) VALUES (true, 0) ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS host_contacts (host_id TEXT NOT NULL, server TEXT NOT NULL, "
    "contact_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (host_id, server))",
    "CREATE SEQUENCE IF NOT EXISTS notes_seq",
    "CREATE TABLE IF NOT EXISTS notes (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
    "seq BIGINT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE INDEX IF NOT EXISTS notes_seq_index ON notes (seq)",
};

// A new connection, its notices silenced (NOTICE: relation exists is not ours to print) and its
// lock waits bounded; null with the reason in `error`.
PGconn* OpenConnection(const std::string& uri, Error* error) {
  // Defaults first, so that the URI's own settings win: a connection attempt gives up after
  // 10 s, and a TCP peer that went silent (a paused or cut-off server holding the write lock)
  // is dropped within about 30 s rather than the kernel's two hours.
  const char* keys[] = {"connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "dbname",
                        nullptr};
  const char* values[] = {"10", "10", "5", "3", "30000", uri.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  if (Broken(c)) {
    *error = MakeError(ErrorCode::kServiceUnavailable,
                       "state storage unavailable: cannot connect to PostgreSQL: " + Message(c));
    PQfinish(c);
    return nullptr;
  }
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  // A write's transaction holds every server's writes off: one left open by a stalled client
  // ends after 15 s, a wait for it after 10 s.
  if (Status st = ExecSimple(c,
                             "SET lock_timeout = '10s'; "
                             "SET idle_in_transaction_session_timeout = '15s'",
                             "connect");
      !st.ok()) {
    *error = st.error();
    PQfinish(c);
    return nullptr;
  }
  return c;
}

// Reads a ChangesSince result.
ChangeFeed ReadFeed(PGresult* r, int64_t since) {
  ChangeFeed feed;
  feed.revision = since;
  int n = PQntuples(r);
  feed.docs.reserve(n);
  for (int i = 0; i < n; ++i) {
    Doc d;
    d.kind.assign(PQgetvalue(r, i, 0), PQgetlength(r, i, 0));
    d.id.assign(PQgetvalue(r, i, 1), PQgetlength(r, i, 1));
    d.version = std::strtoll(PQgetvalue(r, i, 2), nullptr, 10);
    d.deleted = PQgetisnull(r, i, 3);
    if (!d.deleted) d.body.assign(PQgetvalue(r, i, 3), PQgetlength(r, i, 3));
    feed.revision =
        std::max<int64_t>(feed.revision, std::strtoll(PQgetvalue(r, i, 4), nullptr, 10));
    feed.docs.push_back(std::move(d));
  }
  return feed;
}

Result<ChangeFeed> QueryChanges(PGconn* c, int64_t since) {
  std::string s = std::to_string(since);
  const char* values[1] = {s.c_str()};
  Oid types[1] = {kInt8Oid};
  PgResult r(PQexecParams(c, kChangesSql, 1, types, values, nullptr, nullptr, 0));
  if (r.status() != PGRES_TUPLES_OK) return PgError(c, "changes");
  return ReadFeed(r.r, since);
}

// A text[] literal of `items` for a query parameter.
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : item) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

Result<std::unique_ptr<Store>> PgStore::Open(const std::string& uri) {
  std::unique_ptr<PgStore> store(new PgStore(uri));
  OPENECS_RETURN_IF_ERROR(store->Connect());
  return std::unique_ptr<Store>(std::move(store));
}

PgStore::~PgStore() {
  if (conn_) PQfinish(conn_);
  if (feed_conn_) PQfinish(feed_conn_);
  if (lead_conn_) PQfinish(lead_conn_);
}

Status PgStore::Connect() {
  if (conn_) PQfinish(conn_);
  Error error;
  conn_ = OpenConnection(uri_, &error);
  if (!conn_) return error;
  Status st = ExecSimple(conn_, "BEGIN", "schema");
  if (st.ok())
    st = ExecSimple(conn_,
                    (std::string("SELECT pg_advisory_xact_lock(") + kSchemaLockKey +
                     ", hashtext(current_schema()))")
                        .c_str(),
                    "schema lock");
  // Only what is missing: ALTER TABLE and CREATE INDEX lock the table even when they find
  // nothing to do, and every (re)connection of every server comes here.
  bool complete = false;
  if (st.ok()) {
    PgResult r(PQexec(conn_,
                      "SELECT to_regclass('doc_revision') IS NOT NULL AND "
                      "to_regclass('doc_tombstones') IS NOT NULL AND "
                      "to_regclass('host_contacts') IS NOT NULL AND "
                      "to_regclass('notes') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                      "information_schema.columns WHERE table_schema = current_schema() AND "
                      "table_name = 'docs' AND column_name = 'rev')"));
    if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1)
      st = PgError(conn_, "schema");
    else
      complete = std::strcmp(PQgetvalue(r.r, 0, 0), "t") == 0;
  }
  for (const char* sql : kSchemaSql)
    if (st.ok() && !complete) st = ExecSimple(conn_, sql, "schema");
  if (st.ok()) st = ExecSimple(conn_, "COMMIT", "schema");
  for (const Statement& s : kStatements) {
    if (!st.ok()) break;
    PgResult r(PQprepare(conn_, s.name, s.sql, s.params, s.types));
    if (r.status() != PGRES_COMMAND_OK) st = PgError(conn_, "prepare");
  }
  if (!st.ok()) {
    PQfinish(conn_);
    conn_ = nullptr;
    return st;
  }
  if (claimed_) {
    claimed_ = false;
    if (Status claim = ClaimLocked(); !claim.ok()) {
      PQfinish(conn_);
      conn_ = nullptr;
      return claim;
    }
  }
  return Ok();
}

Status PgStore::ClaimForServer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
  return ClaimLocked();
}

Status PgStore::ClaimLocked() {
  if (claimed_) return Ok();
  // Held while the connection lives; PostgreSQL lets it go a moment after a holder's process
  // ends, so a taken lock is tried for 3 s before it counts as an old server's.
  for (int attempt = 0;; ++attempt) {
    PgResult r(PQexec(conn_, (std::string("SELECT pg_try_advisory_lock_shared(") +
                              kOneServerLockKey + ", hashtext(current_schema()))")
                                 .c_str()));
    if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1) return PgError(conn_, "lock");
    if (std::strcmp(PQgetvalue(r.r, 0, 0), "t") == 0) break;
    if (attempt == kClaimAttempts - 1)
      return MakeError(ErrorCode::kOperationConflict,
                       "an ecsd from before several servers per schema holds this PostgreSQL "
                       "schema as its only server: stop it (or upgrade it) first");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  claimed_ = true;
  return Ok();
}

Status PgStore::Commit(const WriteBatch& batch) {
  if (writer_.load() == std::this_thread::get_id()) {
    // Inside this thread's BeginWrite: its transaction, and no retry (a new connection would not
    // hold the lock the caller's view was made under).
    if (batch.empty()) {
      EndWrite();
      return Ok();
    }
    bool commit_sent = false;
    Status st =
        Broken(conn_) ? Status(PgError(conn_, "commit")) : CommitOnce(batch, true, &commit_sent);
    if (!st.ok() && !Broken(conn_)) (void)ExecSimple(conn_, "ROLLBACK", "rollback");
    ReleaseWrite();
    return st;
  }
  if (batch.empty()) return Ok();
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
    bool commit_sent = false;
    Status st = CommitOnce(batch, false, &commit_sent);
    // A refused write, a COMMIT of unknown outcome, or a second lost connection: the caller's.
    if (st.ok() || !Broken(conn_) || commit_sent || attempt == 1) return st;
    LOG_WARN("state storage: connection lost before the commit ({}); retrying once",
             st.error().message);
  }
}

Status PgStore::CommitOnce(const WriteBatch& batch, bool in_write, bool* commit_sent) {
  // The batch is one pipeline: every statement, then one Sync. Between two Syncs the extended
  // protocol runs one implicit transaction, committed at the Sync, rolled back whole if a
  // statement fails; so a batch costs about one round trip and one fsync, not one per record.
  // In a BeginWrite the transaction is explicit, and the pipeline ends with its COMMIT.
  // Results are read every kChunk statements (a flush request), so neither side's socket
  // buffer fills while the other waits.
  constexpr size_t kChunk = 256;
  struct Op {
    const char* stmt;
    const Doc* doc;  // null: a statement without parameters
    int params;
  };
  std::vector<Op> ops;
  ops.reserve(batch.puts.size() + batch.deletes.size() + 3);
  ops.push_back({"bump", nullptr, 0});
  for (const Doc& d : batch.puts) ops.push_back({d.version <= 1 ? "ins" : "upd", &d, 4});
  for (const Doc& d : batch.deletes) ops.push_back({"del", &d, 3});
  ops.push_back({"notify", nullptr, 0});
  if (in_write) ops.push_back({"commit", nullptr, 0});
  if (PQenterPipelineMode(conn_) != 1) return PgError(conn_, "pipeline");
  Status outcome = Ok();
  bool lost = false;
  auto send = [&](const Op& op) {
    if (!op.doc) return PQsendQueryPrepared(conn_, op.stmt, 0, nullptr, nullptr, nullptr, 0) == 1;
    std::string version = std::to_string(op.doc->version);
    const char* values[4] = {op.doc->kind.c_str(), op.doc->id.c_str(), version.c_str(),
                             op.doc->body.c_str()};
    int lengths[4] = {static_cast<int>(op.doc->kind.size()), static_cast<int>(op.doc->id.size()),
                      static_cast<int>(version.size()), static_cast<int>(op.doc->body.size())};
    return PQsendQueryPrepared(conn_, op.stmt, op.params, values, lengths, nullptr, 0) == 1;
  };
  // Reads one statement's result (then the null that ends it); the first failure is the outcome.
  auto read = [&](const Op& op) {
    PGresult* raw = PQgetResult(conn_);
    if (!raw) {
      lost = true;
      return;
    }
    PgResult r(raw);
    PQclear(PQgetResult(conn_));  // the end of this statement's results
    ExecStatusType s = r.status();
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_PIPELINE_ABORTED ||
        !outcome.ok())
      return;
    const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    if (!op.doc) {
      // The revision's lock not had in lock_timeout (55P03), or a failed COMMIT.
      outcome = MakeError(
          code == "55P03" ? ErrorCode::kServiceUnavailable : ErrorCode::kInternalError,
          "state storage failure (" + std::string(op.stmt) + "): " + PQresultErrorMessage(r.r));
      return;
    }
    const Doc& d = *op.doc;
    if (code == "23505")
      outcome = MakeError(ErrorCode::kOperationConflict, d.kind + " " + d.id + " already exists");
    else if (code == "22012")
      outcome = MakeError(ErrorCode::kOperationConflict,
                          d.kind + " " + d.id + " was changed by another writer");
    else
      outcome = MakeError(ErrorCode::kInternalError, "state storage failure (write): " +
                                                         std::string(PQresultErrorMessage(r.r)));
  };
  size_t read_upto = 0;
  for (size_t k = 0; k < ops.size() && outcome.ok() && !lost; ++k) {
    if (!send(ops[k])) {
      lost = true;
      break;
    }
    // Its COMMIT may run at the next flush: from here its outcome is unknown if we are cut off.
    if (in_write && k + 1 == ops.size()) *commit_sent = outcome.ok();
    if ((k + 1) % kChunk == 0 || k + 1 == ops.size()) {
      if (PQsendFlushRequest(conn_) != 1 || PQflush(conn_) != 0) {
        lost = true;
        break;
      }
      for (; read_upto <= k && !lost; ++read_upto) read(ops[read_upto]);
    }
  }
  // The Sync commits what ran, or rolls back after a failure (then the outcome is known: not
  // committed).
  if (!lost && PQpipelineSync(conn_) == 1) {
    if (!in_write) *commit_sent = outcome.ok();
    for (; read_upto < ops.size() && !lost; ++read_upto) read(ops[read_upto]);
    // What follows the statements is the Sync's own result.
    PGresult* raw = lost ? nullptr : PQgetResult(conn_);
    if (!raw) lost = true;
    PgResult sync(raw);
    if (raw && sync.status() != PGRES_PIPELINE_SYNC && outcome.ok())
      outcome = PgError(conn_, "commit");
  } else {
    lost = true;
  }
  if (lost || Broken(conn_)) {
    // The connection is gone or out of step: start again on a new one next time.
    Error e = MakeError(ErrorCode::kServiceUnavailable,
                        "state storage failure (commit): " + Message(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    return e;
  }
  PQexitPipelineMode(conn_);
  return outcome;
}

Result<std::vector<Doc>> PgStore::LoadAll(std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
    std::string k(kind);
    const char* values[1] = {k.c_str()};
    PgResult r(PQexecPrepared(conn_, "load", 1, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK) {
      if (Broken(conn_) && attempt == 0) continue;  // a read is safe to retry
      return PgError(conn_, "read");
    }
    std::vector<Doc> out;
    int n = PQntuples(r.r);
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
      Doc d;
      d.kind = k;
      d.id.assign(PQgetvalue(r.r, i, 0), PQgetlength(r.r, i, 0));
      d.version = std::strtoll(PQgetvalue(r.r, i, 1), nullptr, 10);
      d.body.assign(PQgetvalue(r.r, i, 2), PQgetlength(r.r, i, 2));
      out.push_back(std::move(d));
    }
    return out;
  }
}

Result<int64_t> PgStore::Revision() {
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
    PgResult r(PQexec(conn_, "SELECT rev FROM doc_revision"));
    if (r.status() == PGRES_TUPLES_OK && PQntuples(r.r) == 1)
      return std::strtoll(PQgetvalue(r.r, 0, 0), nullptr, 10);
    if (!(Broken(conn_) && attempt == 0)) return PgError(conn_, "revision");
  }
}

Result<ChangeFeed> PgStore::BeginWrite(int64_t since) {
  std::unique_lock<std::mutex> lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
    // Waits for a commit in progress on any server, then holds the next one off.
    PgResult r(PQexec(conn_, "BEGIN; SELECT rev FROM doc_revision FOR UPDATE"));
    if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1) {
      Error e = PgError(conn_, "write lock");
      if (!Broken(conn_)) {
        (void)ExecSimple(conn_, "ROLLBACK", "rollback");
        // Not had in lock_timeout: another server holds it.
        return MakeError(ErrorCode::kServiceUnavailable, e.message);
      }
      if (attempt == 0) continue;  // nothing was written: safe to try again
      return e;
    }
    int64_t rev = std::strtoll(PQgetvalue(r.r, 0, 0), nullptr, 10);
    ChangeFeed feed;
    feed.revision = since;
    if (rev != since) {
      auto changes = QueryChanges(conn_, since);
      if (!changes.ok()) {
        if (!Broken(conn_)) (void)ExecSimple(conn_, "ROLLBACK", "rollback");
        return changes.error();
      }
      feed = std::move(*changes);
    }
    feed.revision = rev;
    write_lock_ = std::move(lock);
    writer_ = std::this_thread::get_id();
    return feed;
  }
}

void PgStore::EndWrite() {
  if (writer_.load() != std::this_thread::get_id()) return;
  if (!Broken(conn_)) (void)ExecSimple(conn_, "ROLLBACK", "rollback");
  ReleaseWrite();
}

void PgStore::ReleaseWrite() {
  // Out of the member while mu_ is still held: the next writer moves its lock into write_lock_
  // as soon as mu_ is free, so this thread must not touch the member after the unlock.
  std::unique_lock<std::mutex> held = std::move(write_lock_);
  writer_ = std::thread::id();
}

Status PgStore::ConnectFeed() {
  if (feed_conn_) PQfinish(feed_conn_);
  Error error;
  feed_conn_ = OpenConnection(uri_, &error);
  if (!feed_conn_) return error;
  if (Status st = ExecSimple(feed_conn_, (std::string("LISTEN ") + kChannel).c_str(), "listen");
      !st.ok()) {
    PQfinish(feed_conn_);
    feed_conn_ = nullptr;
    return st;
  }
  return Ok();
}

Result<ChangeFeed> PgStore::ChangesSince(int64_t since) {
  std::lock_guard<std::mutex> lock(feed_mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(feed_conn_)) OPENECS_RETURN_IF_ERROR(ConnectFeed());
    auto feed = QueryChanges(feed_conn_, since);
    if (feed.ok() || !Broken(feed_conn_) || attempt == 1) return feed;
  }
}

bool PgStore::WaitForChange(int timeout_ms) {
  int fd;
  auto drain = [this] {
    bool any = false;
    PQconsumeInput(feed_conn_);
    while (PGnotify* n = PQnotifies(feed_conn_)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  };
  {
    std::lock_guard<std::mutex> lock(feed_mu_);
    if (Broken(feed_conn_)) {
      // Notifications may have been lost with the connection: the caller reads the changes.
      if (!ConnectFeed().ok())
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 1000)));
      return true;
    }
    if (drain()) return true;
    fd = PQsocket(feed_conn_);
  }
  // The wait holds no lock: a ChangesSince of another thread (a ClientToken's claim) goes on
  // meanwhile on this connection. A notification it takes in is found at the next call.
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, timeout_ms);
  std::lock_guard<std::mutex> lock(feed_mu_);
  return Broken(feed_conn_) || drain();
}

Status PgStore::ConnectLead() {
  if (!Broken(lead_conn_)) return Ok();
  leading_ = false;  // the lock was the lost session's
  if (lead_conn_) PQfinish(lead_conn_);
  Error error;
  lead_conn_ = OpenConnection(uri_, &error);
  if (!lead_conn_) return error;
  return Ok();
}

bool PgStore::Lead() {
  std::lock_guard<std::mutex> lock(lead_mu_);
  if (!ConnectLead().ok()) return false;
  if (leading_) {
    // Still held while the session lives: check that it does.
    PgResult r(PQexec(lead_conn_, "SELECT 1"));
    if (r.status() == PGRES_TUPLES_OK) return true;
    LOG_WARN("state storage: the leader's connection failed; leadership given up: {}",
             Message(lead_conn_));
    leading_ = false;
    PQfinish(lead_conn_);
    lead_conn_ = nullptr;
    return false;
  }
  PgResult r(PQexec(lead_conn_, (std::string("SELECT pg_try_advisory_lock(") + kLeaderLockKey +
                                 ", hashtext(current_schema()))")
                                    .c_str()));
  leading_ = r.status() == PGRES_TUPLES_OK && PQntuples(r.r) == 1 &&
             std::strcmp(PQgetvalue(r.r, 0, 0), "t") == 0;
  return leading_;
}

Result<std::map<std::string, SharedContact>> PgStore::ShareContacts(
    const std::string& server, const std::map<std::string, int64_t>& heard_age_ms) {
  std::lock_guard<std::mutex> lock(lead_mu_);
  OPENECS_RETURN_IF_ERROR(ConnectLead());
  std::vector<std::string> hosts, ages;
  for (const auto& [host, age] : heard_age_ms) {
    hosts.push_back(host);
    ages.push_back(std::to_string(age));
  }
  if (!hosts.empty()) {
    std::string host_array = TextArray(hosts), age_array = TextArray(ages);
    const char* values[3] = {host_array.c_str(), server.c_str(), age_array.c_str()};
    PgResult r(PQexecParams(
        lead_conn_,
        "INSERT INTO host_contacts (host_id, server, contact_at) SELECT h, $2, now() - a * "
        "interval '1 millisecond' FROM unnest($1::text[], $3::bigint[]) AS u(h, a) ON CONFLICT "
        "(host_id, server) DO UPDATE SET contact_at = EXCLUDED.contact_at",
        3, nullptr, values, nullptr, nullptr, 0));
    if (r.status() != PGRES_COMMAND_OK) return PgError(lead_conn_, "contacts");
  }
  PgResult r(PQexec(lead_conn_,
                    "SELECT host_id, (extract(epoch FROM now() - max(contact_at)) * 1000)::bigint "
                    "FROM host_contacts GROUP BY host_id"));
  if (r.status() != PGRES_TUPLES_OK) return PgError(lead_conn_, "contacts");
  std::map<std::string, SharedContact> out;
  for (int i = 0; i < PQntuples(r.r); ++i)
    out[PQgetvalue(r.r, i, 0)].age_ms =
        std::max<int64_t>(0, std::strtoll(PQgetvalue(r.r, i, 1), nullptr, 10));
  return out;
}

Status PgStore::PutNote(const Note& note) {
  std::lock_guard<std::mutex> lock(lead_mu_);
  OPENECS_RETURN_IF_ERROR(ConnectLead());
  const char* values[3] = {note.kind.c_str(), note.id.c_str(), note.body.c_str()};
  PgResult r(PQexecParams(lead_conn_,
                          "INSERT INTO notes (kind, id, body, seq) VALUES ($1, $2, $3, "
                          "nextval('notes_seq')) ON CONFLICT (kind, id) DO UPDATE SET body = "
                          "EXCLUDED.body, seq = EXCLUDED.seq",
                          3, nullptr, values, nullptr, nullptr, 0));
  if (r.status() != PGRES_COMMAND_OK) return PgError(lead_conn_, "note");
  return Ok();
}

Result<NoteFeed> PgStore::NotesSince(int64_t seq) {
  std::lock_guard<std::mutex> lock(feed_mu_);
  if (Broken(feed_conn_)) OPENECS_RETURN_IF_ERROR(ConnectFeed());
  std::string from = std::to_string(std::max<int64_t>(0, seq - 32));
  const char* values[1] = {from.c_str()};
  PgResult r(PQexecParams(feed_conn_,
                          "SELECT kind, id, body, seq FROM notes WHERE seq > $1::bigint ORDER BY "
                          "seq",
                          1, nullptr, values, nullptr, nullptr, 0));
  if (r.status() != PGRES_TUPLES_OK) return PgError(feed_conn_, "notes");
  NoteFeed feed;
  feed.seq = seq;
  for (int i = 0; i < PQntuples(r.r); ++i) {
    feed.notes.push_back({PQgetvalue(r.r, i, 0), PQgetvalue(r.r, i, 1),
                          std::string(PQgetvalue(r.r, i, 2), PQgetlength(r.r, i, 2))});
    feed.seq = std::max<int64_t>(feed.seq, std::strtoll(PQgetvalue(r.r, i, 3), nullptr, 10));
  }
  return feed;
}

}  // namespace openecs
