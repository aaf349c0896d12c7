#pragma once
// The host agent. It registers its host through an AgentChannel, pulls the desired state of
// the instances placed on it, and reconciles: it spawns, powers on/off, reboots and destroys
// guests through the Driver until what runs matches what should run, reporting each result.
// Snapshots, custom images, exports, disks made anew and the collection of what is gone it asks
// of Storage (storage/storage.h); a running guest's snapshot through the driver's live copy.
//
// - One operation at a time per instance (Guest::busy); different instances proceed in
//   parallel on a pool of worker threads.
// - Results are reported through one queue per host (report_batcher.h): a worker does not wait
//   for the server, and what queues while a report travels goes in the next one, in order.
// - Level-triggered: every pass compares desired with actual (Driver::Info), so a restarted
//   agent adopts the guests already running instead of spawning duplicates.
// - Guests the driver has that the server no longer places here are destroyed, but only
//   after a full pull has succeeded.
// - Every `full_sync_ms` it re-reads every guest's power state and reports those the server has
//   wrong, a backstop for lost reports. A guest already as desired costs no worker.
// - Every `console_refresh_ms` it reports the consoles of running guests that printed more, on
//   a thread of its own: the pull loop's long-poll waits for news, or for the next full sync,
//   not for the consoles' turn.
// - Once per boot it reports that a guest's OS is up (HealthStatus Ok): the driver saw it
//   (Driver::GuestReady), the guest asked the metadata service something, or it sent a DHCP
//   request after this agent powered it on.
// - Network interfaces attached or detached while a guest runs are hot-plugged (SyncNics).
// - With a VPC data plane, every new desired state is applied to it (security group rules,
//   DHCP entries, namespaces of VPCs that left this host) before guests are acted on, and the
//   agent answers the guests' metadata requests (metadata_service.h) from it.
// - Its own metrics (pulls, reconcile lag, driver calls, guests by power state) go to the
//   process's Prometheus registry: agent_metrics.h.
#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/agent_metrics.h"
#include "agent/metadata_service.h"
#include "agent/metrics_sampler.h"
#include "agent/report_batcher.h"
#include "hypervisor/driver.h"
#include "model/agent_protocol.h"
#include "net/vpc_network.h"
#include "storage/storage.h"

namespace openecs {

struct AgentOptions {
  HostInfo host;
  int workers = 32;
  int transfer_workers = 2;    // image imports and exports
  int assistant_workers = 32;  // Cloud Assistant commands in guests
  int full_sync_ms = 10000;
  // The longest one pull waits for a change (the server's limit is 30 s); the loop never waits
  // past its next full sync. Quiet, a host pulls twice per full_sync_ms: the full sync and one
  // long-poll (at 500 ms, with the consoles read in the same loop, it was 21 times).
  int pull_wait_ms = 30000;
  int graceful_stop_timeout_ms = 60000;
  int console_refresh_ms = 2000;    // how often running guests' consoles are re-read
  VpcNetworks* network = nullptr;   // the VPC data plane (null: none on this host)
  std::string metadata_secret;      // signs metadata tokens ("": a random one per process)
  int metrics_interval_ms = 10000;  // how often running guests are sampled (0: never)
};

class Agent {
 public:
  Agent(AgentChannel* channel, Driver* driver, Storage* storage, AgentOptions options);
  ~Agent();
  // Registers and starts the reconcile loop in a background thread. If the server later says
  // it does not know this host (409 / InvalidParameter on a pull), the agent registers again.
  Status Start();
  // The host id the server gave this host ("" before Start registers it).
  std::string host_id();
  void Stop();

 private:
  void Loop();
  void Reconcile(const DesiredState& desired, bool full_sync);
  // Brings one guest to what `vm` wants (runs on the pool, the guest marked busy): one of
  // the three below, by vm.desired.
  void Act(const DesiredVm& vm);
  void ActAbsent(const DesiredVm& vm, const VmInfo& info);
  void ActStopped(const DesiredVm& vm, const VmInfo& info);
  void ActRunning(const DesiredVm& vm, VmInfo info);
  // A running guest's interfaces and disks made as `vm` lists them (hot-plug). False when a
  // sync failed (reported).
  bool SyncDevices(const DesiredVm& vm);
  // True when the guest already is as desired and the server knows it: nothing to do.
  bool Settled(const DesiredVm& vm);
  void Send(const Observation& o);
  // Marks a guest busy (false if it already was), and not busy again.
  bool Claim(const std::string& id);
  void Release(const std::string& id);
  // Runs `work` on the pool unless the job `key` is under way or finished here already (work
  // returned true). `transfer`: an image import or export, which may take hours on a user's
  // slow server; those run on their own small pool so they never hold the threads that start
  // and stop guests.
  void StartJob(const std::string& key, std::function<bool()> work, bool transfer = false);
  // Cloud Assistant: runs an invocation in its guest (on the assistant pool), or tells the one
  // under way to stop. Screenshots and NMIs likewise (GuestRequest).
  void Invoke(const DesiredInvocation& inv);
  void AnswerGuestRequest(const DesiredGuestRequest& r);
  // Session Manager: opens the guest's session console and hands it to the server, once.
  void OpenSession(const DesiredSession& session);
  // The console thread: RefreshConsoles every console_refresh_ms until Stop.
  void ConsoleLoop();
  void RefreshConsoles();
  // Reports, once per boot, that a guest's OS is up (HealthStatus Ok).
  void GuestSignalled(const std::string& id, const char* sign);
  // Whether the OS-up report of `id` is still to make (marks it made; Unsent takes it back).
  bool TakeReadySign(const std::string& id, const char* sign);
  void Unsent(const std::vector<std::string>& ready);

  // What this agent knows of one guest; a guest that is not busy and knows nothing has none.
  struct Guest {
    bool busy = false;                 // an operation (Act, an orphan's destroy) is under way
    int64_t reboot_done = -1;          // the last reboot_seq carried out (-1: not since start)
    std::optional<std::string> nics;   // the interfaces its running guest has (NicsOf)
    std::optional<std::string> disks;  // its disks, as DisksOf describes them
    bool ready_sent = false;           // its OS was reported up since its last boot
    int64_t booted_at = 0;             // when this agent last powered it on (s)
    bool operator==(const Guest&) const = default;
  };

  AgentChannel* channel_;
  // Every report of this host goes through it: the ones made while another travels go together.
  // Made in the constructor, flushed and stopped at the start of the destructor (its callbacks
  // use the members below).
  std::unique_ptr<ReportBatcher> reports_;
  Driver* driver_;
  Storage* storage_;
  AgentOptions options_;
  MetadataService metadata_;
  std::unique_ptr<MetricsSampler> sampler_;  // monitoring (metrics_sampler.h)
  std::string host_id_;                      // guarded by mu_ (re-registration replaces it)
  std::atomic<bool> stop_{false};
  std::thread loop_;
  std::thread consoles_;
  std::mutex consoles_mu_;  // with consoles_wake_: Stop wakes the console thread
  std::condition_variable consoles_wake_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::unique_ptr<boost::asio::thread_pool> transfer_pool_;  // image imports and exports
  // Commands in guests, which may run for hours: their own pool, so they never hold the threads
  // that start and stop guests.
  std::unique_ptr<boost::asio::thread_pool> assistant_pool_;
  std::mutex mu_;
  std::map<std::string, Guest> guests_;  // guarded by mu_
  // Long jobs under way ("snapshot:<id>", "build:<disk>:<gen>"...), and those finished here
  // (never redone from a stale desired state). Guarded by mu_.
  std::set<std::string> jobs_busy_;
  std::set<std::string> jobs_done_;
  // The stop flags of invocations under way here, by job key. Guarded by mu_.
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> invocation_stops_;
  // What the console thread reads: the guests meant to run and their NICs' MACs, as the last
  // Reconcile found them (replaced whole, never changed; the pointer guarded by mu_).
  struct ConsoleTargets {
    std::set<std::string> running;
    std::map<std::string, std::vector<std::string>> macs;
  };
  std::shared_ptr<const ConsoleTargets> console_targets_ = std::make_shared<ConsoleTargets>();
  std::map<std::string, size_t> console_seen_;  // console thread only: the hash last sent
  MetricsCallback guests_gauge_;                // openecs_agent_guests (agent_metrics.h)
};

}  // namespace openecs
