// The agent driven step by step: a FakeDriver for the host, and an in-memory channel that plays
// the server (it hands out desired states and keeps what the agent reports, filling each
// instance's `observed` from those reports as the server does).
#include "agent/agent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <set>

#include "hypervisor/fake/fake_driver.h"
#include "storage/fake_storage.h"

namespace openecs {
namespace {

using std::chrono::milliseconds;

class ScriptedChannel : public AgentChannel {
 public:
  Result<std::string> Register(const HostInfo&) override { return std::string("host-1"); }
  Result<DesiredState> Pull(const std::string&, int64_t since, int wait_ms) override {
    std::unique_lock<std::mutex> lock(mu_);
    int64_t released = interrupts_;
    cv_.wait_for(lock, milliseconds(wait_ms),
                 [&] { return revision_ > since || interrupts_ > released; });
    if (revision_ <= since) return DesiredState{revision_, false, {}};
    DesiredState out;
    out.revision = revision_;
    out.vms = vms_;
    for (auto& vm : out.vms)
      if (auto it = observed_.find(vm.instance_id); it != observed_.end()) vm.observed = it->second;
    return out;
  }
  void Interrupt(const std::string&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++interrupts_;
    cv_.notify_all();
  }
  Result<RoleCredentials> RoleCredentialsOf(const std::string&, const std::string&) override {
    return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
  }
  Status Report(const std::string&, const std::vector<Observation>& obs) override {
    std::lock_guard<std::mutex> lock(mu_);
    largest_ = std::max(largest_, obs.size());
    for (const auto& o : obs) {
      reports_.push_back(o);
      if (o.power != PowerState::kUnknown) observed_[o.instance_id] = o.power;
    }
    ++revision_;  // the server's records changed: the agent pulls again
    cv_.notify_all();
    return Ok();
  }
  Status ReportMetrics(const std::string&, std::vector<GuestSample> samples) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : samples) samples_.push_back(std::move(s));
    cv_.notify_all();
    return Ok();
  }
  // Waits (up to 10 s) for `n` samples of `id`; returns those seen.
  std::vector<GuestSample> WaitForSamples(const std::string& id, size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    std::vector<GuestSample> seen;
    cv_.wait_for(lock, milliseconds(10000), [&] {
      seen.clear();
      for (const auto& s : samples_)
        if (s.instance_id == id) seen.push_back(s);
      return seen.size() >= n;
    });
    return seen;
  }
  void Want(std::vector<DesiredVm> vms) {
    std::lock_guard<std::mutex> lock(mu_);
    vms_ = std::move(vms);
    ++revision_;
    cv_.notify_all();
  }
  // Waits (up to 10 s) for a report that `match` accepts, among those after `from`.
  std::optional<Observation> WaitFor(const std::function<bool(const Observation&)>& match,
                                     size_t from = 0) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Observation> found;
    cv_.wait_for(lock, milliseconds(10000), [&] {
      for (size_t k = from; k < reports_.size(); ++k)
        if (match(reports_[k])) {
          found = reports_[k];
          return true;
        }
      return false;
    });
    return found;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return reports_.size();
  }
  size_t Largest() {  // the most observations one report carried
    std::lock_guard<std::mutex> lock(mu_);
    return largest_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t revision_ = 1;
  int64_t interrupts_ = 0;
  std::vector<DesiredVm> vms_;
  std::map<std::string, PowerState> observed_;
  std::vector<GuestSample> samples_;
  std::vector<Observation> reports_;
  size_t largest_ = 0;
};

DesiredVm Vm(const std::string& id, DesiredPower want, int64_t reboot_seq = 0) {
  DesiredVm vm;
  vm.instance_id = id;
  vm.desired = want;
  vm.reboot_seq = reboot_seq;
  vm.cpu = 1;
  vm.memory_mb = 512;
  return vm;
}

auto Power(const std::string& id, PowerState p, int64_t seq = 0) {
  return [=](const Observation& o) {
    return o.instance_id == id && o.power == p && !o.failed && o.reboot_seq_done >= seq;
  };
}

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() : driver_(FakeDriverOptions{"", 5, {}}) {}
  void Start(int metrics_interval_ms = 0, int console_refresh_ms = 2000, int full_sync_ms = 300) {
    AgentOptions options;
    options.workers = 4;
    options.full_sync_ms = full_sync_ms;
    options.metrics_interval_ms = metrics_interval_ms;
    options.console_refresh_ms = console_refresh_ms;
    agent_ = std::make_unique<Agent>(&channel_, &driver_, &storage_, options);
    ASSERT_TRUE(agent_->Start().ok());
  }
  void TearDown() override {
    if (agent_) agent_->Stop();
  }
  ScriptedChannel channel_;
  FakeDriver driver_;
  FakeStorage storage_{5};
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, WalksAGuestThroughItsLifecycle) {
  Start();
  channel_.Want({Vm("i-1", DesiredPower::kRunning)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-1", PowerState::kRunning)));
  EXPECT_EQ(driver_.Info("i-1").power, PowerState::kRunning);
  EXPECT_EQ(driver_.Info("i-1").boot_count, 1);

  // A reboot request (a higher reboot_seq) is carried out once, and said to be done.
  size_t mark = channel_.Count();
  channel_.Want({Vm("i-1", DesiredPower::kRunning, 1)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-1", PowerState::kRunning, 1), mark));
  EXPECT_EQ(driver_.Info("i-1").boot_count, 2);

  mark = channel_.Count();
  channel_.Want({Vm("i-1", DesiredPower::kStopped, 1)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-1", PowerState::kShutoff), mark));
  EXPECT_EQ(driver_.Info("i-1").power, PowerState::kShutoff);

  mark = channel_.Count();
  channel_.Want({Vm("i-1", DesiredPower::kAbsent, 1)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-1", PowerState::kAbsent), mark));
  EXPECT_EQ(driver_.Info("i-1").power, PowerState::kAbsent);
  // The reboot it carried out is forgotten with it: a new guest of that id boots once.
  channel_.Want({Vm("i-1", DesiredPower::kRunning, 1)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-1", PowerState::kRunning, 1), mark));
  std::this_thread::sleep_for(milliseconds(700));  // two full syncs: nothing more happens
  EXPECT_EQ(driver_.Info("i-1").boot_count, 1);
}

// The server applies a report whole, in one hold of its lock: the consoles and OS-up news of
// many guests that came up between two console reads go in reports of a batch at most.
TEST_F(AgentTest, ManyGuestsUpAtOnceAreReportedABatchAtATime) {
  Start(0, 2500);  // the first read finds none up; the next, all of them
  std::vector<DesiredVm> vms;
  for (int k = 0; k < 600; ++k) vms.push_back(Vm("i-" + std::to_string(k), DesiredPower::kRunning));
  channel_.Want(vms);
  std::set<std::string> up;
  ASSERT_TRUE(channel_.WaitFor([&](const Observation& o) {
    if (o.guest_ready) up.insert(o.instance_id);
    return up.size() == vms.size();
  }));
  EXPECT_LE(channel_.Largest(), ReportBatcher::kMaxObservations);
}

// The pull waits for news until the next full sync (a minute here): the consoles are read on
// their own cadence meanwhile, and stopping the agent ends the wait instead of sitting it out.
TEST_F(AgentTest, ConsolesAreReadWhileThePullWaitsAndStopEndsTheWait) {
  Start(0, 100, 60000);
  channel_.Want({Vm("i-4", DesiredPower::kRunning)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-4", PowerState::kRunning)));
  ASSERT_TRUE(channel_.WaitFor([](const Observation& o) { return o.console.has_value(); }));
  std::this_thread::sleep_for(milliseconds(300));  // the pull is waiting again
  size_t mark = channel_.Count();
  ASSERT_TRUE(driver_.DiagnosticInterrupt("i-4").ok());  // prints on its console; no news
  auto nmi = channel_.WaitFor(
      [](const Observation& o) { return o.console && o.console->find("NMI") != std::string::npos; },
      mark);
  ASSERT_TRUE(nmi) << "the console was not read while the pull waited";

  std::this_thread::sleep_for(milliseconds(300));  // and waits again
  auto t0 = std::chrono::steady_clock::now();
  agent_->Stop();
  // Far below the minute the pull would otherwise wait.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
}

TEST_F(AgentTest, SamplesRunningGuestsWithGrowingCounters) {
  Start(50);
  DesiredVm vm = Vm("i-3", DesiredPower::kRunning);
  vm.cpu = 2;
  vm.disks = {{"d-sys", "system"}};
  DesiredNic nic;
  nic.eni_id = "eni-3";
  nic.public_ip = "198.18.0.7";
  vm.nics = {nic};
  channel_.Want({vm});
  ASSERT_TRUE(channel_.WaitFor(Power("i-3", PowerState::kRunning)));
  driver_.SetLoad("i-3", 50);
  auto samples = channel_.WaitForSamples("i-3", 4);
  ASSERT_GE(samples.size(), 4u);
  const GuestSample &a = samples[1], &b = samples.back();
  EXPECT_EQ(b.vcpus, 2);
  EXPECT_GT(b.at_ms, a.at_ms);
  EXPECT_GT(b.cpu_ns, a.cpu_ns);
  // Half of two vCPUs: one CPU-second per second, give or take the sampling.
  double cpu_per_s = double(b.cpu_ns - a.cpu_ns) / double(b.at_ms - a.at_ms) / 1e6;
  EXPECT_NEAR(cpu_per_s, 1.0, 0.05);
  ASSERT_TRUE(b.disks.count("d-sys"));
  EXPECT_GT(b.disks.at("d-sys").read_ops, a.disks.at("d-sys").read_ops);
  ASSERT_TRUE(b.nics.count("eni-3"));
  EXPECT_EQ(b.nics.at("eni-3").public_ip, "198.18.0.7");
  EXPECT_GT(b.nics.at("eni-3").public_tx_bytes, 0);
  // A stopped guest is not sampled.
  size_t mark = channel_.Count();
  channel_.Want({Vm("i-3", DesiredPower::kStopped)});
  ASSERT_TRUE(channel_.WaitFor(Power("i-3", PowerState::kShutoff), mark));
  std::this_thread::sleep_for(milliseconds(150));
  size_t after_stop = channel_.WaitForSamples("i-3", 0).size();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(channel_.WaitForSamples("i-3", 0).size(), after_stop);
}

TEST_F(AgentTest, AFailureIsReportedAndTheGuestTriedAgain) {
  ASSERT_TRUE(driver_.InjectFailures("power_on", 1).ok());
  Start();
  channel_.Want({Vm("i-2", DesiredPower::kRunning)});
  auto failed = channel_.WaitFor([](const Observation& o) { return o.failed; });
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->operation, "power_on");
  EXPECT_NE(failed->error.find("injected"), std::string::npos) << failed->error;
  ASSERT_TRUE(channel_.WaitFor(Power("i-2", PowerState::kRunning)));
  EXPECT_EQ(driver_.Info("i-2").boot_count, 1);
}

TEST_F(AgentTest, AdoptsARunningGuestAndDestroysOrphans) {
  // Left running by an earlier agent: one the server still places here, one it does not.
  ASSERT_TRUE(driver_.Spawn(Vm("i-kept", DesiredPower::kRunning)).ok());
  ASSERT_TRUE(driver_.PowerOn(Vm("i-kept", DesiredPower::kRunning)).ok());
  ASSERT_TRUE(driver_.Spawn(Vm("i-orphan", DesiredPower::kRunning)).ok());
  channel_.Want({Vm("i-kept", DesiredPower::kRunning, 3)});
  Start();
  ASSERT_TRUE(channel_.WaitFor(Power("i-kept", PowerState::kRunning, 3)));
  for (int i = 0; i < 200 && driver_.Info("i-orphan").power != PowerState::kAbsent; ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(driver_.Info("i-orphan").power, PowerState::kAbsent);
  // Adopted as it is: the reboot asked for before the agent started counts as done.
  EXPECT_EQ(driver_.Info("i-kept").boot_count, 1);
}

}  // namespace
}  // namespace openecs
