#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "store/sqlite_util.h"

namespace openecs {
namespace {

using Stmt = SqliteStmt;
Error DbError(sqlite3* db, const char* step) { return SqliteError(db, "state", step); }

}  // namespace

Result<std::unique_ptr<Store>> SqliteStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    Error e = DbError(db, "open");
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  for (const char* sql :
       // FULL: a commit is on disk when Commit returns, not only in the page cache. Hosts act on
       // what is committed (an agent erases a deleted disk's file); with NORMAL a power loss
       // could take back the deletion after the erase. secure_delete: a replaced record's old
       // text (a secret from before sealing, service/cloud.h) does not linger in free pages.
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000",
        "PRAGMA secure_delete=ON",
        "CREATE TABLE IF NOT EXISTS docs (kind TEXT NOT NULL, id TEXT NOT NULL, "
        "version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, id)) "
        "WITHOUT ROWID"}) {
    OPENECS_RETURN_IF_ERROR(store->Exec(sql));
  }
  return std::unique_ptr<Store>(std::move(store));
}

SqliteStore::~SqliteStore() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status SqliteStore::ClaimForServer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (lock_fd_ >= 0) return Ok();
  std::string file = path_ + ".lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return MakeError(ErrorCode::kInternalError,
                     "state storage failure (lock " + file + "): " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return MakeError(ErrorCode::kOperationConflict,
                       "another ecsd server holds " + path_ +
                           " (one server per store: its state is cached in the server's memory)");
    return MakeError(ErrorCode::kInternalError,
                     "state storage failure (lock " + file + "): " + std::strerror(err));
  }
  lock_fd_ = fd;
  return Ok();
}

Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    return MakeError(ErrorCode::kInternalError, std::string("storage failure: ") + msg);
  }
  return Ok();
}

Status SqliteStore::Commit(const WriteBatch& batch) {
  if (batch.empty()) return Ok();
  std::lock_guard<std::mutex> lock(mu_);
  OPENECS_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Error e) {
    (void)Exec("ROLLBACK");
    return e;
  };
  Stmt ins, upd, del;
  if (!batch.puts.empty()) {
    if (sqlite3_prepare_v2(db_, "INSERT INTO docs(kind,id,version,body) VALUES(?,?,?,?)", -1,
                           &ins.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_,
                           "UPDATE docs SET version=?3, body=?4 WHERE kind=?1 AND id=?2 AND "
                           "version=?3-1",
                           -1, &upd.s, nullptr) != SQLITE_OK)
      return fail(DbError(db_, "prepare"));
  }
  for (const Doc& d : batch.puts) {
    sqlite3_stmt* s = d.version <= 1 ? ins.s : upd.s;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, d.kind.data(), static_cast<int>(d.kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, d.id.data(), static_cast<int>(d.id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, d.version);
    sqlite3_bind_text(s, 4, d.body.data(), static_cast<int>(d.body.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_CONSTRAINT)
      return fail(
          MakeError(ErrorCode::kOperationConflict, d.kind + " " + d.id + " already exists"));
    if (rc != SQLITE_DONE) return fail(DbError(db_, "write"));
    if (sqlite3_changes(db_) != 1)
      return fail(MakeError(ErrorCode::kOperationConflict,
                            d.kind + " " + d.id + " was changed by another writer"));
  }
  if (!batch.deletes.empty() &&
      sqlite3_prepare_v2(db_, "DELETE FROM docs WHERE kind=? AND id=? AND version=?", -1, &del.s,
                         nullptr) != SQLITE_OK)
    return fail(DbError(db_, "prepare"));
  for (const Doc& d : batch.deletes) {
    sqlite3_reset(del.s);
    sqlite3_bind_text(del.s, 1, d.kind.data(), static_cast<int>(d.kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(del.s, 2, d.id.data(), static_cast<int>(d.id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(del.s, 3, d.version);
    if (sqlite3_step(del.s) != SQLITE_DONE) return fail(DbError(db_, "delete"));
    if (sqlite3_changes(db_) != 1)
      return fail(MakeError(ErrorCode::kOperationConflict,
                            d.kind + " " + d.id + " was changed by another writer"));
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail(DbError(db_, "commit"));
  return Ok();
}

Result<std::vector<Doc>> SqliteStore::LoadAll(std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q;
  if (sqlite3_prepare_v2(db_, "SELECT id, version, body FROM docs WHERE kind=? ORDER BY id", -1,
                         &q.s, nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_text(q.s, 1, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
  std::vector<Doc> out;
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    Doc d;
    d.kind = std::string(kind);
    d.id = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0));
    d.version = sqlite3_column_int64(q.s, 1);
    d.body = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 2));
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read");
  return out;
}

}  // namespace openecs
