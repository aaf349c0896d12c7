#include "hypervisor/qemu/qemu_driver.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qemu/cidata.h"
#include "hypervisor/qemu/qmp.h"
#include "model/catalogue.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }

// /dev/kvm can exist and still not work (seen here: nested virtualisation refusing an MSR and
// QEMU aborting at vCPU reset; on another machine SeaBIOS ran but every Linux kernel hung for
// good right after its real-mode setup, silently). So the probe boots a real kernel, the
// built-in image's, under KVM: usable only if it prints its first line within 4 s (it takes
// well under a second when KVM works). No kernel to try: TCG.
bool KvmUsable(const std::string& binary, Storage& storage) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) return false;
  std::string kernel;
  for (const auto& image : BuiltinImages())
    if (auto boot = storage.Boot(image.id); boot.ok() && !boot->kernel.empty())
      kernel = boot->kernel;
  bool usable = false;
  if (!kernel.empty()) {
    std::vector<std::string> argv = {"timeout",       "4",           binary,           "-machine",
                                     "q35,accel=kvm", "-cpu",        "host",           "-m",
                                     "128",           "-nodefaults", "-no-user-config"};
    argv.insert(argv.end(), {"-display", "none", "-serial", "stdio", "-monitor", "none"});
    argv.insert(argv.end(), {"-no-reboot", "-kernel", kernel, "-append",
                             "console=ttyS0 panic=-1 quiet loglevel=7"});
    auto r = Run(argv);
    const std::string& out = r.ok() ? *r : r.error().message;
    usable = out.find("Linux version") != std::string::npos;
  }
  LOG_INFO("qemu: /dev/kvm is {}; guests use {}",
           usable ? "usable" : "present but cannot boot a kernel", usable ? "KVM" : "TCG");
  return usable;
}
}  // namespace

QemuDriver::QemuDriver(QemuDriverOptions options) : options_(std::move(options)) {
  options_.state_dir = AbsolutePath(options_.state_dir);  // QEMU -daemonize runs in /
  kvm_ = KvmUsable(options_.qemu_binary, *options_.storage);
  std::error_code ec;
  fs::create_directories(options_.state_dir, ec);
  options_.host.kvm = kvm_;
  options_.host.driver = "qemu";
  // Adopt guests that survived a restart: watch them again.
  for (const auto& vm : List())
    if (vm.power == PowerState::kRunning) Watch(vm.instance_id);
}

QemuDriver::~QemuDriver() {
  stopping_ = true;
  std::map<std::string, std::thread> watchers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    watchers.swap(watchers_);
  }
  for (auto& [id, t] : watchers)
    if (t.joinable()) t.join();  // a watcher notices stopping_ within its 1 s poll
}

void QemuDriver::SetEventHandler(std::function<void(const std::string&)> handler) {
  std::lock_guard<std::mutex> lock(mu_);
  on_event_ = std::move(handler);
}

Status QemuDriver::MarkStopped(const std::string& id, const std::string& reason) {
  if (!fs::exists(Dir(id))) return Ok();
  return WriteFileAtomic(Dir(id) + "/stopped", reason + "\n");
}

bool QemuDriver::Crashed(const std::string& id) const { return !fs::exists(Dir(id) + "/stopped"); }

int QemuDriver::Pid(const std::string& id) const {
  std::string pid_s = ReadFile(Dir(id) + "/qemu.pid");
  int pid = std::atoi(pid_s.c_str());
  if (pid <= 0 || ::kill(pid, 0) != 0) return 0;
  // The pid must still be this instance's QEMU (pids are reused).
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  if (cmdline.find("openecs-" + id) == std::string::npos) return 0;
  return pid;
}

Status QemuDriver::Spawn(const DesiredVm& spec) {
  std::string dir = Dir(spec.instance_id);
  if (fs::exists(dir + "/spec.json")) return Ok();  // already defined
  // The image must be on this host.
  OPENECS_RETURN_IF_ERROR(options_.storage->Boot(spec.image_id));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail("cannot create " + dir + ": " + ec.message());
  std::vector<DesiredDisk> made;  // erased again if the spawn fails
  auto cleanup = [&](Error e) {
    for (const auto& d : made) (void)options_.storage->Erase(d);
    fs::remove_all(dir, ec);
    return e;
  };
  for (const auto& d : spec.disks) {
    bool fresh = false;
    auto volume = options_.storage->Ensure(WithImage(d, spec), &fresh);
    if (!volume.ok()) return cleanup(volume.error());
    if (fresh) made.push_back(d);
  }
  Status st = WriteSpec(spec);
  if (st.ok()) st = MarkStopped(spec.instance_id, "defined");
  if (!st.ok()) return cleanup(st.error());
  return Ok();
}

Status QemuDriver::Launch(const DesiredVm& want) {
  const std::string& id = want.instance_id;
  std::string dir = Dir(id);
  OPENECS_ASSIGN_OR_RETURN(DesiredVm vm, UpdateSpec(want));
  OPENECS_ASSIGN_OR_RETURN(ImageBoot image, options_.storage->Boot(vm.image_id));

  // Metadata files are written anew at every launch, so changes (password, keys) apply.
  OPENECS_ASSIGN_OR_RETURN(auto fw_cfg, WriteMetadataFiles(vm));

  QemuVmConfig c;
  c.instance_id = id;
  c.binary = options_.qemu_binary;
  c.kvm = kvm_;
  c.vcpus = std::max(1, vm.cpu);
  c.memory_mb = std::max(128, vm.memory_mb);
  c.kernel = image.kernel;
  c.initrd = image.initrd;
  c.cmdline = image.cmdline;
  options_.storage->AdoptLegacyDisks(dir);
  for (const auto& d : vm.disks) {
    OPENECS_ASSIGN_OR_RETURN(DiskVolume volume, options_.storage->Ensure(WithImage(d, vm)));
    // On shared storage another host may still hold it open (a host the server lost).
    OPENECS_RETURN_IF_ERROR(options_.storage->Fence(d));
    c.disks.push_back(QemuDiskOf(volume, d.disk_id, d.iops, d.throughput_mbps));
  }
  c.fw_cfg = std::move(fw_cfg);
  c.mac = MacForId(id);
  bool plug = options_.network && !vm.nics.empty();
  // On a VPC the metadata service answers: images booted by kernel (the built-in one) are
  // told to read it first. The fw_cfg files stay, for the built-in image without a VPC and for
  // what the service never serves (the root password).
  if (plug && !c.kernel.empty()) c.cmdline += " openecs.md_url=" + options_.network->MetadataUrl();
  if (plug)
    for (const auto& nic : vm.nics)
      c.nics.push_back({nic.eni_id, options_.network->TapName(nic.eni_id), nic.mac});
  c.start_paused = plug;
  c.console_log = dir + "/console.log";
  c.qmp_socket = dir + "/qmp.sock";
  c.qmp_events_socket = dir + "/events.sock";
  c.pid_file = dir + "/qemu.pid";
  c.vnc_socket = dir + "/vnc.sock";
  c.vnc_console_socket = dir + "/vnc-console.sock";
  c.guest_agent_socket = dir + "/qga.sock";
  c.session_socket = dir + "/session.sock";
  c.vga = true;
  int vnc_port = PickVncPort(id);
  if (vnc_port) c.vnc_websocket = "127.0.0.1:" + std::to_string(vnc_port);
  fs::remove(c.qmp_socket);
  fs::remove(c.qmp_events_socket);
  fs::remove(c.pid_file);
  fs::remove(c.vnc_socket);
  fs::remove(c.vnc_console_socket);
  fs::remove(c.guest_agent_socket);
  fs::remove(c.session_socket);
  fs::remove(dir + "/vnc_port");
  OPENECS_RETURN_IF_ERROR(MarkBootStart(id, image.boot_complete_marker));
  // From now on, an exit nobody asked for is a crash (Crashed()).
  std::error_code ec;
  fs::remove(dir + "/stopped", ec);
  auto r = Run(BuildQemuArgv(c));  // -daemonize: returns once the guest is set up
  if (!r.ok()) return r.error();
  if (plug) {
    // The guest is paused until its taps are in its VPC with their rules and DHCP entries.
    Status st = Ok();
    for (const auto& nic : vm.nics)
      if (st.ok()) st = options_.network->Plug(nic);
    QmpClient qmp;
    if (st.ok()) st = qmp.Connect(c.qmp_socket, 5000);
    if (st.ok()) {
      auto cont = qmp.Execute("cont");
      if (!cont.ok()) st = cont.error();
    }
    if (!st.ok()) {
      if (int pid = Pid(id)) ::kill(pid, SIGKILL);
      return st;
    }
  }
  if (vnc_port && !WriteFileAtomic(dir + "/vnc_port", std::to_string(vnc_port)).ok())
    LOG_WARN("qemu: {}: cannot record its VNC port", id);
  SetVncPassword(vm);
  return Ok();
}

Status QemuDriver::PowerOn(const DesiredVm& vm) {
  const std::string& id = vm.instance_id;
  if (Pid(id)) return Ok();
  OPENECS_RETURN_IF_ERROR(Launch(vm));
  int pid = 0;
  for (int i = 0; i < 50 && !(pid = Pid(id)); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!pid) return Fail("QEMU did not start (no live pid)");
  Watch(id);
  return Ok();
}

Status QemuDriver::WaitForExit(const std::string& id, int pid, int timeout_ms) {
  int64_t deadline = SteadyMillis() + timeout_ms;
  while (SteadyMillis() < deadline) {
    if (Pid(id) != pid) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Fail("QEMU did not exit");
}

Status QemuDriver::PowerOff(const std::string& id, bool force, int timeout_ms) {
  int pid = Pid(id);
  if (!pid) return Ok();
  (void)MarkStopped(id, force ? "powered off by the host" : "shut down by the host");
  if (!force) {
    QmpClient qmp;
    if (qmp.Connect(Dir(id) + "/qmp.sock", 2000).ok() && qmp.Execute("system_powerdown").ok() &&
        WaitForExit(id, pid, timeout_ms).ok())
      return Ok();
    LOG_WARN("qemu: {} did not power off within {} ms; stopping it hard", id, timeout_ms);
  }
  // Hard, for the guest; but QEMU closes its disks (QMP quit): qcow2 metadata is flushed, and
  // librbd lets go of an RBD image's lock and watch now rather than when the cluster times the
  // dead client out (30 s, during which the image cannot be removed). SIGKILL if it lingers.
  if (QmpClient qmp; qmp.Connect(Dir(id) + "/qmp.sock", 2000).ok()) {
    (void)qmp.Execute("quit");
    if (WaitForExit(id, pid, 5000).ok()) return Ok();
  }
  ::kill(pid, SIGKILL);
  return WaitForExit(id, pid, 10000);
}

Status QemuDriver::Reboot(const DesiredVm& vm, bool force) {
  const std::string& id = vm.instance_id;
  if (!Pid(id)) return Fail("instance " + id + " is not running");
  // A new QEMU process, so the guest comes back with the current metadata (fw_cfg files are
  // read once, at launch), as after a stop and start. The watcher of the old process must not
  // announce its exit as a shutdown from inside.
  {
    std::lock_guard<std::mutex> lock(mu_);
    restarting_.insert(id);
  }
  Status st = PowerOff(id, force, options_.reboot_stop_timeout_ms);
  if (st.ok()) st = PowerOn(vm);
  std::lock_guard<std::mutex> lock(mu_);
  restarting_.erase(id);
  return st;
}

Status QemuDriver::Destroy(const std::string& id, bool delete_disks) {
  std::string dir = Dir(id);
  if (!fs::exists(dir)) return Ok();
  OPENECS_RETURN_IF_ERROR(PowerOff(id, true, 0));
  // Disks are storage's (collected when their disk is gone); files an older version kept in
  // the instance directory move there first.
  options_.storage->AdoptLegacyDisks(dir);
  std::error_code ec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    vnc_ports_.erase(id);
  }
  fs::remove_all(dir, ec);
  if (ec) return Fail("cannot remove " + dir + ": " + ec.message());
  return Ok();
}

VmInfo QemuDriver::Info(const std::string& id) {
  if (!fs::exists(Dir(id) + "/spec.json")) return {id, PowerState::kAbsent, 0};
  bool running = Pid(id) != 0;
  return {id, running ? PowerState::kRunning : PowerState::kShutoff, BootCount(id),
          !running && Crashed(id)};
}

std::vector<VmInfo> QemuDriver::List() {
  std::vector<VmInfo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(options_.state_dir, ec)) {
    std::string id = e.path().filename().string();
    if (!fs::exists(e.path() / "spec.json")) continue;
    bool running = Pid(id) != 0;
    out.push_back(
        {id, running ? PowerState::kRunning : PowerState::kShutoff, 0, !running && Crashed(id)});
  }
  return out;
}

void QemuDriver::Watch(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watchers_.find(id);
  if (it != watchers_.end()) {
    if (it->second.joinable()) it->second.detach();
    watchers_.erase(it);
  }
  // Holds the events monitor open; when QEMU exits the socket closes and the agent is told.
  watchers_[id] = std::thread([this, id] {
    QmpClient events;
    if (!events.Connect(Dir(id) + "/events.sock", 5000).ok()) return;
    while (!stopping_) {
      auto ev = events.NextEvent(1000);
      if (ev.ok()) {
        std::string name = (*ev).value("event", "");
        if (name != "SHUTDOWN") continue;
        // The guest (or QEMU on the host's request) shut it down: not a crash.
        std::string reason = (*ev).contains("data") && (*ev)["data"].is_object()
                                 ? (*ev)["data"].value("reason", "shutdown")
                                 : "shutdown";
        (void)MarkStopped(id, reason);
      } else if (events.connected()) {
        continue;  // timeout
      }
      // SHUTDOWN, or the monitor closed: QEMU is going away.
      for (int i = 0; i < 100 && Pid(id); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::function<void(const std::string&)> cb;
      {
        std::lock_guard<std::mutex> l(mu_);
        cb = on_event_;
      }
      bool restarting;
      {
        std::lock_guard<std::mutex> l(mu_);
        restarting = restarting_.count(id) > 0;
      }
      if (cb && !stopping_ && !restarting) cb(id);
      return;
    }
  });
}

}  // namespace openecs
