#pragma once
// What the SQLite files of the store layer share (sqlite_store.h: the state; metric_store.h:
// monitoring points; audit_log.h: the audit trail): a statement finalised on scope exit, errors
// that name the file's purpose, and opening a file with its pragmas and schema.
#include <sqlite3.h>

#include <initializer_list>
#include <string>

#include "common/result.h"

namespace openecs {

struct SqliteStmt {
  sqlite3_stmt* s = nullptr;
  ~SqliteStmt() { sqlite3_finalize(s); }
};

// InternalError "<what> storage failure (<step>): <sqlite's message>".
inline Error SqliteError(sqlite3* db, const char* what, const char* step) {
  return MakeError(ErrorCode::kInternalError,
                   std::string(what) + " storage failure (" + step + "): " + sqlite3_errmsg(db));
}

// Opens (creating) `path` and runs `statements` (pragmas, CREATE ... IF NOT EXISTS). On
// failure nothing stays open.
inline Result<sqlite3*> OpenSqlite(const std::string& path, const char* what,
                                   std::initializer_list<const char*> statements) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    Error e = SqliteError(db, what, "open");
    sqlite3_close(db);
    return e;
  }
  for (const char* sql : statements) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      sqlite3_close(db);
      return MakeError(ErrorCode::kInternalError, std::string(what) + " storage failure: " + msg);
    }
  }
  return db;
}

}  // namespace openecs
