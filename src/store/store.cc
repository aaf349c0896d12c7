#include "store/store.h"

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace openecs {

Result<std::unique_ptr<Store>> Store::Open(const std::string& uri) {
  const std::string sqlite = "sqlite:";
  if (uri.starts_with(sqlite)) return SqliteStore::Open(uri.substr(sqlite.size()));
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://")) return PgStore::Open(uri);
  return MakeError(ErrorCode::kInvalidParameter,
                   "unsupported store URI (sqlite:<path> or postgresql://...): " + uri);
}

namespace {
Error NotShared() {
  return MakeError(ErrorCode::kInternalError, "this state store is not shared by servers");
}
}  // namespace

Result<int64_t> Store::Revision() { return NotShared(); }
Result<ChangeFeed> Store::ChangesSince(int64_t) { return NotShared(); }
Result<ChangeFeed> Store::BeginWrite(int64_t) { return NotShared(); }
bool Store::WaitForChange(int) { return false; }
Result<std::map<std::string, SharedContact>> Store::ShareContacts(
    const std::string&, const std::map<std::string, int64_t>&) {
  return NotShared();
}
Status Store::PutNote(const Note&) { return NotShared(); }
Result<NoteFeed> Store::NotesSince(int64_t) { return NotShared(); }

}  // namespace openecs
