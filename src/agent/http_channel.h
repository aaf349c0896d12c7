#pragma once
// AgentChannel over HTTP, JSON but for the samples (api/agent_endpoint.h is the other end):
// what `ecsd agent --server URL` uses to reach the server from another host: https:// (TLS, the
// server trusted by a pinned certificate fingerprint or by CAs; see common/tls.h) across links an
// attacker may see, http:// on a private network.
#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/http_client.h"
#include "common/tls.h"
#include "model/agent_protocol.h"

namespace openecs {

class HttpAgentChannel final : public AgentChannel {
 public:
  // `server`: http://host:port of ecsd, or several servers of one cloud separated by commas
  // (several servers on one shared store: service/cloud.h). Calls go to one of them; when it
  // cannot be reached, to the next (each call tries each server once), and the first pull
  // after a switch asks for the whole state (since=0: revisions are each server's own).
  // Pulls name the state this host holds (`base`, its revision), and the server answers a
  // changed state as a delta of it (model/state_delta.h) when it still has that state: after
  // its restart or a failover the answer is whole. A delta that fits nothing held is dropped
  // and the whole state pulled at once.
  // `token`: the server's agent token, which lets this
  // host enrol. `key_file`: where this host keeps the credential the server issues at its first
  // registration (read now if it exists; written 0600 when issued); every later call carries
  // it ("" keeps it in memory only).
  // `trust`: how an https:// server is trusted.
  // Calls go over kept-alive connections (common/http_client.h HttpClientPool): the long-poll
  // holds one, reports and samples share another.
  HttpAgentChannel(std::string server, std::string token, std::string key_file = "",
                   TlsTrust trust = {});
  Result<std::string> Register(const HostInfo& host) override;
  Result<DesiredState> Pull(const std::string& host_id, int64_t since, int wait_ms) override;
  void GiveBack(const std::string& host_id, DesiredState used) override;
  // Asks the server to answer the host's waiting pull (POST .../release, 2 s at most).
  void Interrupt(const std::string& host_id) override;
  Status Report(const std::string& host_id, const std::vector<Observation>& obs) override;
  Status ReportMetrics(const std::string& host_id, std::vector<GuestSample> samples) override;
  Result<RoleCredentials> RoleCredentialsOf(const std::string& host_id,
                                            const std::string& instance_id) override;
  // An HTTP Upgrade (GET /openecs/agent/v1/session, api/agent_endpoint.h) on a connection of
  // its own, then a thread moving bytes between it and `fd` until either side closes. http://
  // servers only for now: over https:// it fails (the stream would have to stay inside TLS).
  Status AttachSession(const std::string& host_id, const std::string& session_id, int fd) override;
  // Connects from this local address (HttpClientRequest::source_address); set before Register.
  void set_source_address(std::string address) { source_address_ = std::move(address); }

 private:
  Result<std::string> Call(const std::string& method, const std::string& target,
                           const std::string& body, int timeout_ms,
                           const char* content_type = "application/json");
  std::string Server() const;  // the one calls go to now
  std::vector<std::string> servers_;
  std::atomic<size_t> current_{0};
  std::atomic<bool> switched_{false};  // since the last pull
  std::string token_;
  std::string key_file_;
  TlsTrust trust_;
  std::string source_address_;
  std::atomic<bool> samples_as_json_{false};  // a server refused them as text
  HttpClientPool connections_;
  std::mutex mu_;
  std::string key_;  // guarded by mu_
  // By host: the desired state last pulled, which the server answers deltas of
  // (model/state_delta.h); guarded by mu_.
  struct Held {
    int64_t revision = 0;
    nlohmann::json state;
    // `state` read, as the agent gave it back (GiveBack) after the pull that answered it; null
    // while it is lent out. An empty delta (a quiet full sync, every 10 s per host) answers it,
    // moved out, instead of reading the whole state again: at 1,000 simulated hosts those reads
    // were 38 % of the simulating agent, and copies of it 29 %.
    std::optional<DesiredState> parsed;
  };
  std::map<std::string, Held> held_;
};

}  // namespace openecs
