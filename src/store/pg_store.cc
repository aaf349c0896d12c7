#include "store/pg_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "common/log.h"

namespace openecs {
namespace {

// The advisory locks: one server's on its schema (ClaimExclusive: the first key with the
// schema's hash, so one database can hold several clouds in several schemas), and the one that
// serialises two processes creating the schema at once.
constexpr const char* kServerLockKey = "730513624";
constexpr const char* kSchemaLockKey = "730513625";
constexpr int kClaimAttempts = 30;  // 100 ms apart: a holder that just went lets go by then

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
constexpr Statement kStatements[] = {
    {"ins",
     "INSERT INTO docs(kind, id, version, body) VALUES($1, $2, $3, $4)",
     4,
     {kTextOid, kTextOid, kInt8Oid, kTextOid}},
    {"upd",
     "WITH w AS (UPDATE docs SET version = $3, body = $4 WHERE kind = $1 AND id = $2 AND "
     "version = $3 - 1 RETURNING 1) SELECT 1 / count(*) FROM w",
     4,
     {kTextOid, kTextOid, kInt8Oid, kTextOid}},
    {"del",
     "WITH w AS (DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3 RETURNING 1) "
     "SELECT 1 / count(*) FROM w",
     3,
     {kTextOid, kTextOid, kInt8Oid}},
    {"load",
     "SELECT id, version, body FROM docs WHERE kind = $1 ORDER BY id COLLATE \"C\"",
     1,
     {kTextOid}},
};

}  // namespace

Result<std::unique_ptr<Store>> PgStore::Open(const std::string& uri) {
  std::unique_ptr<PgStore> store(new PgStore(uri));
  OPENECS_RETURN_IF_ERROR(store->Connect());
  return std::unique_ptr<Store>(std::move(store));
}

PgStore::~PgStore() {
  if (conn_) PQfinish(conn_);
}

Status PgStore::Connect() {
  if (conn_) PQfinish(conn_);
  conn_ = PQconnectdb(uri_.c_str());
  if (Broken(conn_)) {
    Error e =
        MakeError(ErrorCode::kServiceUnavailable,
                  "state storage unavailable: cannot connect to PostgreSQL: " + Message(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    return e;
  }
  // Warnings of the server (NOTICE: relation exists) are not ours to print.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  // The table, once, even when two processes connect together (CREATE TABLE IF NOT EXISTS
  // alone can race in PostgreSQL's catalogue); then the statements, which need it.
  Status st = ExecSimple(conn_, "BEGIN", "schema");
  if (st.ok())
    st = ExecSimple(conn_,
                    (std::string("SELECT pg_advisory_xact_lock(") + kSchemaLockKey +
                     ", hashtext(current_schema()))")
                        .c_str(),
                    "schema lock");
  if (st.ok())
    st = ExecSimple(conn_,
                    "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, "
                    "version BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id))",
                    "schema");
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
  if (exclusive_) {
    exclusive_ = false;
    if (Status st = ClaimExclusiveLocked(); !st.ok()) {
      PQfinish(conn_);
      conn_ = nullptr;
      return st;
    }
  }
  return Ok();
}

Status PgStore::ClaimExclusive() {
  std::lock_guard<std::mutex> lock(mu_);
  if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
  return ClaimExclusiveLocked();
}

Status PgStore::ClaimExclusiveLocked() {
  // The lock is the holder's session's: PostgreSQL lets it go when that backend ends, which it
  // does a moment after the holder's connection closes (a server that just stopped or was
  // killed). So a taken lock is tried again for a while before it counts as another server's.
  for (int attempt = 0;; ++attempt) {
    PgResult r(PQexec(conn_, (std::string("SELECT pg_try_advisory_lock(") + kServerLockKey +
                              ", hashtext(current_schema()))")
                                 .c_str()));
    if (r.status() != PGRES_TUPLES_OK || PQntuples(r.r) != 1) return PgError(conn_, "lock");
    if (std::strcmp(PQgetvalue(r.r, 0, 0), "t") == 0) break;
    if (attempt == kClaimAttempts - 1)
      return MakeError(ErrorCode::kOperationConflict,
                       "another ecsd server holds this PostgreSQL schema (one server per schema: "
                       "its state is cached in the server's memory)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  exclusive_ = true;
  return Ok();
}

Status PgStore::Commit(const WriteBatch& batch) {
  if (batch.empty()) return Ok();
  std::lock_guard<std::mutex> lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (Broken(conn_)) OPENECS_RETURN_IF_ERROR(Connect());
    bool commit_sent = false;
    Status st = CommitOnce(batch, &commit_sent);
    // A refused write, a COMMIT of unknown outcome, or a second lost connection: the caller's.
    if (st.ok() || !Broken(conn_) || commit_sent || attempt == 1) return st;
    LOG_WARN("state storage: connection lost before the commit ({}); retrying once",
             st.error().message);
  }
}

Status PgStore::CommitOnce(const WriteBatch& batch, bool* commit_sent) {
  // The batch is one pipeline: every statement, then one Sync. Between two Syncs the extended
  // protocol runs one implicit transaction, committed at the Sync, rolled back whole if a
  // statement fails; so a batch costs about one round trip and one fsync, not one per record.
  // Results are read every kChunk statements (a flush request), so neither side's socket
  // buffer fills while the other waits.
  constexpr size_t kChunk = 256;
  struct Op {
    const char* stmt;
    const Doc* doc;
    int params;
  };
  std::vector<Op> ops;
  ops.reserve(batch.puts.size() + batch.deletes.size());
  for (const Doc& d : batch.puts) ops.push_back({d.version <= 1 ? "ins" : "upd", &d, 4});
  for (const Doc& d : batch.deletes) ops.push_back({"del", &d, 3});
  if (PQenterPipelineMode(conn_) != 1) return PgError(conn_, "pipeline");
  Status outcome = Ok();
  bool lost = false;
  auto send = [&](const Op& op) {
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
    *commit_sent = outcome.ok();
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

}  // namespace openecs
