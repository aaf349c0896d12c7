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
#include <map>
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
  std::string body;      // JSON
  bool deleted = false;  // in a ChangeFeed only: the document was deleted (body empty)
};

// What a shared store's commits after some revision left (Store::ChangesSince): the latest
// state of every document they put or deleted, in the order of the commits that last touched
// them, and the revision this brings a reader to.
struct ChangeFeed {
  int64_t revision = 0;
  std::vector<Doc> docs;
};

// What an agent reported that no server keeps durably (a console's tail, a guest agent's
// heartbeat), shared by the servers of a shared store (Store::PutNote, NotesSince).
struct Note {
  std::string kind, id, body;
};
struct NoteFeed {
  int64_t seq = 0;  // where the next NotesSince starts
  std::vector<Note> notes;
};

// A host's last contact with any server of a shared store (Store::ShareContacts).
struct SharedContact {
  int64_t age_ms = 0;
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
  // Claims the store for this process's server while it lives. A store that is not shared()
  // (SQLite) takes one server: a second that claims it gets OperationConflict (the server caches
  // every record, so two would overwrite each other's view); the claim is an flock on
  // "<db>.lock" and goes with the process (kill -9 included). A shared store (PostgreSQL) takes
  // any number, and claiming it is only a check that it can be reached. Tools that only write
  // (`ecsd account`) do not claim.
  virtual Status ClaimForServer() = 0;

  // ---- Several servers on one store (shared() stores only; the others answer
  // InvalidOperation). How the servers use it: service/cloud.h, "Several servers".
  //
  // A shared store numbers its commits: every Commit is one revision, one higher than the one
  // before, and commits become visible in revision order. Deletions are remembered as
  // tombstones so that a reader behind can learn of them.
  virtual bool shared() const { return false; }
  // The revision of the last commit.
  virtual Result<int64_t> Revision();
  // The changes of the commits after `since`, on a connection of their own (a follower's: it
  // does not wait for a write in progress on this store).
  virtual Result<ChangeFeed> ChangesSince(int64_t since);
  // Opens a write: takes the store's write lock, which every writer of every server takes, so
  // that no other commit lands until this one's Commit or EndWrite; and answers what was
  // committed after `since` (the caller's view is current once it has applied that). Then
  // Commit commits in it and lets the lock go; EndWrite (always called, also after a Commit,
  // then a no-op) gives it up without a commit. One write at a time per store object.
  virtual Result<ChangeFeed> BeginWrite(int64_t since);
  virtual void EndWrite() {}
  // Blocks until another commit may have landed (a notification) or `timeout_ms` passed; true
  // when notified. For the follower's thread, which calls ChangesSince next.
  virtual bool WaitForChange(int timeout_ms);
  // Leadership of the background work (snapshot policies, expiry, billing, host loss): true
  // while this store object holds the store's leader lock, which one of any number of holders
  // gets, and which goes with its process (kill -9 included) or its lost connection; each call
  // tries to take it if not held. Not shared stores: always true.
  virtual bool Lead() { return true; }
  // Publishes the hosts this server heard from (`age_ms` since each one's last contact) under
  // `server`, and answers every host's last contact with any server.
  virtual Result<std::map<std::string, SharedContact>> ShareContacts(
      const std::string& server, const std::map<std::string, int64_t>& heard_age_ms);
  // Notes: last write wins per (kind, id); nothing is versioned and a note wakes nobody.
  // NotesSince answers the notes written after `seq` (and may answer a few before it again).
  virtual Status PutNote(const Note& note);
  virtual Result<NoteFeed> NotesSince(int64_t seq);
};

}  // namespace openecs
