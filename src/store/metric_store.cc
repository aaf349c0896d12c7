#include "store/metric_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace openecs {
namespace {

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Error DbError(sqlite3* db, const char* what) {
  return MakeError(ErrorCode::kInternalError,
                   std::string("metrics storage failure (") + what + "): " + sqlite3_errmsg(db));
}

// {"cpu":[sum,seconds,min,max],...}
std::string Encode(const MetricValues& values) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, v] : values) j[name] = {v.sum, v.seconds, v.min, v.max};
  return j.dump();
}

MetricValues Decode(const unsigned char* text) {
  MetricValues out;
  auto j = nlohmann::json::parse(text ? reinterpret_cast<const char*>(text) : "{}", nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [name, v] : j.items()) {
    if (!v.is_array() || v.size() != 4 ||
        !std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_number(); }))
      continue;
    out[name] = {v[0].get<double>(), v[1].get<double>(), v[2].get<double>(), v[3].get<double>()};
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
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    Error e = DbError(db, "open");
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<MetricStore> store(new MetricStore(db));
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
        "CREATE TABLE IF NOT EXISTS points (resource TEXT NOT NULL, period INTEGER NOT NULL, "
        "ts INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (resource, period, ts)) "
        "WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS points_by_time ON points (period, ts)",
        "CREATE TABLE IF NOT EXISTS marks (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"}) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      return MakeError(ErrorCode::kInternalError, "metrics storage failure: " + msg);
    }
  }
  return store;
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
  for (const auto& p : points) {
    std::string body = Encode(p.values);
    sqlite3_reset(ins.s);
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
