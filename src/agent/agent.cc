#include "agent/agent.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <optional>
#include <unordered_set>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/text.h"

namespace openecs {
namespace {
std::string ErrorOf(const Status& st) { return st.ok() ? "" : st.error().message; }
// What a guest's interfaces and disks are, as a string to compare; `without`: ones the host
// refused, so that a desired state still listing them (a lost report, a new attach) differs.
// A disk is its id, size and I/O limits: growing it (ResizeDisk) or changing its limits
// (ModifyDiskSpec) makes the running guest's disks sync again.
using Refused = std::map<std::string, std::string>;
std::string NicsOf(const DesiredVm& vm, const Refused& without = {}) {
  std::string s;
  for (const auto& n : vm.nics)
    if (!without.count(n.eni_id)) s += n.eni_id + " ";
  return s;
}
std::string DisksOf(const DesiredVm& vm, const Refused& without = {}) {
  std::string s;
  for (const auto& d : vm.disks)
    if (!without.count(d.disk_id))
      s += d.disk_id + ":" + std::to_string(d.size_gib) + ":" + std::to_string(d.iops) + ":" +
           std::to_string(d.throughput_mbps) + " ";
  return s;
}
// A report of a guest's power state; `reboot_seq`: the reboot it has carried out (running).
Observation PowerNews(const std::string& id, PowerState power, int64_t reboot_seq = 0) {
  Observation o;
  o.instance_id = id;
  o.power = power;
  o.reboot_seq_done = reboot_seq;
  return o;
}
// What the driver says of a guest now (a crash included).
Observation InfoNews(const VmInfo& info) {
  Observation o = PowerNews(info.instance_id, info.power);
  o.crashed = info.power == PowerState::kShutoff && info.crashed;
  return o;
}
// A report that operation `op` failed, the guest being `power` now.
Observation FailureNews(const std::string& id, PowerState power, const char* op,
                        const std::string& error) {
  Observation o = PowerNews(id, power);
  o.failed = true;
  o.operation = op;
  o.error = error;
  return o;
}
std::vector<std::string> DiskIds(const DesiredVm& vm) {
  std::vector<std::string> ids;
  for (const auto& d : vm.disks) ids.push_back(d.disk_id);
  return ids;
}
}  // namespace

Agent::Agent(AgentChannel* channel, Driver* driver, Storage* storage, AgentOptions options)
    : channel_(channel),
      driver_(driver),
      storage_(storage),
      options_(std::move(options)),
      metadata_(options_.metadata_secret.empty() ? RandomHex(32) : options_.metadata_secret) {
  options_.host.vpc_data_plane = options_.network != nullptr;
  reports_ = std::make_unique<ReportBatcher>(
      [this](const std::vector<Observation>& obs) { return channel_->Report(host_id(), obs); });
  guests_gauge_ = agent_metrics::GuestsGauge(driver_);
  if (options_.network) options_.host.underlay_ip = options_.network->underlay_ip();
  metadata_.OnRequest([this](const std::string& id) { GuestSignalled(id, "a metadata request"); });
  metadata_.SetCredentialSource(
      [this](const std::string& id) { return channel_->RoleCredentialsOf(host_id(), id); });
  if (options_.network)
    options_.network->ServeMetadata([this](const std::string& vpc_id, const HttpRequest& req) {
      return metadata_.Handle(vpc_id, req);
    });
}

Agent::~Agent() {
  Stop();
  reports_.reset();  // what is queued is sent now
}

Status Agent::Start() {
  auto id = channel_->Register(options_.host);
  if (id.ok()) {
    host_id_ = *id;
  } else if (id.error().code == ErrorCode::kServiceUnavailable) {
    // The server cannot save the registration now (a full disk, a restarting server): the
    // loop registers as soon as it can, and guests already here keep running meanwhile.
    LOG_WARN("agent: cannot register yet ({}); retrying", id.error().message);
  } else {
    return id.error();
  }
  sampler_ = std::make_unique<MetricsSampler>(channel_, driver_, options_.network,
                                              [this] { return host_id(); });
  sampler_->Start(options_.metrics_interval_ms);
  // A guest that changes state on its own (shut down inside, crashed) is reported at once.
  driver_->SetEventHandler([this](const std::string& id) {
    if (stop_) return;
    Send(InfoNews(driver_->Info(id)));
  });
  pool_ = std::make_unique<boost::asio::thread_pool>(options_.workers);
  transfer_pool_ = std::make_unique<boost::asio::thread_pool>(options_.transfer_workers);
  assistant_pool_ = std::make_unique<boost::asio::thread_pool>(options_.assistant_workers);
  loop_ = std::thread([this] { Loop(); });
  consoles_ = std::thread([this] { ConsoleLoop(); });
  return Ok();
}

std::string Agent::host_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return host_id_;
}

void Agent::Stop() {
  if (stop_.exchange(true)) return;
  if (sampler_) sampler_->Stop();
  {
    std::lock_guard<std::mutex> lock(consoles_mu_);  // not between its check and its wait
  }
  consoles_wake_.notify_all();
  if (consoles_.joinable()) consoles_.join();
  // The loop's long-poll may wait until the next full sync: the server answers it now. (A pull
  // begun just after this still waits its time.)
  if (loop_.joinable() && !host_id().empty()) channel_->Interrupt(host_id());
  if (loop_.joinable()) loop_.join();
  if (pool_) pool_->join();
  if (transfer_pool_) transfer_pool_->join();
  {
    // Commands under way end now (killed in their guests); the server learns it from the next
    // agent, which finds them Running and not its own (ExecutionInterrupted).
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, flag] : invocation_stops_) *flag = true;
  }
  if (assistant_pool_) assistant_pool_->join();
}

void Agent::Loop() {
  int64_t revision = 0;
  int64_t last_full = 0;
  while (!stop_) {
    if (host_id().empty()) {
      auto id = channel_->Register(options_.host);
      if (!id.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      host_id_ = *id;
    }
    // A full sync pulls everything (since=0) and re-checks every guest against the host; a
    // long-poll waits for news until the next one is due.
    int64_t until_full = last_full + options_.full_sync_ms - NowMillis();
    bool full = until_full <= 0;
    int wait_ms = static_cast<int>(std::clamp<int64_t>(until_full, 1, options_.pull_wait_ms));
    auto desired = agent_metrics::TimedPull(
        [&] { return channel_->Pull(host_id(), full ? 0 : revision, wait_ms); });
    if (!desired.ok()) {
      LOG_WARN("agent: pull failed: {}", desired.error().message);
      if (desired.error().code == ErrorCode::kUnknownHost) {  // the server forgot us
        auto id = channel_->Register(options_.host);
        if (id.ok()) {
          std::lock_guard<std::mutex> lock(mu_);
          host_id_ = *id;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    if (full) last_full = NowMillis();
    revision = desired->revision;
    if (desired->changed) {
      Reconcile(*desired, full);
      channel_->GiveBack(host_id(), std::move(*desired));  // the next quiet pull answers it
    }
  }
}

void Agent::ConsoleLoop() {
  auto every = std::chrono::milliseconds(std::max(1, options_.console_refresh_ms));
  std::unique_lock<std::mutex> lock(consoles_mu_);
  while (!consoles_wake_.wait_for(lock, every, [this] { return stop_.load(); })) {
    lock.unlock();
    RefreshConsoles();
    lock.lock();
  }
}

bool Agent::TakeReadySign(const std::string& id, const char* sign) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Guest& g = guests_[id];
    if (stop_ || g.ready_sent) return false;
    g.ready_sent = true;
  }
  LOG_INFO("agent: {}: its OS is up ({})", id, sign);
  return true;
}

void Agent::Unsent(const std::vector<std::string>& ready) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ready) guests_[id].ready_sent = false;  // said again at the next sign
}

void Agent::GuestSignalled(const std::string& id, const char* sign) {
  if (!TakeReadySign(id, sign)) return;
  Observation o;  // power kUnknown: no power news
  o.instance_id = id;
  o.guest_ready = true;
  reports_->Post({std::move(o)}, [this, id](const Status& st) {
    if (st.ok()) return;
    LOG_WARN("agent: report for {} failed: {}", id, st.error().message);
    Unsent({id});
  });
}

void Agent::RefreshConsoles() {
  // Consoles that printed more, and the guests whose OS came up.
  std::vector<Observation> changed;
  std::optional<std::map<std::string, int64_t>> dhcp;  // read once, when a guest needs it
  std::shared_ptr<const ConsoleTargets> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets = console_targets_;
  }
  for (auto it = console_seen_.begin(); it != console_seen_.end();)
    it = targets->running.count(it->first) ? std::next(it) : console_seen_.erase(it);
  for (const auto& id : targets->running) {
    if (driver_->Info(id).power != PowerState::kRunning) continue;
    bool ready_sent = false;
    int64_t booted_at = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = guests_.find(id); it != guests_.end()) {
        ready_sent = it->second.ready_sent;
        booted_at = it->second.booted_at;
      }
    }
    const char* sign = !ready_sent && driver_->GuestReady(id) ? "its boot line" : nullptr;
    auto macs = targets->macs.find(id);
    if (!ready_sent && !sign && booted_at > 0 && options_.network && macs != targets->macs.end()) {
      if (!dhcp) dhcp = options_.network->DhcpRequests();
      for (const auto& mac : macs->second)
        if (auto it = dhcp->find(mac); it != dhcp->end() && it->second >= booted_at)
          sign = "a DHCP request";
    }
    bool up = sign && TakeReadySign(id, sign);
    std::string console = driver_->ConsoleOutput(id);
    size_t h = std::hash<std::string>{}(console);
    auto it = console_seen_.find(id);
    bool printed = it == console_seen_.end() || it->second != h;
    if (!printed && !up) continue;
    console_seen_[id] = h;
    // Power kUnknown: console news only; a booting guest must not look Running because of it.
    Observation o = PowerNews(id, PowerState::kUnknown);
    if (printed) o.console = std::move(console);
    o.guest_ready = up;
    changed.push_back(std::move(o));
  }
  // In reports of at most a batch each: the server applies a report whole, in one hold of its
  // exclusive lock (a host of 10,000 guests just booted sent them all in one, held 0.4-0.7 s).
  for (size_t from = 0; from < changed.size(); from += ReportBatcher::kMaxObservations) {
    size_t to = std::min(changed.size(), from + ReportBatcher::kMaxObservations);
    auto at = [&](size_t k) {
      return std::make_move_iterator(changed.begin() + static_cast<std::ptrdiff_t>(k));
    };
    std::vector<Observation> part(at(from), at(to));
    std::vector<std::string> up;
    for (const auto& o : part)
      if (o.guest_ready) up.push_back(o.instance_id);
    reports_->Post(std::move(part), [this, up = std::move(up)](const Status& st) {
      if (st.ok()) return;
      LOG_WARN("agent: console report failed: {}", st.error().message);
      Unsent(up);
    });
  }
}

void Agent::Reconcile(const DesiredState& desired, bool full_sync) {
  // Every guest operation this pass starts holds it; the last one to end records the lag.
  auto pass = agent_metrics::StartPass(full_sync);
  auto targets = std::make_shared<ConsoleTargets>();
  for (const auto& vm : desired.vms) {
    if (vm.desired != DesiredPower::kRunning) continue;
    targets->running.insert(vm.instance_id);
    for (const auto& nic : vm.nics) targets->macs[vm.instance_id].push_back(ToLower(nic.mac));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    console_targets_ = std::move(targets);
  }
  if (sampler_) sampler_->SetPlacement(desired.vms);
  if (options_.network) {
    metadata_.Update(desired.vms);
    std::vector<DesiredNic> nics;
    for (const auto& vm : desired.vms)
      if (vm.desired != DesiredPower::kAbsent)
        nics.insert(nics.end(), vm.nics.begin(), vm.nics.end());
    int64_t t0 = NowMillis();
    Status st = options_.network->Apply(nics, desired.remote);
    if (!st.ok()) LOG_WARN("agent: network: {}", st.error().message);
    LOG_DEBUG("agent: network applied for {} interfaces in {} ms", nics.size(), NowMillis() - t0);
  }
  // Disk and snapshot files of disks and snapshots that are gone.
  if (desired.storage_listed) {
    std::set<std::string> disks(desired.pool_disks.begin(), desired.pool_disks.end());
    std::set<std::string> snapshots(desired.kept_snapshots.begin(), desired.kept_snapshots.end());
    if (Status st = storage_->Collect(disks, snapshots); !st.ok())
      LOG_WARN("agent: disk pool: {}", st.error().message);
    std::set<std::string> images(desired.kept_images.begin(), desired.kept_images.end());
    if (Status st = storage_->CollectImages(images); !st.ok())
      LOG_WARN("agent: image store: {}", st.error().message);
  }
  // Long jobs: snapshots, custom images, image exports, disk files made anew. One under way when
  // the agent stopped is done again from the start (each writes a partial file and puts it in
  // place only when whole); one finished here is never redone from a stale desired state.
  for (const auto& snap : desired.snapshots)
    StartJob("snapshot:" + snap.snapshot_id, [this, snap] {
      auto report = [&](const SnapshotReport& r) {
        Observation o;  // no power news
        o.instance_id = snap.instance_id;
        o.snapshot = r;
        Send(o);
      };
      auto made = storage_->MakeSnapshot(snap, driver_->LiveCopyOf(snap), [&](int pct) {
        SnapshotReport r;
        r.snapshot_id = snap.snapshot_id;
        r.progress = pct;
        report(r);
      });
      SnapshotReport r;
      r.snapshot_id = snap.snapshot_id;
      if (made.ok()) {
        r = *made;
      } else {
        r.failed = true;
        r.error = made.error().message;
        LOG_WARN("agent: snapshot {} of {} failed: {}", snap.snapshot_id, snap.disk_id, r.error);
      }
      report(r);
      return made.ok();
    });
  for (const auto& build : desired.image_builds)
    StartJob(
        "image:" + build.image_id,
        [this, build] {
          auto report = [&](const ImageReport& r) {
            Observation o;  // no power news
            o.image = r;
            Send(o);
          };
          int last = 0;
          auto made = storage_->MakeImage(build, [&](int pct) {
            if (pct < last + 5) return;  // a report per 5%
            last = pct;
            ImageReport r;
            r.image_id = build.image_id;
            r.progress = pct;
            report(r);
          });
          ImageReport r;
          r.image_id = build.image_id;
          if (made.ok()) {
            r = *made;
            LOG_INFO("agent: image {} made ({} bytes)", build.image_id, r.size_bytes);
          } else {
            r.failed = true;
            r.error = made.error().message;
            LOG_WARN("agent: image {} failed: {}", build.image_id, r.error);
          }
          report(r);
          return made.ok();
        },
        /*transfer=*/true);
  for (const auto& e : desired.image_exports)
    StartJob(
        "export:" + e.task_id,
        [this, e] {
          Status st = storage_->ExportImage(e);
          if (!st.ok())
            LOG_WARN("agent: export of image {} failed: {}", e.image_id, st.error().message);
          Observation o;  // no power news
          o.image_export = ImageExportReport{e.image_id, e.task_id, !st.ok(), ErrorOf(st)};
          Send(o);
          return st.ok();
        },
        /*transfer=*/true);
  for (const auto& build : desired.disk_builds)
    StartJob("build:" + build.disk_id + ":" + std::to_string(build.generation), [this, build] {
      Status st = storage_->Build(build);
      if (st.ok())
        LOG_INFO("agent: disk {} made anew (build {})", build.disk_id, build.generation);
      else
        LOG_WARN("agent: disk {} could not be made anew: {}", build.disk_id, st.error().message);
      Observation o;  // no power news
      o.disk_build = DiskBuildReport{build.disk_id, build.generation, !st.ok(), ErrorOf(st)};
      Send(o);
      return st.ok();
    });
  for (const auto& inv : desired.invocations) Invoke(inv);
  for (const auto& r : desired.guest_requests) AnswerGuestRequest(r);
  for (const auto& session : desired.sessions) OpenSession(session);
  std::unordered_set<std::string> placed;
  placed.reserve(desired.vms.size());
  for (const auto& vm : desired.vms) {
    placed.insert(vm.instance_id);
    // Settled: the driver has it as the server does and as it should be, so there is nothing to
    // do and, on a full sync, nothing to report (a worker would find the same and stay idle).
    if (Settled(vm)) continue;
    if (!Claim(vm.instance_id)) continue;
    boost::asio::post(*pool_, [this, vm, full_sync, pass] {
      Act(vm);
      if (full_sync) {
        VmInfo info = driver_->Info(vm.instance_id);
        if (info.power != vm.observed) Send(InfoNews(info));
      }
      Release(vm.instance_id);
    });
  }
  // Orphans: guests here that the server does not place here (a released instance whose
  // report was lost, or an instance moved away).
  for (const auto& info : driver_->List()) {
    if (placed.count(info.instance_id) || !Claim(info.instance_id)) continue;
    boost::asio::post(*pool_, [this, id = info.instance_id, pass] {
      LOG_INFO("agent: destroying orphan guest {}", id);
      Status st =
          agent_metrics::TimedDriverOp("destroy", [&] { return driver_->Destroy(id, false); });
      if (!st.ok()) LOG_WARN("agent: destroying orphan {} failed: {}", id, st.error().message);
      {
        std::lock_guard<std::mutex> lock(mu_);
        guests_[id] = Guest{.busy = true};  // it is gone: nothing is known of it any more
      }
      Release(id);
    });
  }
}

bool Agent::Settled(const DesiredVm& vm) {
  PowerState want = vm.desired == DesiredPower::kRunning   ? PowerState::kRunning
                    : vm.desired == DesiredPower::kStopped ? PowerState::kShutoff
                                                           : PowerState::kAbsent;
  if (want == PowerState::kAbsent || vm.observed != want) return false;
  if (driver_->Info(vm.instance_id).power != want) return false;
  if (want != PowerState::kRunning) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = guests_.find(vm.instance_id);
  if (it == guests_.end()) return false;
  const Guest& g = it->second;
  return g.reboot_done >= vm.reboot_seq && g.nics == NicsOf(vm) && g.disks == DisksOf(vm);
}

bool Agent::Claim(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Guest& g = guests_[id];
  if (g.busy) return false;
  g.busy = true;
  return true;
}

void Agent::Release(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = guests_.find(id);
  if (it == guests_.end()) return;
  it->second.busy = false;
  if (it->second == Guest{}) guests_.erase(it);
}

void Agent::StartJob(const std::string& key, std::function<bool()> work, bool transfer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_done_.count(key) || !jobs_busy_.insert(key).second) return;
  }
  boost::asio::post(transfer ? *transfer_pool_ : *pool_, [this, key, work = std::move(work)] {
    bool done = work();
    std::lock_guard<std::mutex> lock(mu_);
    if (done) jobs_done_.insert(key);
    jobs_busy_.erase(key);
  });
}

void Agent::Invoke(const DesiredInvocation& inv) {
  std::string key = "invoke:" + inv.invoke_id + ":" + inv.instance_id;
  auto report = [this, inv](InvocationReport r) {
    if (stop_) return;  // see Stop
    r.invoke_id = inv.invoke_id;
    r.instance_id = inv.instance_id;
    Observation o;  // no power news
    o.instance_id = inv.instance_id;
    o.invocation = std::move(r);
    Send(o);
  };
  std::shared_ptr<std::atomic<bool>> flag;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_done_.count(key)) return;
    if (jobs_busy_.count(key)) {  // under way here: perhaps to be stopped
      if (inv.stop) *invocation_stops_[key] = true;
      return;
    }
    if (inv.started) {
      // The server has it Running, yet no thread here runs it: this agent restarted while it
      // ran (and killed it), or it ran on a host the instance left.
      jobs_done_.insert(key);
      flag = nullptr;
    } else {
      jobs_busy_.insert(key);
      flag = invocation_stops_[key] = std::make_shared<std::atomic<bool>>(inv.stop);
    }
  }
  if (!flag) {
    report({.state = "failed", .error = "the host's agent restarted while the command ran"});
    return;
  }
  boost::asio::post(*assistant_pool_, [this, key, inv, flag, report] {
    InvocationReport r;
    if (inv.kind == "file") {
      report({.state = "running"});
      GuestFile f{inv.directory, inv.name,  inv.content,  inv.mode,
                  inv.owner,     inv.group, inv.overwrite};
      Status st = driver_->WriteGuestFile(inv.instance_id, f);
      r.state = st.ok() ? "done" : "failed";
      if (!st.ok()) {
        r.error = st.error().message;
        r.agent_down = !driver_->GuestAgentAlive(inv.instance_id);
      }
    } else {
      GuestCommand cmd{inv.script, "/bin/sh", inv.working_dir, inv.username, inv.timeout_s};
      auto out = driver_->RunGuestCommand(inv.instance_id, cmd, *flag,
                                          [&] { report({.state = "running"}); });
      if (out.ok()) {
        r = {.state = "done",
             .exit_code = out->exit_code,
             .output = out->output,
             .dropped = out->dropped,
             .timed_out = out->timed_out,
             .stopped = out->stopped};
      } else {
        r.state = "failed";
        r.error = out.error().message;
        r.agent_down = !driver_->GuestAgentAlive(inv.instance_id);
        LOG_WARN("agent: command {} on {} failed: {}", inv.invoke_id, inv.instance_id, r.error);
      }
    }
    report(r);
    std::lock_guard<std::mutex> lock(mu_);
    jobs_done_.insert(key);
    jobs_busy_.erase(key);
    invocation_stops_.erase(key);
  });
}

void Agent::AnswerGuestRequest(const DesiredGuestRequest& req) {
  StartJob("guest:" + req.request_id, [this, req] {
    GuestRequestReport r;
    r.request_id = req.request_id;
    if (req.kind == "screenshot") {
      auto png = driver_->Screenshot(req.instance_id);
      if (png.ok())
        r.result = Base64Encode(*png);
      else
        r.error = png.error().message;
      r.failed = !png.ok();
    } else if (req.kind == "nmi") {
      Status st = driver_->DiagnosticInterrupt(req.instance_id);
      r.failed = !st.ok();
      r.error = ErrorOf(st);
    } else {
      r.failed = true;
      r.error = "unknown request " + req.kind;
    }
    Observation o;  // no power news
    o.guest_request = std::move(r);
    Send(o);
    return true;
  });
}

void Agent::OpenSession(const DesiredSession& session) {
  // Done once here: the server closes the stream when the session ends, and a session that
  // could not be opened is tried again with the next desired state that lists it.
  StartJob("session:" + session.session_id, [this, session] {
    auto fd = driver_->OpenGuestStream(session.instance_id, session.kind == "screen"
                                                                ? Driver::GuestStream::kScreen
                                                                : Driver::GuestStream::kShell);
    if (!fd.ok()) {
      LOG_WARN("agent: session {} on {}: {}", session.session_id, session.instance_id,
               fd.error().message);
      return false;
    }
    Status st = channel_->AttachSession(host_id(), session.session_id, *fd);
    if (!st.ok())
      LOG_WARN("agent: session {} could not be handed to the server: {}", session.session_id,
               st.error().message);
    return st.ok();
  });
}

void Agent::Send(const Observation& o) {
  Observation out = o;
  if (out.power == PowerState::kRunning || out.power == PowerState::kShutoff) {
    out.console = driver_->ConsoleOutput(o.instance_id);
    out.vnc_url = driver_->VncUrl(o.instance_id);
  }
  // Queued: the worker goes on while the report travels (agent/report_batcher.h).
  reports_->Post({std::move(out)}, [id = o.instance_id](const Status& st) {
    if (!st.ok()) LOG_WARN("agent: report for {} failed: {}", id, st.error().message);
  });
}

void Agent::Act(const DesiredVm& vm) {
  VmInfo info = driver_->Info(vm.instance_id);
  switch (vm.desired) {
    case DesiredPower::kAbsent:
      return ActAbsent(vm, info);
    case DesiredPower::kStopped:
      return ActStopped(vm, info);
    case DesiredPower::kRunning:
      return ActRunning(vm, info);
  }
}

void Agent::ActAbsent(const DesiredVm& vm, const VmInfo& info) {
  const std::string& id = vm.instance_id;
  if (info.power != PowerState::kAbsent) {
    Status st = agent_metrics::TimedDriverOp("destroy", [&] { return driver_->Destroy(id, true); });
    if (!st.ok()) return Send(FailureNews(id, info.power, "destroy", st.error().message));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    guests_[id] = Guest{.busy = true};  // forgotten when released
  }
  Send(PowerNews(id, PowerState::kAbsent));
}

void Agent::ActStopped(const DesiredVm& vm, const VmInfo& info) {
  const std::string& id = vm.instance_id;
  if (info.power == PowerState::kAbsent) {
    Status st = agent_metrics::TimedDriverOp("spawn", [&] { return driver_->Spawn(vm); });
    if (!st.ok()) return Send(FailureNews(id, PowerState::kAbsent, "spawn", st.error().message));
    return Send(PowerNews(id, PowerState::kShutoff));
  }
  if (info.power == PowerState::kRunning) {
    Status st = agent_metrics::TimedDriverOp("power_off", [&] {
      return driver_->PowerOff(id, vm.force_stop, options_.graceful_stop_timeout_ms);
    });
    if (!st.ok())
      return Send(FailureNews(id, driver_->Info(id).power, "power_off", st.error().message));
    return Send(PowerNews(id, PowerState::kShutoff));
  }
  if (vm.observed != PowerState::kShutoff) Send(PowerNews(id, PowerState::kShutoff));
}

void Agent::ActRunning(const DesiredVm& vm, VmInfo info) {
  const std::string& id = vm.instance_id;
  if (info.power == PowerState::kAbsent) {
    Status st = agent_metrics::TimedDriverOp("spawn", [&] { return driver_->Spawn(vm); });
    if (!st.ok()) return Send(FailureNews(id, PowerState::kAbsent, "spawn", st.error().message));
    Send(PowerNews(id, PowerState::kShutoff, vm.reboot_seq));
    info.power = PowerState::kShutoff;
  }
  if (info.power == PowerState::kShutoff) {
    Status st = agent_metrics::TimedDriverOp("power_on", [&] { return driver_->PowerOn(vm); });
    if (!st.ok())
      return Send(FailureNews(id, driver_->Info(id).power, "power_on", st.error().message));
    {
      std::lock_guard<std::mutex> lock(mu_);
      Guest& g = guests_[id];
      g.reboot_done = vm.reboot_seq;   // a fresh boot satisfies any pending reboot
      g.nics = NicsOf(vm);             // and boots with the interfaces it should have
      g.disks = DisksOf(vm);           // and disks
      g.ready_sent = false;            // its OS has to say it is up again
      g.booted_at = NowSeconds() - 1;  // (lease times have whole seconds)
    }
    Observation up = PowerNews(id, PowerState::kRunning, vm.reboot_seq);
    up.disks = DiskIds(vm);
    return Send(up);
  }
  // Running.
  int64_t done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Guest& g = guests_[id];
    done = g.reboot_done;
    // First sight since the agent started: adopt the running guest as it is (a reboot
    // requested before the restart counts as done: the guest is up).
    if (done < 0) g.reboot_done = vm.reboot_seq;
  }
  if (done < 0) return Send(PowerNews(id, PowerState::kRunning, vm.reboot_seq));
  if (!SyncDevices(vm)) return;
  if (vm.reboot_seq > done) {
    Status st =
        agent_metrics::TimedDriverOp("reboot", [&] { return driver_->Reboot(vm, vm.force_stop); });
    if (!st.ok())
      return Send(FailureNews(id, driver_->Info(id).power, "reboot", st.error().message));
    {
      std::lock_guard<std::mutex> lock(mu_);
      Guest& g = guests_[id];
      g.reboot_done = vm.reboot_seq;
      g.ready_sent = false;
      g.booted_at = NowSeconds() - 1;
    }
    return Send(PowerNews(id, PowerState::kRunning, vm.reboot_seq));
  }
  if (vm.observed != PowerState::kRunning) Send(PowerNews(id, PowerState::kRunning, vm.reboot_seq));
}

bool Agent::SyncDevices(const DesiredVm& vm) {
  const std::string& id = vm.instance_id;
  std::optional<std::string> nics, disks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    nics = guests_[id].nics;
    disks = guests_[id].disks;
  }
  // Interfaces attached or detached while it runs (also checked once after a restart).
  if (nics != NicsOf(vm)) {
    Refused refused;
    Status st = driver_->SyncNics(vm, &refused);
    if (!st.ok()) {
      Send(FailureNews(id, PowerState::kRunning, "sync_nics", st.error().message));
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      guests_[id].nics = NicsOf(vm, refused);
    }
    if (!refused.empty()) {
      Observation o = PowerNews(id, PowerState::kRunning, vm.reboot_seq);
      o.nics_refused = std::move(refused);
      Send(o);
    }
  }
  // Disks attached, detached, grown or re-throttled while it runs (also checked once after a
  // restart).
  if (disks != DisksOf(vm)) {
    Refused refused;
    Status st = driver_->SyncDisks(vm, &refused);
    if (!st.ok()) {
      Send(FailureNews(id, PowerState::kRunning, "sync_disks", st.error().message));
      return false;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      guests_[id].disks = DisksOf(vm, refused);
    }
    Observation synced = PowerNews(id, PowerState::kRunning, vm.reboot_seq);
    synced.disks = DiskIds(vm);
    std::erase_if(*synced.disks, [&](const std::string& d) { return refused.count(d) > 0; });
    synced.disks_refused = std::move(refused);
    Send(synced);
  }
  return true;
}

}  // namespace openecs
