#pragma once
// The agent protocol over HTTP/JSON: how `ecsd agent` on another host reaches the server.
// Every request carries `Authorization: Bearer <agent token>` (the token `ecsd` keeps in
// <data-dir>/agent-token); a missing or wrong token gets 401 and nothing else. That token only
// lets a host enrol: each host gets its own credential at its first registration and sends it
// as `X-OpenECS-Host-Key` from then on (its agent keeps it in <agent-data>/host-key, 0600).
//
//   POST /openecs/agent/v1/register   body HostInfo  -> {"host_id": ..., "host_key": ...}
//        A host name already enrolled registers again only with its own key (else 403).
//   GET  /openecs/agent/v1/desired?host_id=&since=&wait_ms=&base=       -> DesiredState
//        (or a delta of the state of revision `base` the agent holds: model/state_delta.h)
//   POST /openecs/agent/v1/report?host_id=    body {"observations": [...]} -> {}
//   POST /openecs/agent/v1/metrics?host_id=   body: its guests' counters as lines of text
//        (model/guest_sample_text.h), or {"samples": [...]} from older agents
//        (model/guest_sample_json.h) -> {}
//   POST /openecs/agent/v1/release?host_id=   -> {}: the host's waiting `desired` answers now
//        (unchanged); its agent is stopping.
//        These need host_id's key (else 403); a report about an instance placed on another
//        host is refused whole (403).
//   GET  /openecs/agent/v1/session?host_id=&session_id=   Upgrade: openecs-session -> 101
//        The guest's end of a Session Manager session: after the 101 the connection carries
//        the raw bytes of the guest's session console both ways (service/session_service.h).
//        Needs host_id's key, and the session open on a guest of that host (else 403). Plain
//        HTTP only (a TLS listener answers 501).
//
// `desired` is a long-poll (wait_ms at most 30 s); it is answered off the I/O threads, as is
// `report`, applied with the other hosts' reports that queued meanwhile, and `metrics`. An I/O
// thread never waits for the cloud's lock on a host's behalf (the host key is checked against
// Cloud::HostPassOf): with a thousand hosts a Write is nearly always under way, and an I/O
// thread waiting for each would keep the users' calls queued behind the hosts' (measured: 46 ms
// p50 added to RunInstances at 1,000 hosts launching, 4 ms without the waits).
// Errors: 400 for malformed input, 401 for the agent token, 403 for a host key, 404 for an
// unknown path, 409 for an unknown host (the agent registers again), 500 when the server
// cannot do what was asked, 503 when it cannot save it now.
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/http_server.h"
#include "model/agent_protocol.h"
#include "service/agent_service.h"

namespace openecs {

inline constexpr const char* kAgentPathPrefix = "/openecs/agent/";

class AgentEndpoint {
 public:
  // `tls_only`: a request that did not come over TLS is refused (403) before its token is
  // checked, so an agent pointed at the plain listener fails loudly instead of working in the
  // clear.
  AgentEndpoint(AgentService& channel, std::string token, bool tls_only = false)
      : channel_(channel), token_(std::move(token)), tls_only_(tls_only) {}
  HttpResponse Handle(const HttpRequest& req);

 private:
  // The desired state last answered to each host whose agent takes deltas (it names the
  // revision of the state it holds, `base`): a changed state is answered as a delta of it
  // (model/state_delta.h). Shared with the answers in flight, which may outlive the endpoint
  // (the agent service answers parked pulls when it stops).
  //
  // Each guest's state is held with its fingerprint (service/agent_service.h, HostPull): a
  // pull since the state the host holds builds only the guests whose fingerprint moved, the
  // others are taken from here as they are, and the delta's upserts are the guests built that
  // differ. Only a host's own guests are built for its pull, not every guest it has.
  //
  // A full sync (since 0) from a host that holds the state this server last built for it, less
  // than kRebuildAfterMs ago (AgentService::RebuildDue: half of it to all of it, spread over the
  // hosts), is not built again: it is asked as a pull since that state
  // (answered at once); with no news for the host since, the answer is an empty delta of the
  // state it holds (changed, so the agent re-checks every guest against it, as a full sync
  // does). Building every host's whole state at every full sync (a host asks every 10 s) was
  // what a quiet cloud spent its server on: at 100,000 instances on 1,000 hosts, 10,000 guests'
  // states a second, built, serialised and diffed to find nothing. A state is still built
  // whole, every guest of it, for each host at least every kRebuildAfterMs: the backstop for a
  // change that reached neither a host's revision nor a guest's fingerprint. The echoes of a
  // host's own reports (host_wake.h) ride in the next news or that rebuild.
  struct SentStates {
    // One state answered, immutable once made (answers in flight read it unlocked).
    struct Held {
      nlohmann::json rest;             // its members but `vms`
      std::vector<std::string> order;  // its guests' instance ids, in order
      // By instance id: the guest's fingerprint and its DesiredVm as JSON.
      std::map<std::string, std::pair<std::string, std::shared_ptr<const nlohmann::json>>> guests;
      int64_t built_ms = 0;  // steady clock: when this server last built every guest of it
    };
    struct Sent {
      int64_t revision = 0;
      std::shared_ptr<const Held> state;
    };
    std::mutex mu;
    std::map<std::string, Sent> by_host;
    // The state `host` was last answered if it is of revision `base` (0: none); else null.
    std::shared_ptr<const Held> Holding(const std::string& host, int64_t base);
    // What to answer `host`, which holds `held` (of revision `base`; null: nothing this server
    // answered), for `pull`; keeps the state answered.
    nlohmann::json Answer(const std::string& host, int64_t base,
                          const std::shared_ptr<const Held>& held, HostPull pull);
  };
  AgentService& channel_;
  std::string token_;
  bool tls_only_;
  std::shared_ptr<SentStates> sent_ = std::make_shared<SentStates>();
};

}  // namespace openecs
