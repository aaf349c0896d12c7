#pragma once
// The server side of the agent protocol (model/agent_protocol.h): registers hosts, serves each
// host the desired state of the instances placed on it, and folds the host's observations
// into the instance records through the instance reconciler. Releasing an instance for good
// (its IP, its capacity claim, its DeleteWithInstance disks) happens here, in the same
// transaction as the observation that the host no longer has it.
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/prom_metrics.h"
#include "model/agent_protocol.h"
#include "service/cloud.h"
#include "service/host_health.h"
#include "service/pull_waiters.h"
#include "service/report_applier.h"
#include "service/security_rules.h"
#include "service/session_service.h"

namespace openecs {

// A pull's answer as the agent endpoint takes it (api/agent_endpoint.h): the host's desired
// state, with only the guests whose state had to be built, and every guest's fingerprint.
//
// A guest's fingerprint (GuestPrint in agent_service.cc) names the versions of the records only
// its desired state (DesiredVm) reads (its instance, its disks, the snapshots they were made
// from) and the revision of the last commit that concerned every host of its kind
// (Cloud::SharedRevision: networks, groups, addresses, images, key pairs; for a host that builds
// VPCs also every other instance's addresses, which its merged rules name). A record's version
// moves with each durable write, so an equal fingerprint means an equal DesiredVm, and a
// caller that holds a guest's state under that fingerprint does not need it built again.
// Before this, each pull built, serialised and diffed every guest of its host: at 70,000
// instances on 1,000 hosts, half the server, for the one or two guests a launch changed.
struct HostPull {
  DesiredState state;  // `vms`: the guests built, in the order of `guests`
  struct Guest {
    std::string instance_id;
    std::string print;
    bool built = true;  // false: not in state.vms; the caller holds it under `print`
  };
  std::vector<Guest> guests;  // every guest of the host, in order (none when unchanged)
};
// Whether the caller holds guest `instance_id`'s state under fingerprint `print`.
using HeldGuests = std::function<bool(const std::string& instance_id, const std::string& print)>;

//
// Metrics (common/prom_metrics.h, DefaultMetrics()):
//   openecs_agent_pull_requests_total{result}  pulls of desired state served: changed (a commit
//       concerned the host: service/host_wake.h), full (the agent's periodic full sync),
//       unchanged (the long-poll ended without a change) or error
//   openecs_agent_guest_states_total{how}      guests' desired states in changed pulls: built,
//       or held (the caller holds it as it is: HostPull)
//   openecs_host_contact_age_seconds{host}     per registered host (by name), seconds since it
//       last pulled or reported to this server; since this server started if it has not yet.
//       A host whose agent is gone shows it growing (the agent pulls at least every 30 s).
class AgentService final : public AgentChannel {
 public:
  explicit AgentService(Cloud& cloud);
  Result<std::string> Register(const HostInfo& host) override;

  // A remote host's registration (api/agent_endpoint.h). A new host name gets a fresh
  // credential, returned once and kept only as its sha256. A name already enrolled registers
  // again only with its own credential (`key`): the shared agent token alone cannot take over
  // a host. Returns {host id, credential}.
  Result<std::pair<std::string, std::string>> Enrol(const HostInfo& host, const std::string& key);
  // Ok if `key` is host `host_id`'s credential; Forbidden otherwise (or if the host
  // never enrolled); InvalidParameter if the host is unknown (the agent enrols again). Never
  // waits for the cloud's lock (Cloud::HostPassOf): it runs on the HTTP I/O threads.
  Status Authenticate(const std::string& host_id, const std::string& key) const;
  // True if `zone_id` is one of the region's zones (a host elsewhere would never be used).
  bool KnowsZone(const std::string& zone_id) const;
  // The embedded agent's channel: waits for PullAsync's answer, and answers whole states.
  // The guests of the state last answered to each host are held here with their fingerprints
  // (HostPull), so a pull builds only the guests whose fingerprint moved. A full sync (since 0)
  // reads every guest's fingerprint, so it carries what a pull that was not woken for it did
  // not (the echoes of the host's own reports, host_wake.h), and builds only those. At least
  // every kRebuildAfterMs every guest is built again: the backstop for a change that reached no
  // fingerprint. Before this, each pull of the one host of `ecsd dev` built every guest under
  // the shared lock: at 100,000 instances, most of a second for each launch's pull and each
  // 10 s full sync, with every call waiting behind it.
  Result<DesiredState> Pull(const std::string& host_id, int64_t since, int wait_ms) override;
  // How long a state's guests are taken as held before all are built again (here and in the
  // agent endpoint's answers, api/agent_endpoint.h). Five minutes: every minute, at 1,000 hosts
  // of 100 guests, these rebuilds (1,700 guests a second built, serialised, compared and
  // freed) were a quarter of an idle server's CPU, and the two cores' queue is what a user's
  // call waits in.
  static constexpr int64_t kRebuildAfterMs = 300000;
  // Whether the state built for `host_id` at `built_ms` (steady clock) is due to be built whole
  // again at `now`: after between half of kRebuildAfterMs and all of it, spread by the host and
  // the build's time. Hosts whose states were built together (a thousand hosts brought up at
  // once, a server's restart) were otherwise all rebuilt within the same few seconds every
  // kRebuildAfterMs, 100,000 guests in a burst the users' calls queued behind.
  static bool RebuildDue(const std::string& host_id, int64_t built_ms, int64_t now);
  // A long-poll for `host_id`'s desired state that holds no thread while it waits
  // (service/pull_waiters.h): `done` is called once, on one of this service's builder threads,
  // with the state as soon as a commit concerns the host (service/host_wake.h) or at once if one
  // did since `since`; with `changed=false` and the host's revision after `wait_ms` without one.
  // The guests `held` says the caller holds as they are are not built (HostPull); without it,
  // all are. The call itself never waits for the cloud's lock (the building does, off the
  // caller's thread).
  using PullDone = std::function<void(Result<HostPull>)>;
  void PullAsync(const std::string& host_id, int64_t since, int wait_ms, PullDone done,
                 HeldGuests held = nullptr);
  // The host's waiting pull answered now, as unchanged (its agent is stopping).
  void Interrupt(const std::string& host_id) override;
  ~AgentService();
  // Waits for ReportAsync's answer (the embedded agent's channel).
  Status Report(const std::string& host_id, const std::vector<Observation>& obs) override;
  // Applies a host's observations to its instances (and its snapshots, images, disks, Cloud
  // Assistant runs) with the reports of other hosts that queued meanwhile, in one Write
  // (service/report_applier.h); `done` is called once, on the applier's thread. A host speaks
  // only for its own guests: a report naming an instance placed on another host is refused
  // whole (Forbidden, nothing of it applied), and an unknown host gets UnknownHost. An instance
  // that no longer exists is skipped (released while the report travelled). A change that only
  // echoes what the host said does not wake its long-poll (Txn::Echo).
  void ReportAsync(const std::string& host_id, std::vector<Observation> obs,
                   std::function<void(const Status&)> done);
  // Hands the samples of the guests placed on `host_id` to the cloud's monitor (others are
  // dropped: a host speaks only for its own guests), with the EIPs their addresses belong to.
  Status ReportMetrics(const std::string& host_id, std::vector<GuestSample> samples) override;
  // STS credentials of the instance's RAM role, valid for 6 hours (the metadata service keeps
  // them until an hour is left). The role's trust policy must still name ecs.aliyuncs.com.
  Result<RoleCredentials> RoleCredentialsOf(const std::string& host_id,
                                            const std::string& instance_id) override;
  // Hands the guest's stream to the session hub (service/session_service.h), in-process.
  Status AttachSession(const std::string& host_id, const std::string& session_id, int fd) override;
  // By host id, for every registered host: how long since its agent last pulled or reported
  // (0 while a pull is in flight; since this server started if it has not since), on the
  // steady clock. What host_health.h declares hosts lost, and back, by.
  std::map<std::string, HostContact> Contacts() const;
  // The hub sessions are paired in (set once, before agents attach; null: no sessions).
  void set_session_hub(SessionHub* hub) { hub_ = hub; }
  SessionHub* session_hub() const { return hub_; }

 private:
  // The host's state if a commit concerned it since `since`; unchanged otherwise. A host with
  // many guests and no VPC data plane has them built over several holds of the shared lock
  // (agent_service.cc).
  Result<HostPull> PullState(const std::string& host_id, int64_t since, const HeldGuests& held);
  // One pull's building of guests: what every slice of it reads.
  struct GuestBuild {
    Host host;
    int64_t shared = 0;  // Cloud::SharedRevision when the pull began: in every fingerprint
    HeldGuests held;
    int64_t built = 0, kept = 0;
    std::optional<NetworkIndex> indexed;  // of the current hold; made when first read
    const NetworkIndex& Index(const State& s);
  };
  // Appends the guests `ids` (those still on the host) to `pull`: built, or held.
  void BuildGuests(const State& s, GuestBuild& b, std::span<const std::string> ids, HostPull& pull);
  // Serves the pull: PullState, the metrics and the contact, then `done` (on a builder).
  void Answer(const std::string& host_id, int64_t since, const HeldGuests& held,
              const PullDone& done);
  void NoteContact(const std::string& host_id);
  // ReportApplier's `apply`: one status per report, the accepted ones applied in one Write.
  std::vector<Status> ApplyReports(const std::vector<HostReport>& reports);
  // The state last answered to the embedded agent of a host (Pull), immutable once made.
  struct HeldState {
    int64_t built_ms = 0;  // steady clock: when every guest of it was last built
    DesiredState rest;     // its members but `vms`
    std::vector<std::shared_ptr<const DesiredVm>> vms;                       // in order
    std::unordered_map<std::string, std::pair<std::string, size_t>> prints;  // id: print, index
    DesiredState Whole(int64_t revision) const;  // a copy, every guest in `vms`
  };
  Cloud& cloud_;
  SessionHub* hub_ = nullptr;
  std::mutex held_mu_;
  std::map<std::string, std::shared_ptr<const HeldState>> held_;  // by host id; held_mu_
  int64_t started_ms_;
  mutable std::mutex contact_mu_;
  std::map<std::string, int64_t> last_contact_ms_;  // by host id; guarded by contact_mu_
  std::map<std::string, int> pulling_;              // pulls in flight by host; contact_mu_
  // Builds the states of woken pulls (a few threads: the work is CPU under the shared lock).
  boost::asio::thread_pool builders_{2};
  std::shared_ptr<PullWaiters> waiters_;  // shared with the cloud's wake listener
  // Made in the constructor, reset first in the destructor (its thread calls ApplyReports).
  std::unique_ptr<ReportApplier> reports_;
  MetricsCallback contact_gauge_;  // last: unregistered first
};

// Deletes an instance record and settles its disks (DeleteWithInstance ones are deleted, the
// others detached and Available). Its private IP and capacity claim go with the record.
void ReleaseInstance(Txn& txn, const std::string& instance_id);

}  // namespace openecs
