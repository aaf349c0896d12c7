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

Result<std::unique_ptr<MetricStore>> MetricStore::Open(const std::string& path) {
  OPENECS_ASSIGN_OR_RETURN(
      sqlite3 * db,
      OpenSqlite(
          path, "metrics",
          {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
           "CREATE TABLE IF NOT EXISTS points (resource TEXT NOT NULL, period INTEGER NOT "
           "NULL, ts INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (resource, period, "
           "ts)) WITHOUT ROWID",
           "CREATE INDEX IF NOT EXISTS points_by_time ON points (period, ts)",
           "CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value INTEGER NOT "
           "NULL)"}));
  return std::unique_ptr<MetricStore>(new MetricStore(db));
}

MetricStore::~MetricStore() { sqlite3_close(db_); }

Status MetricStore::Append(const std::vector<MetricPoint>& points) {
  if (points.empty()) return Ok();
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

Result<std::vector<MetricPoint>> MetricStore::Select(const char* sql, const std::string* resource,
                                                     int period, int64_t from, int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q;
  if (sqlite3_prepare_v2(db_, sql, -1, &q.s, nullptr) != SQLITE_OK) return DbError(db_, "prepare");
  int k = 1;
  if (resource)
    sqlite3_bind_text(q.s, k++, resource->data(), static_cast<int>(resource->size()),
                      SQLITE_STATIC);
  sqlite3_bind_int(q.s, k++, period);
  sqlite3_bind_int64(q.s, k++, from);
  sqlite3_bind_int64(q.s, k++, to);
  std::vector<MetricPoint> out;
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    MetricPoint p;
    p.resource = reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0));
    p.period = period;
    p.ts = sqlite3_column_int64(q.s, 1);
    p.values = Decode(sqlite3_column_text(q.s, 2));
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return DbError(db_, "read");
  return out;
}

Result<std::vector<MetricPoint>> MetricStore::Query(const std::string& resource, int period,
                                                    int64_t from, int64_t to) {
  return Select(
      "SELECT resource, ts, body FROM points WHERE resource=? AND period=? AND ts>=? AND ts<? "
      "ORDER BY ts",
      &resource, period, from, to);
}

Result<std::vector<MetricPoint>> MetricStore::QueryAll(int period, int64_t from, int64_t to) {
  return Select(
      "SELECT resource, ts, body FROM points WHERE period=? AND ts>=? AND ts<? ORDER BY resource, "
      "ts",
      nullptr, period, from, to);
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
