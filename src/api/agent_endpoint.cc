#include "api/agent_endpoint.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "api/params.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/prom_metrics.h"
#include "common/text.h"
#include "model/agent_protocol_json.h"
#include "model/guest_sample_json.h"
#include "model/guest_sample_text.h"
#include "model/state_delta.h"
#include "sys/files.h"

namespace openecs {
namespace {

using json = nlohmann::json;

HttpResponse Reply(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

HttpResponse Fail(int status, const std::string& message) {
  return Reply(status, {{"error", message}});
}

// Why a registration cannot be taken as it is, or "": json::get<HostInfo>() alone would
// truncate 2.5, wrap 2^63 and keep a negative count or a name with control characters.
std::string HostInfoProblem(const json& j) {
  if (!j.is_object()) return "the body must be a JSON object";
  for (const char* k : {"vcpus", "gpus", "memory_mb", "disk_gib"}) {
    if (!j.contains(k)) continue;
    const json& v = j[k];
    uint64_t max = std::string_view(k) == "vcpus" || std::string_view(k) == "gpus"
                       ? uint64_t{1} << 20
                       : uint64_t{1} << 40;
    bool ok = v.is_number_unsigned() ? v.get<uint64_t>() <= max
                                     : v.is_number_integer() && v.get<int64_t>() == 0;
    if (!ok) return std::string(k) + " must be a whole number from 0 to " + std::to_string(max);
  }
  for (const char* k : {"name", "zone_id", "driver", "gpu_spec", "underlay_ip"}) {
    if (!j.contains(k)) continue;
    if (!j[k].is_string()) return std::string(k) + " must be text";
    const auto& s = j[k].get_ref<const std::string&>();
    if (s.size() > 255 ||
        std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      return std::string(k) + " must be at most 255 characters without control characters";
  }
  return "";
}

HttpResponse FromError(const Error& e) {
  int status = e.code == ErrorCode::kUnknownHost          ? 409
               : e.code == ErrorCode::kForbidden          ? 403
               : e.code == ErrorCode::kServiceUnavailable ? 503
                                                          : 500;
  return Fail(status, e.message);
}

}  // namespace

namespace {
// A desired state's answer, counted by its form: whole, or a delta (model/state_delta.h).
HttpResponse DesiredReply(const json& answer) {
  static CounterFamily& bytes = DefaultMetrics().Counter(
      "openecs_agent_desired_bytes_total",
      "Bytes of desired state answered to host agents' pulls: whole (the whole state, or "
      "nothing changed), delta (what changed against the state the agent holds).",
      {"form"});
  HttpResponse r = Reply(200, answer);
  bytes.Add({answer.contains("delta_from") ? "delta" : "whole"},
            static_cast<double>(r.body.size()));
  return r;
}
// A full sync answered from the state the host holds, revision `base`: an empty delta of it.
HttpResponse HeldSyncReply(int64_t base) {
  static CounterFamily& held = DefaultMetrics().Counter(
      "openecs_agent_held_syncs_total",
      "Host agents' full syncs answered from the state the host holds (no news for it since a "
      "state built less than a minute ago), not built again.");
  held.Inc({});
  return DesiredReply(
      json{{"revision", base}, {"changed", true}, {"delta_from", base}, {"delta", json::object()}});
}
}  // namespace

std::shared_ptr<const AgentEndpoint::SentStates::Held> AgentEndpoint::SentStates::Holding(
    const std::string& host, int64_t base) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = by_host.find(host);
  if (base <= 0 || it == by_host.end() || it->second.revision != base) return nullptr;
  return it->second.state;
}

json AgentEndpoint::SentStates::Answer(const std::string& host, int64_t base,
                                       const std::shared_ptr<const Held>& held, HostPull pull) {
  DesiredState& desired = pull.state;
  if (!desired.changed) {
    // Nothing changed for it: the state it holds is the state of this revision too.
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = by_host.find(host); held && it != by_host.end() && it->second.state == held)
      it->second.revision = desired.revision;
    return desired;
  }
  // Made outside the lock (the builders answer different hosts at once); a host has one pull
  // at a time, so its entry does not change meanwhile (if it does, the later answer wins and
  // the agent's next base no longer matches: it gets a whole state).
  auto next = std::make_shared<Held>();
  std::vector<DesiredVm> built = std::move(desired.vms);
  desired.vms.clear();
  next->rest = desired;
  next->rest.erase("vms");
  bool all_built = true;
  size_t k = 0;
  for (HostPull::Guest& g : pull.guests) {
    std::shared_ptr<const json> vm;
    if (g.built && k < built.size()) {
      vm = std::make_shared<const json>(built[k++]);
    } else {
      if (held)
        if (auto it = held->guests.find(g.instance_id); it != held->guests.end())
          vm = it->second.second;
      if (!vm) {  // a bug (the service leaves out only what `held` holds): left out, loudly
        LOG_ERROR("agent pull for host {}: guest {} neither built nor held", host, g.instance_id);
        continue;
      }
      all_built = false;
    }
    next->order.push_back(g.instance_id);
    next->guests.emplace(g.instance_id, std::make_pair(std::move(g.print), std::move(vm)));
  }
  next->built_ms = all_built || !held ? SteadyMillis() : held->built_ms;

  json out;
  if (held) {
    // The members but the guests, as any state's (model/state_delta.h); the guests' list by
    // hand: their order, and those built that differ from what the host holds.
    json delta = MakeStateDelta(held->rest, next->rest);
    if (held->order.empty() != next->order.empty()) {
      json vms = json::array();
      for (const auto& id : next->order) vms.push_back(*next->guests.at(id).second);
      delta["set"]["vms"] = std::move(vms);
    } else if (!next->order.empty()) {
      json upsert = json::array();
      for (const auto& id : next->order) {
        const auto& vm = next->guests.at(id).second;
        auto was = held->guests.find(id);
        if (was == held->guests.end() || (was->second.second != vm && *was->second.second != *vm))
          upsert.push_back(*vm);
      }
      if (!upsert.empty() || next->order != held->order)
        delta["lists"]["vms"] = {
            {"key", "instance_id"}, {"order", next->order}, {"upsert", std::move(upsert)}};
    }
    out = {{"revision", desired.revision},
           {"changed", true},
           {"delta_from", base},
           {"delta", std::move(delta)}};
  } else {
    out = next->rest;
    json vms = json::array();
    for (const auto& id : next->order) vms.push_back(*next->guests.at(id).second);
    out["vms"] = std::move(vms);
  }
  std::lock_guard<std::mutex> lock(mu);
  by_host[host] = {desired.revision, std::move(next)};
  return out;
}

HttpResponse AgentEndpoint::Handle(const HttpRequest& req) {
  if (tls_only_ && !req.secure)
    return Fail(403, "this server takes agents over TLS only: ecsd agent --server https://...");
  auto auth = req.headers.find("authorization");
  if (auth == req.headers.end() || auth->second.rfind("Bearer ", 0) != 0 ||
      !ConstantTimeEquals(Trim(auth->second.substr(7)), token_))
    return Fail(401, "missing or wrong agent token");

  size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  std::map<std::string, std::string> query;
  if (q != std::string::npos) ParseUrlEncoded(req.target.substr(q + 1), false, &query);
  auto host_id = query["host_id"];
  auto key_header = req.headers.find("x-openecs-host-key");
  std::string host_key = key_header == req.headers.end() ? "" : Trim(key_header->second);

  try {
    if (path == "/openecs/agent/v1/register" && req.method == "POST") {
      json body = json::parse(req.body);
      if (std::string problem = HostInfoProblem(body); !problem.empty()) return Fail(400, problem);
      HostInfo host = body.get<HostInfo>();
      if (host.name.empty() || host.zone_id.empty())
        return Fail(400, "a host needs a name and a zone_id");
      if (!channel_.KnowsZone(host.zone_id))
        return Fail(400, "zone " + host.zone_id + " is not one of this region's zones");
      auto enrolled = channel_.Enrol(host, host_key);
      if (!enrolled.ok()) return FromError(enrolled.error());
      return Reply(200, {{"host_id", enrolled->first}, {"host_key", enrolled->second}});
    }
    bool host_route = path == "/openecs/agent/v1/desired" || path == "/openecs/agent/v1/report" ||
                      path == "/openecs/agent/v1/credentials" ||
                      path == "/openecs/agent/v1/metrics" || path == "/openecs/agent/v1/session" ||
                      path == "/openecs/agent/v1/release";
    if (host_route) {
      if (Status st = channel_.Authenticate(host_id, host_key); !st.ok())
        return FromError(st.error());
    }
    // A guest's session stream (service/session_service.h): the host's connection, upgraded,
    // carries the bytes of session_id's console both ways until either end closes it.
    if (path == "/openecs/agent/v1/session" && req.method == "GET") {
      SessionHub* hub = channel_.session_hub();
      if (!hub) return Fail(404, "this server has no session hub");
      auto upgrade = req.headers.find("upgrade");
      if (upgrade == req.headers.end() || ToLower(Trim(upgrade->second)) != kSessionUpgrade)
        return Fail(400, std::string("a session stream needs Upgrade: ") + kSessionUpgrade);
      std::string session_id = query["session_id"];
      if (Status st = hub->CheckGuest(host_id, session_id); !st.ok()) return FromError(st.error());
      HttpResponse r;
      r.status = 101;
      r.headers = {{"Upgrade", kSessionUpgrade}, {"Connection", "Upgrade"}};
      r.takeover = [hub, host_id, session_id](int fd, std::string early) {
        Status st = hub->AttachGuest(host_id, session_id, fd, std::move(early));
        if (!st.ok())
          LOG_WARN("session {}: guest stream refused: {}", session_id, st.error().message);
      };
      return r;
    }
    if (path == "/openecs/agent/v1/release" && req.method == "POST") {
      channel_.Interrupt(host_id);  // its waiting pull answers (unchanged)
      return Reply(200, json::object());
    }
    if (path == "/openecs/agent/v1/desired" && req.method == "GET") {
      int64_t since = std::stoll(query.count("since") ? query["since"] : "0");
      int wait_ms =
          std::clamp(std::stoi(query.count("wait_ms") ? query["wait_ms"] : "0"), 0, 30000);
      // An agent that takes deltas says which state it holds (0: none yet); one that does not
      // (from before them) gets whole states, and none is kept for it.
      std::optional<int64_t> base;
      if (query.count("base")) base = std::stoll(query["base"]);
      // The state the agent holds, if this server answered it (SentStates).
      std::shared_ptr<const SentStates::Held> held;
      if (base) held = sent_->Holding(host_id, *base);
      // A full sync of a state built lately: a pull since it, answered at once. Another full
      // sync builds every guest (the backstop); a pull since a state builds the guests whose
      // fingerprint moved.
      bool held_sync =
          since == 0 && held && !AgentService::RebuildDue(host_id, held->built_ms, SteadyMillis());
      if (held_sync) {
        since = *base;
        wait_ms = 0;
      }
      HeldGuests holds;
      if (held && since > 0)
        holds = [held](const std::string& id, const std::string& print) {
          auto it = held->guests.find(id);
          return it != held->guests.end() && it->second.first == print;
        };
      HttpResponse r;
      r.async = [this, host_id, since, wait_ms, base, held_sync, held, holds = std::move(holds),
                 sent = sent_](std::function<void(HttpResponse)> reply) {
        channel_.PullAsync(
            host_id, since, wait_ms,
            [reply = std::move(reply), host_id, base, held_sync, held,
             sent = std::move(sent)](Result<HostPull> pull) {
              if (!pull.ok())
                reply(FromError(pull.error()));
              else if (held_sync && !pull->state.changed)
                reply(HeldSyncReply(*base));
              else if (base)
                reply(DesiredReply(sent->Answer(host_id, *base, held, std::move(*pull))));
              else
                reply(DesiredReply(json(pull->state)));
            },
            std::move(holds));
      };
      return r;
    }
    if (path == "/openecs/agent/v1/credentials" && req.method == "GET") {
      auto creds = channel_.RoleCredentialsOf(host_id, query["instance_id"]);
      if (!creds.ok()) return FromError(creds.error());
      return Reply(200, *creds);
    }
    if (path == "/openecs/agent/v1/metrics" && req.method == "POST") {
      // Off the I/O threads: the samples name guests, looked up under the cloud's lock, and a
      // thousand hosts send theirs every few seconds (an I/O thread waiting for a Write would
      // hold up the users' calls queued behind it).
      HttpResponse r;
      r.deferred = [this, host_id, body = req.body]() -> HttpResponse {
        // Lines of text from this version's agents (model/guest_sample_text.h), JSON from
        // older ones (model/guest_sample_json.h).
        auto samples =
            body.starts_with(kSamplesTextHeader) ? ParseSamplesText(body) : ParseSamples(body);
        if (!samples.ok()) return Fail(400, "malformed agent request: " + samples.error().message);
        Status st = channel_.ReportMetrics(host_id, std::move(*samples));
        if (!st.ok()) return FromError(st.error());
        return Reply(200, json::object());
      };
      return r;
    }
    if (path == "/openecs/agent/v1/report" && req.method == "POST") {
      // Applied with the reports that queue meanwhile (service/report_applier.h), answered
      // when applied; no I/O thread waits for it.
      auto obs = json::parse(req.body).at("observations").get<std::vector<Observation>>();
      HttpResponse r;
      r.async = [this, host_id,
                 obs = std::move(obs)](std::function<void(HttpResponse)> reply) mutable {
        channel_.ReportAsync(host_id, std::move(obs), [reply = std::move(reply)](const Status& st) {
          reply(st.ok() ? Reply(200, json::object()) : FromError(st.error()));
        });
      };
      return r;
    }
  } catch (const std::exception& e) {
    return Fail(400, std::string("malformed agent request: ") + e.what());
  }
  return Fail(404, "no such agent route: " + req.method + " " + path);
}

}  // namespace openecs
