#pragma once
// The fake hypervisor: emulator mode and fast tests. Guests are records in memory; each
// operation sleeps for a configurable delay and can be made to fail (failure injection), so
// tests can walk every lifecycle path without QEMU.
//
// Like real guests, fake guests outlive a restart of ecsd: every state change is appended to
// a journal file (one line per change; a process crash loses nothing already written), and the
// journal is replayed at construction.
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "hypervisor/driver.h"

namespace openecs {

struct FakeDriverOptions {
  std::string journal_path;  // "" = no persistence
  int delay_ms = 300;        // per operation
  HostInfo host;             // capacity the fake host declares
};

class FakeDriver final : public Driver {
 public:
  explicit FakeDriver(FakeDriverOptions options);
  std::string Name() const override { return "fake"; }
  HostInfo DescribeHost() const override { return options_.host; }
  Status Spawn(const DesiredVm& spec) override;
  Status PowerOn(const DesiredVm& vm) override;
  Status PowerOff(const std::string& id, bool force, int timeout_ms) override;
  Status Reboot(const DesiredVm& vm, bool force) override;
  Status Destroy(const std::string& id, bool delete_disks) override;
  VmInfo Info(const std::string& id) override;
  std::vector<VmInfo> List() override;
  // A made-up console: one boot line per boot, as a real guest would print.
  std::string ConsoleOutput(const std::string& id) override;
  bool GuestReady(const std::string& id) override { return Info(id).power == PowerState::kRunning; }
  std::string VncUrl(const std::string& id) override;
  // Emulator mode: a running guest's interfaces and disks are sets of ids; one new to it is
  // refused while a "hot_plug" failure is injected. Each disk's I/O limits are kept as applied
  // (AppliedLimits), from its boot or its last sync.
  Status SyncNics(const DesiredVm& vm, std::map<std::string, std::string>* refused) override;
  Status SyncDisks(const DesiredVm& vm, std::map<std::string, std::string>* refused) override;
  struct DiskLimits {
    int iops = 0;
    int throughput_mbps = 0;
    bool operator==(const DiskLimits&) const = default;
  };
  // The limits a running guest's disks have now, by disk id (empty when it is not running).
  std::map<std::string, DiskLimits> AppliedLimits(const std::string& id);
  // No block jobs: storage (storage/fake_storage.h) "copies" every snapshot itself.
  Storage::LiveCopy LiveCopyOf(const DesiredSnapshot&) override { return nullptr; }
  void SetEventHandler(std::function<void(const std::string&)> handler) override;
  // Made-up counters that grow with time while the guest runs: its CPU at its load (SetLoad;
  // by default a steady 5-25 % that depends on its id), a little disk I/O and traffic in
  // proportion, half of each interface's traffic public when it has a public address.
  Result<GuestSample> Stats(const std::string& id) override;
  // Emulator mode: the CPU load (0-100 %) a running guest reports from now on (-1: the default).
  void SetLoad(const std::string& id, double percent);
  // Emulator mode: a running guest's virtual machine dies as a crashed QEMU would (shut off,
  // VmInfo::crashed), and the event handler is told. NotFound unless it runs.
  Status Crash(const std::string& id);

  // The guest's agent, emulated (fake_guest_agent.cc): a running guest's agent is alive unless
  // SetAgentAlive(id, false). A script is not run: each line is read as one of `echo WORDS`
  // (WORDS and a newline to the output), `cat PATH` (a file SendFile wrote), `sleep SECONDS`
  // (real time, cut short by the timeout or a stop), `exit N`, `echo WORDS >&2`; other lines
  // do nothing. Files sent live in memory per guest until it is destroyed.
  bool GuestAgentAlive(const std::string& id) override;
  Result<GuestCommandResult> RunGuestCommand(const std::string& id, const GuestCommand& cmd,
                                             const std::atomic<bool>& stop,
                                             const std::function<void()>& started) override;
  Status WriteGuestFile(const std::string& id, const GuestFile& file) override;
  // A fixed 1x1 PNG while running.
  Result<std::string> Screenshot(const std::string& id) override;
  // Counted; the console shows the kernel's "NMI received" line once per interrupt.
  Status DiagnosticInterrupt(const std::string& id) override;
  // Emulated, not real (a socketpair and a thread per stream). kShell: it prints the prompt
  // "# ", echoes what is typed, and on Enter answers `echo WORDS` with WORDS, `hostname` with
  // the instance id, `exit` by closing; other lines get "not found". Several streams may be open
  // at once (a real guest has one console). kScreen: an RFB 3.8 server with security None and a
  // 640x400 screen of one colour, named "OpenECS emulator <id>", that answers every
  // FramebufferUpdateRequest with one solid rectangle and ignores keys and pointer.
  Result<int> OpenGuestStream(const std::string& id, GuestStream kind) override;
  void SetAgentAlive(const std::string& id, bool alive);

  // Failure injection: the next `count` calls of `op` (spawn, power_on, power_off, reboot,
  // destroy) fail; for hot_plug, the next `count` disks or interfaces plugged into running
  // guests are refused. Thread-safe.
  Status InjectFailures(const std::string& op, int count);
  void set_delay_ms(int ms) { delay_ms_ = ms; }

 private:
  bool TakeFailure(const std::string& op);
  void Sleep(bool short_op) const;
  void Record(const VmInfo& vm, bool erased);  // requires mu_
  // A running guest's devices of one kind become `want`, less the ones refused.
  Status SyncDevices(const std::string& id, const std::set<std::string>& want,
                     std::map<std::string, std::set<std::string>>& plugged,
                     std::map<std::string, std::string>* refused);

  FakeDriverOptions options_;
  std::atomic<int> delay_ms_;
  std::mutex mu_;
  std::map<std::string, VmInfo> vms_;
  std::map<std::string, int> failures_;
  std::map<std::string, std::set<std::string>> disks_, nics_;        // of running guests
  std::map<std::string, std::map<std::string, DiskLimits>> limits_;  // of their disks
  // What Stats has counted for each running guest, and where its interfaces' public addresses
  // and load come from. Guarded by mu_.
  struct Meter {
    int vcpus = 1;
    int64_t last_ms = 0;
    double cpu_s = 0, io = 0, net = 0;  // integrals of CPU seconds, I/O and traffic units
    std::map<std::string, std::string> public_ips;  // by ENI
  };
  std::map<std::string, Meter> meters_;
  std::map<std::string, double> loads_;
  // The emulated guest agent: guests whose agent is made silent, files sent (by guest, then
  // path), NMIs received. Guarded by mu_.
  std::set<std::string> agent_silent_;
  std::map<std::string, std::map<std::string, std::string>> files_;
  std::map<std::string, int> nmis_;
  std::function<void(const std::string&)> on_event_;  // guarded by mu_
  void ApplyLimits(const DesiredVm& vm);              // requires mu_
  std::ofstream journal_;
};

}  // namespace openecs
