#include "store/metric_store.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "store/sqlite_util.h"

namespace openecs {
namespace {

using Stmt = SqliteStmt;
Error DbError(sqlite3* db, const char* step) { return SqliteError(db, "metrics", step); }

// Compact text, about 20 bytes a metric: "s=<seconds>;cpu=<sum>,<min>,<max>;rb=0;..." with seven
// significant digits. Every metric of a point covers the same seconds (the monitor adds each
// sample to all of them), so they are written once; an all-zero metric is "name=0".
void AppendNum(std::string& out, double v) {
  // As printf's "%.7g" writes it (the standard defines to_chars by it), without its cost: a
  // minute's points of 100,000 guests are some 300,000 points, two million numbers.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 7);
  if (ec == std::errc())
    out.append(buf, end);
  else
    out += '0';
}

// Into `out` (cleared), so one buffer serves every point of an Append.
void Encode(const MetricValues& values, std::string& out) {
  double seconds = 0;
  for (const auto& [name, v] : values) seconds = std::max(seconds, v.seconds);
  out = "s=";
  AppendNum(out, seconds);
  for (const auto& [name, v] : values) {
    out += ';';
    out += name;
    out += '=';
    if (v.sum == 0 && v.min == 0 && v.max == 0) {
      out += '0';
      continue;
    }
    AppendNum(out, v.sum);
    out += ',';
    AppendNum(out, v.min);
    out += ',';
    AppendNum(out, v.max);
  }
}

// Up to three numbers "a,b,c" of `text`, as sscanf("%lf,%lf,%lf") reads them; how many.
int Numbers(std::string_view text, double (&v)[3]) {
  int n = 0;
  const char* at = text.data();
  const char* end = text.data() + text.size();
  while (n < 3) {
    auto [next, ec] = std::from_chars(at, end, v[n]);
    if (ec != std::errc()) break;
    ++n;
    if (next == end || *next != ',') break;
    at = next + 1;
  }
  return n;
}

MetricValues Decode(const unsigned char* text) {
  MetricValues out;
  std::string_view s = text ? reinterpret_cast<const char*>(text) : "";
  double seconds = 0;
  while (!s.empty()) {
    size_t end = s.find(';');
    std::string_view item = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view() : s.substr(end + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = item.substr(0, eq);
    double v[3] = {0, 0, 0};
    int n = Numbers(item.substr(eq + 1), v);
    if (name == "s") {
      seconds = n >= 1 ? v[0] : 0;
      continue;
    }
    if (n != 1 && n != 3) continue;
    out[std::string(name)] = {v[0], seconds, v[1], v[2]};
  }
  return out;
}

}  // namespace

void MetricStat::Add(double delta, double dt) {
  if (dt <= 0) return;
  double rate = delta / dt;
  if (seconds <= 0) {
    min = max = rate;
  } else {
    min = std::min(min, rate);
    max = std::max(max, rate);
  }
  sum += delta;
  seconds += dt;
}

void MetricStat::Merge(const MetricStat& other) {
  if (other.seconds <= 0) return;
  if (seconds <= 0) {
    *this = other;
    return;
  }
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  sum += other.sum;
  seconds += other.seconds;
}

namespace {
// Runs `sql` (no rows); false on failure (sqlite3_errmsg has why).
bool Exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

// The points table in its time-major layout (user_version 1). A file of the first layout (keyed
// by resource, with an index by time; user_version 0) keeps that table as `points_v0`, renamed
// (no copy: a week of a big cloud's points is billions of rows), read beside the new one until
// its points age out. True in `*old` while there is a points_v0.
Status Migrate(sqlite3* db, bool* old) {
  bool upgraded = false, v0 = false;
  {
    Stmt q;  // done with before the schema changes (an open statement locks it)
    if (sqlite3_prepare_v2(
            db,
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) "
            "FROM sqlite_master WHERE type='table' AND name='points'), (SELECT "
            "count(*) FROM sqlite_master WHERE type='table' AND name='points_v0')",
            -1, &q.s, nullptr) != SQLITE_OK ||
        sqlite3_step(q.s) != SQLITE_ROW)
      return DbError(db, "version");
    upgraded = sqlite3_column_int(q.s, 0) >= 1;
    v0 = upgraded ? sqlite3_column_int(q.s, 2) > 0 : sqlite3_column_int(q.s, 1) > 0;
  }
  *old = v0;
  if (upgraded) return Ok();
  if (!Exec(db, "BEGIN IMMEDIATE")) return DbError(db, "begin");
  bool ok =
      (!v0 || Exec(db, "ALTER TABLE points RENAME TO points_v0")) &&
      Exec(db,
           "CREATE TABLE points (period INTEGER NOT NULL, ts INTEGER NOT NULL, resource TEXT "
           "NOT NULL, body TEXT NOT NULL, PRIMARY KEY (period, ts, resource)) WITHOUT ROWID") &&
      Exec(db, "PRAGMA user_version = 1") && Exec(db, "COMMIT");
  if (ok) return Ok();
  Error e = DbError(db, "migrate");
  Exec(db, "ROLLBACK");
  return e;
}

// The rows of `sql`, each (resource, ts, body), with ?1 period, ?2 from, ?3 to and, if given,
// ?4 resource bound.
Status ReadPoints(sqlite3* db, const char* sql, int period, int64_t from, int64_t to,
                  const std::string* resource, std::vector<MetricPoint>& out) {
  Stmt q;
  if (sqlite3_prepare_v2(db, sql, -1, &q.s, nullptr) != SQLITE_OK) return DbError(db, "prepare");
  sqlite3_bind_int(q.s, 1, period);
  sqlite3_bind_int64(q.s, 2, from);
  sqlite3_bind_int64(q.s, 3, to);
  if (resource)
    sqlite3_bind_text(q.s, 4, resource->data(), static_cast<int>(resource->size()), SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW)
    out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0)), period,
                   sqlite3_column_int64(q.s, 1), Decode(sqlite3_column_text(q.s, 2))});
  if (rc != SQLITE_DONE) return DbError(db, "read");
  return Ok();
}

// `resource`'s points (null: every resource's) of `period` in [from, to) in the first layout's
// table, by its keys (resource first, or its index by time).
Status ReadOld(sqlite3* db, const std::string* resource, int period, int64_t from, int64_t to,
               std::vector<MetricPoint>& out) {
  return ReadPoints(db,
                    resource ? "SELECT resource, ts, body FROM points_v0 WHERE resource=?4 AND "
                               "period=?1 AND ts>=?2 AND ts<?3"
                             : "SELECT resource, ts, body FROM points_v0 WHERE period=?1 AND "
                               "ts>=?2 AND ts<?3",
                    period, from, to, resource, out);
}

// `now` (by start, then resource) with the points of `old` that `now` has no point for: the
// points written since a file's upgrade replace the first layout's of the same key.
void MergeOld(std::vector<MetricPoint>& now, std::vector<MetricPoint> old) {
  if (old.empty()) return;
  auto key = [](const MetricPoint& p) { return std::tie(p.ts, p.resource); };
  auto before = [&](const MetricPoint& a, const MetricPoint& b) { return key(a) < key(b); };
  std::sort(old.begin(), old.end(), before);
  size_t kept = now.size();
  for (auto& p : old)
    if (!std::binary_search(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(kept), p,
                            before))
      now.push_back(std::move(p));
  std::inplace_merge(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(kept), now.end(),
                     before);
}
}  // namespace

Result<std::unique_ptr<MetricStore>> MetricStore::Open(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(
      sqlite3 * db,
      OpenSqlite(
          path, "metrics",
          {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
           "CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value INTEGER NOT "
           "NULL)"}));
  bool old = false;
  if (Status st = Migrate(db, &old); !st.ok()) {
    sqlite3_close(db);
    return st.error();
  }
  auto store = std::unique_ptr<MetricStore>(new MetricStore(db));
  store->old_ = old;
  return store;
}

MetricStore::~MetricStore() { sqlite3_close(db_); }

Status MetricStore::Append(const std::vector<MetricPoint>& points) {
  if (points.empty()) return Ok();
  for (const auto& p : points)
    if (p.period <= 0 || p.ts % p.period != 0)  // Query steps by the period from an aligned start
      return MakeError(ErrorCode::kInvalidParameter,
                       "metric point of " + p.resource + ": start " + std::to_string(p.ts) +
                           " is not a multiple of its period " + std::to_string(p.period));
  std::lock_guard<std::mutex> lock(mu_);
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
    return DbError(db_, "begin");
  Stmt ins;
  if (sqlite3_prepare_v2(db_,
                         "INSERT OR REPLACE INTO points(resource,period,ts,body) VALUES(?,?,?,?)",
                         -1, &ins.s, nullptr) != SQLITE_OK) {
    Error e = DbError(db_, "prepare");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  std::string body;
  for (const auto& p : points) {
    sqlite3_reset(ins.s);  // before `body` changes: the last step bound it
    Encode(p.values, body);
    sqlite3_bind_text(ins.s, 1, p.resource.data(), static_cast<int>(p.resource.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int(ins.s, 2, p.period);
    sqlite3_bind_int64(ins.s, 3, p.ts);
    sqlite3_bind_text(ins.s, 4, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    if (sqlite3_step(ins.s) != SQLITE_DONE) {
      Error e = DbError(db_, "write");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Error e = DbError(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return Ok();
}

Result<std::vector<MetricPoint>> MetricStore::Query(const std::string& resource, int period,
                                                    int64_t from, int64_t to) {
  std::vector<MetricPoint> out;
  if (period <= 0) return out;
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricPoint> old;
  if (old_) OPENECS_RETURN_IF_ERROR(ReadOld(db_, &resource, period, from, to, old));
  // The starts held for `period` bound the steps (a query over years walks only what is kept).
  Stmt span;
  if (sqlite3_prepare_v2(db_,
                         "SELECT (SELECT ts FROM points WHERE period=?1 ORDER BY ts LIMIT 1), "
                         "(SELECT ts FROM points WHERE period=?1 ORDER BY ts DESC LIMIT 1)",
                         -1, &span.s, nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_int(span.s, 1, period);
  if (sqlite3_step(span.s) != SQLITE_ROW) return DbError(db_, "read");
  if (sqlite3_column_type(span.s, 0) != SQLITE_NULL) {  // else nothing of this period
    from = std::max<int64_t>(from, sqlite3_column_int64(span.s, 0));
    to = std::min<int64_t>(to, sqlite3_column_int64(span.s, 1) + 1);
  } else {
    to = from;
  }
  if (from >= to) {  // (and the steps below cannot overflow)
    MergeOld(out, std::move(old));
    return out;
  }
  // One lookup of the key (period, start, resource) per period in [from, to): the points of a
  // minute are stored together, so a resource's are one per stretch of the table.
  Stmt q;
  if (sqlite3_prepare_v2(db_, "SELECT body FROM points WHERE period=? AND ts=? AND resource=?", -1,
                         &q.s, nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_int(q.s, 1, period);
  sqlite3_bind_text(q.s, 3, resource.data(), static_cast<int>(resource.size()), SQLITE_STATIC);
  int64_t past = ((from % period) + period) % period;  // from's distance past a period's start
  int64_t first = past == 0 ? from : from + period - past;
  for (int64_t ts = first; ts < to; ts += period) {
    sqlite3_reset(q.s);
    sqlite3_bind_int64(q.s, 2, ts);
    int rc = sqlite3_step(q.s);
    if (rc == SQLITE_DONE) continue;
    if (rc != SQLITE_ROW) return DbError(db_, "read");
    out.push_back({resource, period, ts, Decode(sqlite3_column_text(q.s, 0))});
  }
  MergeOld(out, std::move(old));
  return out;
}

Result<std::vector<MetricPoint>> MetricStore::QueryAll(int period, int64_t from, int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MetricPoint> out;
  OPENECS_RETURN_IF_ERROR(ReadPoints(db_,
                                     "SELECT resource, ts, body FROM points WHERE period=?1 AND "
                                     "ts>=?2 AND ts<?3 ORDER BY ts, resource",
                                     period, from, to, nullptr, out));
  if (old_) {
    std::vector<MetricPoint> old;
    OPENECS_RETURN_IF_ERROR(ReadOld(db_, nullptr, period, from, to, old));
    MergeOld(out, std::move(old));
  }
  return out;
}

Status MetricStore::Prune(int period, int64_t before) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt d;
  if (sqlite3_prepare_v2(db_, "DELETE FROM points WHERE period=? AND ts<?", -1, &d.s, nullptr) !=
      SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_int(d.s, 1, period);
  sqlite3_bind_int64(d.s, 2, before);
  if (sqlite3_step(d.s) != SQLITE_DONE) return DbError(db_, "prune");
  if (!old_) return Ok();
  // The first layout's points age out too; its table goes with the last of them.
  {
    Stmt o;
    if (sqlite3_prepare_v2(db_, "DELETE FROM points_v0 WHERE period=? AND ts<?", -1, &o.s,
                           nullptr) != SQLITE_OK)
      return DbError(db_, "prepare");
    sqlite3_bind_int(o.s, 1, period);
    sqlite3_bind_int64(o.s, 2, before);
    if (sqlite3_step(o.s) != SQLITE_DONE) return DbError(db_, "prune");
  }
  {
    Stmt left;  // done with before the drop (an open statement locks the table)
    if (sqlite3_prepare_v2(db_, "SELECT 1 FROM points_v0 LIMIT 1", -1, &left.s, nullptr) !=
        SQLITE_OK)
      return DbError(db_, "prepare");
    int rc = sqlite3_step(left.s);
    if (rc == SQLITE_ROW) return Ok();
    if (rc != SQLITE_DONE) return DbError(db_, "read");
  }
  if (!Exec(db_, "DROP TABLE points_v0")) return DbError(db_, "drop");
  old_ = false;
  return Ok();
}

Result<int64_t> MetricStore::Mark(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM marks WHERE name=?", -1, &q.s, nullptr) !=
      SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_text(q.s, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  int rc = sqlite3_step(q.s);
  if (rc == SQLITE_ROW) return static_cast<int64_t>(sqlite3_column_int64(q.s, 0));
  if (rc != SQLITE_DONE) return DbError(db_, "read");
  return int64_t{0};
}

Status MetricStore::SetMark(const std::string& name, int64_t value) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO marks(name,value) VALUES(?,?)", -1, &q.s,
                         nullptr) != SQLITE_OK)
    return DbError(db_, "prepare");
  sqlite3_bind_text(q.s, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  sqlite3_bind_int64(q.s, 2, value);
  if (sqlite3_step(q.s) != SQLITE_DONE) return DbError(db_, "write");
  return Ok();
}

}  // namespace openecs
