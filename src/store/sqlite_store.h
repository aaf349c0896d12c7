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
  // An exclusive flock on "<path>.lock", held until the store is destroyed.
  Status ClaimForServer() override;

 private:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Exec(const char* sql);
  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace openecs
