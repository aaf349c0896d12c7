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
// Several servers per schema (issue 20; how they use it: service/cloud.h, "Several servers").
// shared() is true, and beside `docs` the schema holds:
//  - `doc_revision`, one row: the revision of the last commit. Every commit's first statement
//    adds one to it, which also takes the row's lock until the commit ends: commits are
//    serialised across every server, and land in revision order. Each document put carries
//    its commit's revision (`docs.rev`, indexed); each deletion leaves a tombstone
//    (`doc_tombstones(kind, id, rev)`, the last one per document, kept for ever: they are
//    small). ChangesSince reads both after a revision, in one snapshot.
//  - NOTIFY `openecs_docs` at each commit (the payload is the schema), which WaitForChange
//    listens for on the follower's connection.
//  - BeginWrite: BEGIN and SELECT ... FOR UPDATE of that row (the same lock; one round trip),
//    then the changes after the caller's revision. Commit ends that transaction; EndWrite rolls
//    it back. Every lock wait gives up after 10 s (lock_timeout): a writer that hangs holding
//    the lock costs the others an error, not a hang.
//  - the leader lock (Lead): a session-level advisory lock on the schema, on a connection of its
//    own. PostgreSQL lets it go when that backend ends, a moment after its process dies.
//  - ClaimForServer takes, shared, the lock an ecsd from before this took exclusively as the
//    schema's only server: an old binary and new ones refuse each other, whichever came first.
//  - Connections give up connecting after 10 s, find a silent TCP peer gone in about 30 s, and
//    end a transaction left idle for 15 s, so a stalled server cannot hold the write lock long.
//  - `host_contacts(host_id, server, contact_at)`: each server's last contact with each host
//    (ShareContacts), on the leader's connection, in the database's clock.
//  - `notes(kind, id, body, seq)`: PutNote upserts with the next value of `notes_seq`
//    (the leader's connection), NotesSince reads by it (the follower's). A note whose sequence
//    number was drawn before another's but committed after it could be passed over, so
//    NotesSince reads the last 32 numbers before `seq` again.
// Three connections, each serialised by its own mutex: writes and loads; the follower's
// (LISTEN, ChangesSince); the leader's and contacts'.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/store.h"

struct pg_conn;

namespace openecs {

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& uri);
  ~PgStore() override;
  Status Commit(const WriteBatch& batch) override;
  Result<std::vector<Doc>> LoadAll(std::string_view kind) override;
  Status ClaimForServer() override;

  bool shared() const override { return true; }
  Result<int64_t> Revision() override;
  Result<ChangeFeed> ChangesSince(int64_t since) override;
  Result<ChangeFeed> BeginWrite(int64_t since) override;
  void EndWrite() override;
  bool WaitForChange(int timeout_ms) override;
  bool Lead() override;
  Result<std::map<std::string, SharedContact>> ShareContacts(
      const std::string& server, const std::map<std::string, int64_t>& heard_age_ms) override;
  Status PutNote(const Note& note) override;
  Result<NoteFeed> NotesSince(int64_t seq) override;

 private:
  explicit PgStore(std::string uri) : uri_(std::move(uri)) {}
  // Connects (or reconnects after a failure) the writes' connection: the schema, the statements.
  Status Connect();
  Status CommitOnce(const WriteBatch& batch, bool in_write, bool* commit_sent);
  Status ConnectFeed();  // feed_conn_, LISTENing
  void ReleaseWrite();   // the end of a BeginWrite: mu_ let go
  Status ClaimLocked();  // the shared lock that keeps servers from before issue 20 out
  Status ConnectLead();  // lead_conn_, if it is not up (under lead_mu_)
  std::mutex mu_;
  std::string uri_;
  pg_conn* conn_ = nullptr;
  bool claimed_ = false;  // ClaimForServer's lock, taken again on each reconnection
  // Between BeginWrite and Commit/EndWrite: the transaction is open on conn_, and mu_ is held.
  std::unique_lock<std::mutex> write_lock_;
  std::atomic<std::thread::id> writer_{};  // the thread in BeginWrite, or none
  std::mutex feed_mu_;
  pg_conn* feed_conn_ = nullptr;  // LISTENs
  std::mutex lead_mu_;
  pg_conn* lead_conn_ = nullptr;
  bool leading_ = false;
};

}  // namespace openecs
