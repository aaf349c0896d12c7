#include "store/store.h"

#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace openecs {

bool Store::IsPostgres(std::string_view uri) {
  return uri.starts_with("postgresql://") || uri.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& uri) {
  const std::string sqlite = "sqlite:";
  if (uri.starts_with(sqlite)) return SqliteStore::Open(uri.substr(sqlite.size()));
  if (IsPostgres(uri)) return PgStore::Open(uri);
  return MakeError(ErrorCode::kInvalidParameter,
                   "unsupported store URI (sqlite:<path> or postgresql://...): " + uri);
}

}  // namespace openecs
