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

}  // namespace openecs
