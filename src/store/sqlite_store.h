#pragma once
// SQLite implementation of Store: one table of documents, WAL journal, synchronous=NORMAL
// (a committed transaction survives a process crash; the last ones may be lost on power loss).
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

struct sqlite3;

namespace openecs {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~SqliteStore() override;
  Status Commit(const WriteBatch& batch) override;
  Result<std::vector<Doc>> LoadAll(std::string_view kind) override;

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace openecs
