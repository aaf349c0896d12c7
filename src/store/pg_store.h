#pragma once
// PostgreSQL implementation of Store (libpq), chosen with `--store postgresql://...` (or
// `postgres://...`; any libpq connection URI, e.g. `postgresql:///openecs?host=/var/run/postgresql`
// for a local socket with peer authentication, which scripts/postgres sets up).
//
// The schema is SQLite's (sqlite_store.h): one table `docs(kind, id, version, body)`, created if
// missing; bodies are the same JSON text, so a record reads the same from either backend.
// Commit is one transaction (a pipeline of the batch's statements ending in one Sync: about
// one round trip) whose puts and deletes carry the same compare-and-swap on `version` as
// SQLite's: an insert of a row that exists, or an update or delete of a version that is not the
// stored one, is OperationConflict and rolls everything back. PostgreSQL's default
// synchronous_commit=on makes a returned Commit durable.
//
// The connection: one, serialised by a mutex (Cloud::Write commits one batch at a time anyway).
// Each (re)connection makes the table if it is missing and prepares the statements. A broken
// connection is reset once per call: a call that failed before its Sync was sent is retried on
// the new connection; one whose Sync got no answer is reported as failed (ServiceUnavailable)
// without a retry, since the commit may or may not have happened, and Cloud::Write then reads
// the batch's records back (service/cloud.h), which tells.
//
// The tables live in the connection's current schema (`public`, or another named by the URI's
// `options=-csearch_path%3D<schema>`, which must exist): one database can hold several clouds.
//
// One server per schema, until several servers share one (issue 20): ClaimExclusive takes a
// session-level advisory lock, held while the connection lives; a second server on the same
// schema is refused at start, and the lock goes with the process (kill -9 included). PostgreSQL
// releases it a moment after the holder's connection closes, so a taken lock is tried for 3 s
// before the claim fails (a server restarted at once after a stop or a crash gets it). If the
// connection is reset the lock is taken again, and a failure to get it back is fatal for the
// calls that follow (they fail with ServiceUnavailable) rather than two writers with two
// caches.
#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

struct pg_conn;

namespace openecs {

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& uri);
  ~PgStore() override;
  Status Commit(const WriteBatch& batch) override;
  Result<std::vector<Doc>> LoadAll(std::string_view kind) override;
  Status ClaimExclusive() override;

 private:
  explicit PgStore(std::string uri) : uri_(std::move(uri)) {}
  // Connects (or reconnects after a failure) and takes the advisory lock again if it was held.
  Status Connect();
  Status ClaimExclusiveLocked();
  Status CommitOnce(const WriteBatch& batch, bool* commit_sent);
  std::mutex mu_;
  std::string uri_;
  pg_conn* conn_ = nullptr;
  bool exclusive_ = false;
};

}  // namespace openecs
