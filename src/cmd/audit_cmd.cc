#include "cmd/audit_cmd.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "api/audit.h"
#include "common/clock.h"
#include "store/audit_log.h"

namespace openecs {
namespace {

struct AuditOptions {
  std::string data_dir = "data";
  std::string account, since, until, region = "local";
};

int Export(const AuditOptions& o) {
  int64_t from_ms = 0, to_ms = INT64_MAX;
  for (auto [text, out] : {std::pair{&o.since, &from_ms}, std::pair{&o.until, &to_ms}}) {
    if (text->empty()) continue;
    auto t = ParseIso(*text);
    if (!t) {
      std::cerr << "not an ISO 8601 time: " << *text << " (2026-12-01T00:00:00Z)\n";
      return 2;
    }
    *out = *t * 1000;
  }
  std::string path = o.data_dir + "/audit.sqlite";
  if (!std::filesystem::exists(path)) {
    std::cerr << "no audit trail at " << path << "\n";
    return 2;
  }
  auto log = AuditLog::Open(path);
  if (!log.ok()) {
    std::cerr << log.error().message << "\n";
    return 2;
  }
  int64_t n = 0;
  Status st = (*log)->Export(o.account, from_ms, to_ms, [&](const AuditEvent& e) {
    std::cout << ActionTrailEventJson(e, o.region).dump() << "\n";
    ++n;
  });
  if (!st.ok()) {
    std::cerr << st.error().message << "\n";
    return 1;
  }
  std::cerr << n << " events\n";
  return 0;
}

}  // namespace

std::function<int()> AddAuditCommands(CLI::App& app) {
  auto o = std::make_shared<AuditOptions>();
  auto* audit = app.add_subcommand("audit", "the audit trail of every API call");
  audit->require_subcommand(1);
  auto* exp = audit->add_subcommand(
      "export", "the events as JSON Lines (ActionTrail's event shape), oldest first, on stdout");
  exp->add_option("--data-dir", o->data_dir, "the server's data directory")->capture_default_str();
  exp->add_option("--account", o->account, "only this account's events (default: all)");
  exp->add_option("--since", o->since, "from this time (ISO 8601, UTC)");
  exp->add_option("--until", o->until, "up to this time (ISO 8601, UTC)");
  exp->add_option("--region", o->region, "the region the events name")->capture_default_str();
  return [=]() -> int { return exp->parsed() ? Export(*o) : -1; };
}

}  // namespace openecs
