#pragma once
// Durable storage of resource records as versioned JSON documents, keyed by (kind, id).
//
// Contract:
// - Commit applies a batch of puts and deletes atomically: all or none.
// - A put carries the document's new version. Version 1 inserts (and fails if the document
//   exists); version N > 1 replaces the stored version N-1 (compare-and-swap) and fails if the
//   stored version differs. A delete carries the version it expects to remove. Either failure
//   returns OperationConflict and writes nothing, so concurrent writers never lose an update.
// - Once Commit returns Ok the batch survives a kill -9 of the process.
// - Implementations are thread-safe; Commit and LoadAll may block on disk I/O.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace openecs {

struct Doc {
  std::string kind;
  std::string id;
  int64_t version = 0;
  std::string body;  // JSON
};

struct WriteBatch {
  std::vector<Doc> puts;
  std::vector<Doc> deletes;  // kind, id, version (body unused)
  bool empty() const { return puts.empty() && deletes.empty(); }
};

class Store {
 public:
  virtual ~Store() = default;
  // Opens a store by URI: "sqlite:<path>" (creates the file, WAL mode: sqlite_store.h) or a
  // PostgreSQL connection URI "postgresql://..." / "postgres://..." (creates the table:
  // pg_store.h). Anything else is InvalidParameter.
  static Result<std::unique_ptr<Store>> Open(const std::string& uri);

  virtual Status Commit(const WriteBatch& batch) = 0;
  // Every document of a kind, ordered by id.
  virtual Result<std::vector<Doc>> LoadAll(std::string_view kind) = 0;
  // Claims the store for this process's server while it lives: a second server that claims it
  // gets OperationConflict (the server caches every record, so two would overwrite each
  // other's view). SQLite's is an flock on "<db>.lock", PostgreSQL's an advisory lock on the
  // schema; either goes with the process (kill -9 included). Tools that only write
  // (`ecsd account`) do not claim.
  virtual Status ClaimExclusive() = 0;
};

}  // namespace openecs
