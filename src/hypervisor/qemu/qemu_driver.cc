#include "hypervisor/qemu/qemu_driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/text.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qemu/cidata.h"
#include "hypervisor/qemu/qmp.h"
#include "model/catalogue.h"
#include "net/names.h"
#include "sys/exec.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }

size_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

// Disk records as the spec file keeps them.
json SpecToJson(const DesiredVm& vm) {
  json disks = json::array();
  for (const auto& d : vm.disks)
    disks.push_back({{"disk_id", d.disk_id},
                     {"type", d.type},
                     {"size_gib", d.size_gib},
                     {"image_id", d.image_id},
                     {"delete_with_instance", d.delete_with_instance},
                     {"iops", d.iops},
                     {"throughput_mbps", d.throughput_mbps}});
  return {{"instance_id", vm.instance_id},
          {"cpu", vm.cpu},
          {"memory_mb", vm.memory_mb},
          {"image_id", vm.image_id},
          {"host_name", vm.host_name},
          {"user_data", vm.user_data},
          {"password", vm.password},
          {"vnc_password", vm.vnc_password},
          {"public_key", vm.public_key},
          {"private_ip", vm.private_ip},
          {"disks", disks}};
}

DesiredVm SpecFromJson(const json& j) {
  DesiredVm vm;
  vm.instance_id = j.value("instance_id", "");
  vm.cpu = j.value("cpu", 1);
  vm.memory_mb = j.value("memory_mb", 512);
  vm.image_id = j.value("image_id", "");
  vm.host_name = j.value("host_name", "");
  vm.user_data = j.value("user_data", "");
  vm.password = j.value("password", "");
  vm.vnc_password = j.value("vnc_password", "");
  vm.public_key = j.value("public_key", "");
  vm.private_ip = j.value("private_ip", "");
  for (const auto& d : j.value("disks", json::array()))
    vm.disks.push_back({d.value("disk_id", ""), d.value("type", ""), "", d.value("size_gib", 0),
                        d.value("image_id", j.value("image_id", "")),
                        d.value("delete_with_instance", true), d.value("iops", 0),
                        d.value("throughput_mbps", 0)});
  return vm;
}

// True if nothing listens on 127.0.0.1:port (checked by binding it for a moment).
bool TcpPortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// A disk as the pool makes it: a system disk is an overlay on the instance's image.
DesiredDisk WithImage(DesiredDisk d, const DesiredVm& vm) {
  if (d.type == "system" && d.image_id.empty()) d.image_id = vm.image_id;
  return d;
}

size_t CountMarkers(const std::string& text, const std::string& marker) {
  size_t n = 0;
  for (size_t pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos + 1))
    ++n;
  return n;
}

}  // namespace

namespace {
// /dev/kvm can exist and still not work (seen here: nested virtualisation refusing an MSR and
// QEMU aborting at vCPU reset; on another machine SeaBIOS ran but every Linux kernel hung for
// good right after its real-mode setup, silently). So the probe boots a real kernel, the
// built-in image's, under KVM: usable only if it prints its first line within 4 s (it takes
// well under a second when KVM works). No kernel to try: TCG.
bool KvmUsable(const std::string& binary, const std::string& image_dir) {
  if (::access("/dev/kvm", R_OK | W_OK) != 0) return false;
  std::string kernel;
  for (const auto& image : BuiltinImages()) {
    auto j = json::parse(ReadFile(image_dir + "/" + image.id + "/image.json"), nullptr, false);
    if (j.is_object() && j.contains("kernel") && j["kernel"].is_string())
      kernel = image_dir + "/" + image.id + "/" + j["kernel"].get<std::string>();
  }
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

QemuDriver::QemuDriver(QemuDriverOptions options)
    : options_(std::move(options)),
      pool_(options_.disk_dir, options_.image_dir, options_.snapshot_dir, options_.custom_image_dir,
            options_.exchange_dir, options_.import) {
  options_.state_dir = AbsolutePath(options_.state_dir);  // QEMU -daemonize runs in /
  kvm_ = KvmUsable(options_.qemu_binary, options_.image_dir);
  std::error_code ec;
  fs::create_directories(options_.state_dir, ec);
  fs::create_directories(options_.disk_dir, ec);
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

namespace {
// User + system CPU time of a process or thread from its /proc stat line, in nanoseconds (0 if
// it cannot be read). The command name (field 2) may hold spaces: count fields after its ')'.
int64_t CpuNanos(const std::string& stat_path) {
  std::string line = ReadFile(stat_path);
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  // After the name: state is field 3, utime field 14, stime field 15.
  for (int k = 3; k <= 15 && (in >> field); ++k) {
    if (k == 14) utime = std::atoll(field.c_str());
    if (k == 15) stime = std::atoll(field.c_str());
  }
  static const int64_t ticks = std::max<int64_t>(1, ::sysconf(_SC_CLK_TCK));
  return (utime + stime) * (1000000000 / ticks);
}

// The disk id of a query-blockstats entry: its device "/machine/peripheral/dev-<id>/..." or
// its node "t-<id>" / "q-<id>"; "" for anything else.
std::string DiskOfBlockstats(const json& entry) {
  std::string qdev = entry.value("qdev", "");
  if (size_t at = qdev.find("/dev-"); at != std::string::npos) {
    std::string rest = qdev.substr(at + 5);
    return rest.substr(0, rest.find('/'));
  }
  std::string node = entry.value("node-name", "");
  for (const char* prefix : {"t-", "q-"})
    if (node.rfind(prefix, 0) == 0) return node.substr(2);
  return "";
}
}  // namespace

Result<GuestSample> QemuDriver::Stats(const std::string& id) {
  int pid = Pid(id);
  if (!pid) return MakeError(ErrorCode::kInternalError, "no running guest " + id);
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  GuestSample s;
  s.instance_id = id;
  s.at_ms = NowMillis();
  std::string proc = "/proc/" + std::to_string(pid);
  std::set<int64_t> threads;
  if (auto cpus = qmp.Execute("query-cpus-fast"); cpus.ok() && cpus->is_array()) {
    s.vcpus = static_cast<int>(cpus->size());
    for (const auto& c : *cpus)
      if (c.contains("thread-id")) threads.insert(c["thread-id"].get<int64_t>());
  }
  if (threads.empty()) {
    s.cpu_ns = CpuNanos(proc + "/stat");
  } else {
    for (int64_t tid : threads)
      s.cpu_ns += CpuNanos(proc + "/task/" + std::to_string(tid) + "/stat");
  }
  if (s.vcpus <= 0) s.vcpus = 1;
  OPENECS_ASSIGN_OR_RETURN(json blocks, qmp.Execute("query-blockstats"));
  for (const auto& b : blocks) {
    std::string disk = DiskOfBlockstats(b);
    if (disk.empty() || !b.contains("stats")) continue;
    const json& st = b["stats"];
    DiskIo& io = s.disks[disk];
    io.read_bytes = st.value("rd_bytes", int64_t{0});
    io.write_bytes = st.value("wr_bytes", int64_t{0});
    io.read_ops = st.value("rd_operations", int64_t{0});
    io.write_ops = st.value("wr_operations", int64_t{0});
    io.read_ns = st.value("rd_total_time_ns", int64_t{0});
    io.write_ns = st.value("wr_total_time_ns", int64_t{0});
  }
  return s;
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
  std::string image_json = pool_.ImageDirOf(spec.image_id) + "/image.json";
  if (!fs::exists(image_json))
    return Fail("image " + spec.image_id + " is not installed on this host (" + image_json +
                "); run scripts/build-image");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Fail("cannot create " + dir + ": " + ec.message());
  std::vector<std::string> made;  // removed again if the spawn fails
  auto cleanup = [&](Error e) {
    for (const auto& path : made) (void)DiskPool::EraseAndRemove(path);
    fs::remove_all(dir, ec);
    return e;
  };
  for (const auto& d : spec.disks) {
    bool fresh = false;
    Status st = pool_.Ensure(WithImage(d, spec), "", &fresh);
    if (!st.ok()) return cleanup(st.error());
    if (fresh) made.push_back(pool_.FileOf(d));
  }
  Status st = WriteFileAtomic(dir + "/spec.json", DumpJson(SpecToJson(spec), 2));
  if (st.ok()) st = MarkStopped(spec.instance_id, "defined");
  if (!st.ok()) return cleanup(st.error());
  return Ok();
}

Result<DesiredVm> QemuDriver::UpdateSpec(const DesiredVm& want) {
  std::string dir = Dir(want.instance_id);
  auto spec_json = json::parse(ReadFile(dir + "/spec.json"), nullptr, false);
  if (spec_json.is_discarded())
    return Fail("instance " + want.instance_id + " is not defined on this host");
  DesiredVm vm = SpecFromJson(spec_json);
  // Metadata and disks follow the server (disk files are made or grown at launch).
  vm.disks = want.disks;
  vm.image_id = want.image_id;  // ReplaceSystemDisk boots another image
  vm.host_name = want.host_name;
  vm.user_data = want.user_data;
  vm.password = want.password;
  vm.vnc_password = want.vnc_password;
  vm.public_key = want.public_key;
  vm.private_ip = want.private_ip;
  vm.nics = want.nics;  // not kept in spec.json: the server always says
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/spec.json", DumpJson(SpecToJson(vm), 2)));
  return vm;
}

Result<std::vector<std::pair<std::string, std::string>>> QemuDriver::WriteMetadataFiles(
    const DesiredVm& vm) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, content] : BuildNoCloud(vm)) {
    if (content.empty()) continue;  // absent, as a missing NoCloud file
    std::string path = Dir(vm.instance_id) + "/" + name;
    OPENECS_RETURN_IF_ERROR(WriteFileAtomic(path, content, 0600));  // may hold the password
    out.push_back({std::string(kFwCfgPrefix) + name, path});
  }
  return out;
}

int QemuDriver::PickVncPort(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int port = kVncPortFirst; port < kVncPortFirst + kVncPorts; ++port) {
    bool taken = false;
    for (const auto& [other, p] : vnc_ports_) taken = taken || (p == port && other != id);
    if (taken || !TcpPortFree(port)) continue;
    vnc_ports_[id] = port;
    return port;
  }
  return 0;
}

Status QemuDriver::Launch(const DesiredVm& want) {
  const std::string& id = want.instance_id;
  std::string dir = Dir(id);
  OPENECS_ASSIGN_OR_RETURN(DesiredVm vm, UpdateSpec(want));
  auto image = json::parse(ReadFile(pool_.ImageDirOf(vm.image_id) + "/image.json"), nullptr, false);
  if (image.is_discarded()) return Fail("image " + vm.image_id + " is not installed on this host");
  std::string image_dir = pool_.ImageDirOf(vm.image_id) + "/";

  // Metadata files are written anew at every launch, so changes (password, keys) apply.
  OPENECS_ASSIGN_OR_RETURN(auto fw_cfg, WriteMetadataFiles(vm));

  QemuVmConfig c;
  c.instance_id = id;
  c.binary = options_.qemu_binary;
  c.kvm = kvm_;
  c.vcpus = std::max(1, vm.cpu);
  c.memory_mb = std::max(128, vm.memory_mb);
  c.kernel = image.contains("kernel") ? image_dir + image["kernel"].get<std::string>() : "";
  c.initrd = image.contains("initrd") ? image_dir + image["initrd"].get<std::string>() : "";
  c.cmdline = image.value("cmdline", "console=ttyS0 root=/dev/vda rw");
  for (const auto& d : vm.disks) {
    OPENECS_RETURN_IF_ERROR(pool_.Ensure(WithImage(d, vm), dir));
    c.disks.push_back({pool_.FileOf(d), IsLocalDiskCategory(d.category) ? "raw" : "qcow2", false,
                       d.disk_id, d.iops, int64_t{d.throughput_mbps} * 1024 * 1024});
  }
  c.fw_cfg = std::move(fw_cfg);
  c.mac = MacForId(id);
  bool plug = options_.network && !vm.nics.empty();
  // On a VPC the metadata service answers: images booted by kernel (the built-in one) are
  // told to read it first. The fw_cfg files stay, for the built-in image without a VPC and for
  // what the service never serves (the root password).
  if (plug && !c.kernel.empty())
    c.cmdline += " openecs.md_url=http://" + std::string(kMetadataAddress) + "/latest";
  if (plug)
    for (const auto& nic : vm.nics) c.nics.push_back({nic.eni_id, TapName(nic.eni_id), nic.mac});
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
  // Where this boot's console starts, and the line that says the image's OS is up (GuestReady).
  json boot = {{"console_offset", FileSize(c.console_log)},
               {"marker", image.value("boot_complete_marker", "")}};
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/boot.json", DumpJson(boot)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.erase(id);
  }
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

void QemuDriver::SetVncPassword(const DesiredVm& vm) {
  // Until this succeeds VNC refuses every client (password=on with no password set).
  QmpClient qmp;
  Status st = qmp.Connect(Dir(vm.instance_id) + "/qmp.sock", 2000);
  std::string pw = vm.vnc_password.empty() ? RandomAlnum(8) : vm.vnc_password;
  if (st.ok()) {
    auto r = qmp.Execute("set_password", json{{"protocol", "vnc"}, {"password", pw}});
    if (!r.ok()) st = r.error();
  }
  if (!st.ok())
    LOG_WARN("qemu: {}: cannot set the VNC password: {}", vm.instance_id, st.error().message);
}

std::string QemuDriver::VncUrl(const std::string& id) {
  if (!Pid(id)) return "";
  std::string port = ReadFile(Dir(id) + "/vnc_port");
  return port.empty() ? "" : "ws://127.0.0.1:" + port;
}

bool QemuDriver::GuestReady(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ready_.count(id)) return true;
  }
  auto boot = json::parse(ReadFile(Dir(id) + "/boot.json"), nullptr, false);
  if (boot.is_discarded() || !boot.is_object()) return false;
  std::string marker = boot.value("marker", "");
  if (marker.empty() || !Pid(id)) return false;
  std::ifstream in(Dir(id) + "/console.log", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(boot.value("console_offset", size_t{0})));
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find(marker) == std::string::npos) return false;
  std::lock_guard<std::mutex> lock(mu_);
  ready_.insert(id);
  return true;
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

namespace {

// The NIC devices a guest has now, by ENI id ("nic-<eni>" under /machine/peripheral).
// The devices of a running guest whose QEMU id starts with `prefix`, by the rest of their id.
Result<std::set<std::string>> Plugged(QmpClient& qmp, const std::string& prefix) {
  OPENECS_ASSIGN_OR_RETURN(json list, qmp.Execute("qom-list", {{"path", "/machine/peripheral"}}));
  std::set<std::string> out;
  for (const auto& p : list) {
    std::string name = p.value("name", "");
    if (name.rfind(prefix, 0) == 0) out.insert(name.substr(prefix.size()));
  }
  return out;
}
Result<std::set<std::string>> PluggedNics(QmpClient& qmp) {
  return Plugged(qmp, QemuNicDeviceId(""));
}

// Asks the guest to let a device go (PCIe native hot-plug) and waits until it has.
Status Unplug(QmpClient& qmp, const std::string& device_id, const std::string& what) {
  OPENECS_ASSIGN_OR_RETURN(auto r, qmp.Execute("device_del", {{"id", device_id}}));
  (void)r;
  for (int i = 0; i < 150; ++i) {
    OPENECS_ASSIGN_OR_RETURN(auto now, Plugged(qmp, device_id));
    if (!now.count("")) return Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Fail("the guest did not release " + what);
}

// A spare root port with nothing in it.
Result<std::string> FreeHotplugPort(QmpClient& qmp) {
  OPENECS_ASSIGN_OR_RETURN(json buses, qmp.Execute("query-pci"));
  std::set<std::string> free;
  for (const auto& bus : buses)
    for (const auto& dev : bus.value("devices", json::array())) {
      std::string qdev = dev.value("qdev_id", "");
      if (qdev.rfind("hp", 0) != 0 || !dev.contains("pci_bridge")) continue;
      if (dev["pci_bridge"].value("devices", json::array()).empty()) free.insert(qdev);
    }
  for (int k = 0; k < 64; ++k)
    if (free.count(QemuHotplugPort(k))) return QemuHotplugPort(k);
  return MakeError(ErrorCode::kInternalError, "no free PCIe port left for another device");
}

}  // namespace

Status QemuDriver::SyncNics(const DesiredVm& vm, std::map<std::string, std::string>* refused) {
  const std::string& id = vm.instance_id;
  if (!options_.network || !Pid(id)) return Ok();
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  OPENECS_ASSIGN_OR_RETURN(auto plugged, PluggedNics(qmp));
  std::set<std::string> wanted;
  for (const auto& nic : vm.nics) wanted.insert(nic.eni_id);
  for (const auto& eni : plugged) {
    if (wanted.count(eni)) continue;
    OPENECS_RETURN_IF_ERROR(Unplug(qmp, QemuNicDeviceId(eni), "network interface " + eni));
    OPENECS_ASSIGN_OR_RETURN(auto d, qmp.Execute("netdev_del", {{"id", QemuNetdevId(eni)}}));
    (void)d;  // QEMU closes the tap: it disappears from the VPC namespace
    LOG_INFO("qemu: {}: network interface {} hot-unplugged", id, eni);
  }
  for (const auto& nic : vm.nics) {
    if (plugged.count(nic.eni_id)) continue;
    std::string tap = TapName(nic.eni_id);
    auto refuse = [&](const Error& why) -> Status {
      if (!qmp.connected()) return why;  // QEMU did not answer: the whole sync is retried
      LOG_WARN("qemu: {}: network interface {} refused: {}", id, nic.eni_id, why.message);
      (*refused)[nic.eni_id] = why.message;
      return Ok();
    };
    // A backend left by an earlier unplug or attempt would make netdev_add a duplicate.
    (void)qmp.Execute("netdev_del", {{"id", QemuNetdevId(nic.eni_id)}});
    if (!qmp.connected()) return Fail("lost the QMP connection of " + id);
    auto n = qmp.Execute("netdev_add", {{"type", "tap"},
                                        {"id", QemuNetdevId(nic.eni_id)},
                                        {"ifname", tap},
                                        {"script", "no"},
                                        {"downscript", "no"}});
    if (!n.ok()) {
      OPENECS_RETURN_IF_ERROR(refuse(n.error()));
      continue;
    }
    // Its rules and DHCP entry are in place before the guest sees the device.
    Status st = options_.network->Plug(nic);
    if (!st.ok()) {  // the host's own networking failed: retried, not refused
      (void)qmp.Execute("netdev_del", {{"id", QemuNetdevId(nic.eni_id)}});
      return st;
    }
    Result<std::string> port = FreeHotplugPort(qmp);
    if (port.ok()) {
      auto added = qmp.Execute("device_add", {{"driver", "virtio-net-pci"},
                                              {"netdev", QemuNetdevId(nic.eni_id)},
                                              {"id", QemuNicDeviceId(nic.eni_id)},
                                              {"mac", nic.mac},
                                              {"bus", *port}});
      if (!added.ok()) port = added.error();
    }
    if (!port.ok()) {
      (void)qmp.Execute("netdev_del", {{"id", QemuNetdevId(nic.eni_id)}});
      OPENECS_RETURN_IF_ERROR(refuse(port.error()));
      continue;
    }
    LOG_INFO("qemu: {}: network interface {} hot-plugged at {}", id, nic.eni_id, *port);
  }
  return Ok();
}

namespace {
// The disks a running guest has ("dev-<disk-id>" devices). Guests launched before the config
// drive gave way to fw_cfg still have a "cidata" device: it is not one of the instance's disks.
Result<std::set<std::string>> PluggedDisks(QmpClient& qmp) {
  OPENECS_ASSIGN_OR_RETURN(auto out, Plugged(qmp, QemuDiskDeviceId("")));
  out.erase("cidata");
  return out;
}

// What QEMU has for each of a running guest's disks, by disk id (any of its nodes present): the
// image's virtual size, and whether a throttle filter sits on top.
struct DiskNodes {
  int64_t size = 0;
  bool throttled = false;
};
Result<std::map<std::string, DiskNodes>> DiskNodesOf(QmpClient& qmp) {
  OPENECS_ASSIGN_OR_RETURN(json nodes, qmp.Execute("query-named-block-nodes"));
  std::map<std::string, DiskNodes> out;
  const std::string format = QemuDiskFormatNode(""), throttle = QemuDiskThrottleNode("");
  const std::string file = QemuDiskFileNode("");
  for (const auto& n : nodes) {
    std::string name = n.value("node-name", "");
    if (name.rfind(file, 0) == 0) out[name.substr(file.size())];
    if (name.rfind(throttle, 0) == 0) out[name.substr(throttle.size())].throttled = true;
    if (name.rfind(format, 0) == 0 && n.contains("image"))
      out[name.substr(format.size())].size = n["image"].value("virtual-size", int64_t{0});
  }
  return out;
}

// Removes what QEMU still holds for a disk no device uses: its throttle node, throttle group,
// format and file nodes, whichever exist. The device's release of its nodes may lag its leaving
// /machine/peripheral, so a node still busy is retried for a few seconds.
Status DropDiskNodes(QmpClient& qmp, const std::string& disk) {
  const std::string order[] = {QemuDiskThrottleNode(disk), QemuDiskFormatNode(disk),
                               QemuDiskFileNode(disk)};
  for (int attempt = 0;; ++attempt) {
    OPENECS_ASSIGN_OR_RETURN(json nodes, qmp.Execute("query-named-block-nodes"));
    std::set<std::string> present;
    for (const auto& n : nodes) present.insert(n.value("node-name", ""));
    Status st = Ok();
    for (const auto& name : order) {
      if (!present.count(name)) continue;
      if (auto r = qmp.Execute("blockdev-del", {{"node-name", name}}); !r.ok()) {
        st = r.error();
        break;
      }
    }
    if (st.ok()) {
      (void)qmp.Execute("object-del", {{"id", QemuThrottleGroup(disk)}});  // absent: fine
      return Ok();
    }
    if (attempt == 50) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Brings the throttle group of a plugged disk to the disk's desired limits (a larger disk or a
// new performance level changes them): `limits` of the group object, read with qom-get and set
// with qom-set only where they differ. QEMU applies new limits to the I/O that follows, without
// draining the disk. A disk plugged without a throttle filter (no limits when it was plugged)
// gets its limits at its next boot: a filter cannot be put under a running device.
Status Rethrottle(QmpClient& qmp, const std::string& id, const DesiredDisk& d, bool throttled) {
  const int64_t bps = int64_t{d.throughput_mbps} * 1024 * 1024;
  if (!throttled) {
    if (d.iops > 0 || bps > 0)
      LOG_WARN("qemu: {}: disk {} has no throttle filter; its limits apply from its next boot", id,
               d.disk_id);
    return Ok();
  }
  const std::string path = "/objects/" + QemuThrottleGroup(d.disk_id);
  OPENECS_ASSIGN_OR_RETURN(json have,
                           qmp.Execute("qom-get", {{"path", path}, {"property", "limits"}}));
  if (have.value("iops-total", int64_t{0}) == d.iops && have.value("bps-total", int64_t{0}) == bps)
    return Ok();
  json limits = {{"iops-total", d.iops}, {"bps-total", bps}};
  OPENECS_ASSIGN_OR_RETURN(
      json set,
      qmp.Execute("qom-set", {{"path", path}, {"property", "limits"}, {"value", limits}}));
  (void)set;
  LOG_INFO("qemu: {}: disk {} re-throttled to {} IOPS, {} MB/s", id, d.disk_id, d.iops,
           d.throughput_mbps);
  return Ok();
}
}  // namespace

Status QemuDriver::SyncDisks(const DesiredVm& vm, std::map<std::string, std::string>* refused) {
  const std::string& id = vm.instance_id;
  if (!Pid(id)) return Ok();
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  OPENECS_ASSIGN_OR_RETURN(auto plugged, PluggedDisks(qmp));
  std::set<std::string> wanted;
  for (const auto& d : vm.disks) wanted.insert(d.disk_id);
  for (const auto& disk : plugged) {
    if (wanted.count(disk)) continue;
    OPENECS_RETURN_IF_ERROR(Unplug(qmp, QemuDiskDeviceId(disk), "disk " + disk));
    OPENECS_RETURN_IF_ERROR(DropDiskNodes(qmp, disk));
    LOG_INFO("qemu: {}: disk {} hot-unplugged", id, disk);
  }
  OPENECS_ASSIGN_OR_RETURN(auto nodes, DiskNodesOf(qmp));
  // Nodes no device uses (left by a detach or plug that failed half-way): they would keep the
  // disk's file open in this QEMU, and make a new plug of the disk a duplicate node name.
  for (const auto& [disk, n] : nodes)
    if (disk != "cidata" && !plugged.count(disk)) OPENECS_RETURN_IF_ERROR(DropDiskNodes(qmp, disk));
  for (const auto& d : vm.disks) {
    if (IsLocalDiskCategory(d.category)) continue;  // plugged at boot, fixed size
    int64_t want = int64_t{d.size_gib} << 30;
    if (plugged.count(d.disk_id)) {
      const DiskNodes& have = nodes[d.disk_id];
      if (have.size < want) {
        // Through the top node, so the device (and the guest) hears of the new size; a larger
        // disk of the category gets the larger limits.
        std::string top =
            have.throttled ? QemuDiskThrottleNode(d.disk_id) : QemuDiskFormatNode(d.disk_id);
        OPENECS_ASSIGN_OR_RETURN(auto r,
                                 qmp.Execute("block_resize", {{"node-name", top}, {"size", want}}));
        (void)r;
        LOG_INFO("qemu: {}: disk {} grown online to {} GiB", id, d.disk_id, d.size_gib);
      }
      OPENECS_RETURN_IF_ERROR(Rethrottle(qmp, id, d, have.throttled));
      continue;
    }
    bool made = false;
    if (Status ensured = pool_.Ensure(WithImage(d, vm), Dir(id), &made); !ensured.ok()) {
      LOG_WARN("qemu: {}: disk {} refused: {}", id, d.disk_id, ensured.error().message);
      (*refused)[d.disk_id] = ensured.error().message;
      continue;
    }
    std::string file = QemuDiskFileNode(d.disk_id), format = QemuDiskFormatNode(d.disk_id);
    std::string top = format;
    std::vector<std::pair<const char*, json>> undo;  // what to take back if a step fails
    auto step = [&](const char* cmd, json args, const char* undo_cmd, json undo_args) -> Status {
      OPENECS_ASSIGN_OR_RETURN(auto r, qmp.Execute(cmd, std::move(args)));
      (void)r;
      if (undo_cmd) undo.push_back({undo_cmd, std::move(undo_args)});
      return Ok();
    };
    Status st =
        step("blockdev-add",
             {{"driver", "file"}, {"filename", pool_.PathOf(d.disk_id)}, {"node-name", file}},
             "blockdev-del", {{"node-name", file}});
    if (st.ok())
      st = step("blockdev-add", {{"driver", "qcow2"}, {"file", file}, {"node-name", format}},
                "blockdev-del", {{"node-name", format}});
    if (st.ok() && (d.iops > 0 || d.throughput_mbps > 0)) {
      json group = {{"qom-type", "throttle-group"}, {"id", QemuThrottleGroup(d.disk_id)}};
      if (d.iops > 0) group["x-iops-total"] = d.iops;
      if (d.throughput_mbps > 0) group["x-bps-total"] = int64_t{d.throughput_mbps} * 1024 * 1024;
      st = step("object-add", group, "object-del", {{"id", QemuThrottleGroup(d.disk_id)}});
      top = QemuDiskThrottleNode(d.disk_id);
      if (st.ok())
        st = step("blockdev-add",
                  {{"driver", "throttle"},
                   {"throttle-group", QemuThrottleGroup(d.disk_id)},
                   {"file", format},
                   {"node-name", top}},
                  "blockdev-del", {{"node-name", top}});
    }
    Result<std::string> port = st.ok() ? FreeHotplugPort(qmp) : Result<std::string>(st.error());
    if (port.ok())
      st = step("device_add",
                {{"driver", "virtio-blk-pci"},
                 {"drive", top},
                 {"id", QemuDiskDeviceId(d.disk_id)},
                 {"serial", QemuDiskSerial(d.disk_id)},
                 {"bus", *port}},
                nullptr, {});
    else
      st = port.error();
    if (!st.ok()) {
      // QEMU did not answer (it may yet add the device): the whole sync is retried, the file
      // kept.
      if (!qmp.connected()) return st;
      for (auto it = undo.rbegin(); it != undo.rend(); ++it)
        (void)qmp.Execute(it->first, it->second);
      if (made) (void)DiskPool::EraseAndRemove(pool_.PathOf(d.disk_id));
      LOG_WARN("qemu: {}: disk {} refused: {}", id, d.disk_id, st.error().message);
      (*refused)[d.disk_id] = st.error().message;
      continue;
    }
    LOG_INFO("qemu: {}: disk {} hot-plugged at {}", id, d.disk_id, *port);
  }
  // The next boot has the same disks.
  DesiredVm has = vm;
  std::erase_if(has.disks, [&](const DesiredDisk& d) { return refused->count(d.disk_id) > 0; });
  return UpdateSpec(has).ok() ? Ok() : Fail("cannot record the disks of " + id);
}

Status QemuDriver::BuildDisk(const DesiredDiskBuild& build) { return pool_.Build(build); }

Result<ImageReport> QemuDriver::MakeImage(const DesiredImageBuild& build,
                                          const std::function<void(int)>& progress) {
  return pool_.MakeImage(build, progress);
}

Status QemuDriver::CollectImages(const std::vector<std::string>& keep) {
  return pool_.CollectImages(std::set<std::string>(keep.begin(), keep.end()));
}

Status QemuDriver::CollectDisks(const std::vector<std::string>& keep,
                                const std::vector<std::string>& keep_snapshots) {
  return pool_.Collect(std::set<std::string>(keep.begin(), keep.end()),
                       std::set<std::string>(keep_snapshots.begin(), keep_snapshots.end()));
}

Result<SnapshotReport> QemuDriver::MakeSnapshot(const DesiredSnapshot& snap,
                                                const std::function<void(int)>& progress) {
  std::string source = pool_.PathOf(snap.disk_id);
  std::string target = pool_.SnapshotPathOf(snap.snapshot_id), part = target + ".part";
  if (fs::exists(target)) {
    // Made already (its report raced a desired state that still listed it): never remade, so
    // the file stays what its recorded checksum says.
    OPENECS_ASSIGN_OR_RETURN(auto sum, DiskPool::Checksum(target));
    SnapshotReport r;
    r.snapshot_id = snap.snapshot_id;
    r.progress = 100;
    r.done = true;
    r.checksum = sum.first;
    r.size_bytes = sum.second;
    return r;
  }
  if (!fs::exists(source)) return Fail("disk " + snap.disk_id + " has no file on this host");
  auto fail = [&](Error e) -> Result<SnapshotReport> {
    std::error_code ec;
    fs::remove(part, ec);
    return e;
  };
  // Through QEMU if a running guest has the disk: the backup job copies the disk as it was
  // when the job started (crash-consistent) while the guest goes on writing.
  // QEMU's monitor takes one client at a time: every command gets its own short connection,
  // so the guest's other operations are not locked out while the copy runs.
  std::string socket = Dir(snap.instance_id) + "/qmp.sock";
  auto call = [&](const std::string& cmd, json args) -> Result<json> {
    QmpClient qmp;
    OPENECS_RETURN_IF_ERROR(qmp.Connect(socket, 5000));
    return qmp.Execute(cmd, args);
  };
  bool live = false;
  if (!snap.instance_id.empty() && Pid(snap.instance_id)) {
    QmpClient qmp;
    if (qmp.Connect(socket, 5000).ok()) {
      auto plugged = PluggedDisks(qmp);
      live = plugged.ok() && plugged->count(snap.disk_id);
    }
  }
  if (!live) {
    progress(1);
    auto r = Run({"qemu-img", "convert", "-O", "qcow2", source, part});
    if (!r.ok()) return fail(r.error());
  } else {
    auto size = DiskPool::VirtualSize(source);
    if (!size.ok()) return fail(size.error());
    auto made = Run({"qemu-img", "create", "-q", "-f", "qcow2", part, std::to_string(*size)});
    if (!made.ok()) return fail(made.error());
    std::string node = "snap-" + snap.snapshot_id, job = "job-" + snap.snapshot_id;
    auto added = call("blockdev-add", {{"driver", "qcow2"},
                                       {"node-name", node},
                                       {"file", {{"driver", "file"}, {"filename", part}}}});
    if (!added.ok()) return fail(added.error());
    auto drop_node = [&] { (void)call("blockdev-del", {{"node-name", node}}); };
    auto started = call("blockdev-backup", {{"job-id", job},
                                            {"device", QemuDiskFormatNode(snap.disk_id)},
                                            {"target", node},
                                            {"sync", "full"},
                                            {"auto-dismiss", false}});
    if (!started.ok()) {
      drop_node();
      return fail(started.error());
    }
    std::string error;
    int last = -1;
    for (;;) {
      auto jobs = call("query-jobs", nullptr);
      if (!jobs.ok()) {
        error = jobs.error().message;
        break;
      }
      const json* mine = nullptr;
      for (const auto& j : *jobs)
        if (j.value("id", "") == job) mine = &j;
      if (!mine) {
        error = "the backup job vanished";
        break;
      }
      int64_t total = mine->value("total-progress", int64_t{0});
      int64_t current = mine->value("current-progress", int64_t{0});
      int pct = total > 0 ? static_cast<int>(current * 99 / total) : 0;
      if (pct != last) progress(last = pct);
      if (mine->value("status", "") == "concluded") {
        error = mine->value("error", "");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    (void)call("job-dismiss", {{"id", job}});
    drop_node();
    if (!error.empty()) return fail(Fail("backup of " + snap.disk_id + ": " + error));
  }
  auto sum = DiskPool::Checksum(part);
  if (!sum.ok()) return fail(sum.error());
  std::error_code ec;
  fs::rename(part, target, ec);
  if (ec) return fail(Fail("cannot keep " + target + ": " + ec.message()));
  LOG_INFO("qemu: snapshot {} of {} made ({}, {} bytes{})", snap.snapshot_id, snap.disk_id,
           sum->first.substr(0, 12), sum->second, live ? ", live" : "");
  SnapshotReport r;
  r.snapshot_id = snap.snapshot_id;
  r.progress = 100;
  r.done = true;
  r.checksum = sum->first;
  r.size_bytes = sum->second;
  return r;
}

Status QemuDriver::Destroy(const std::string& id, bool delete_disks) {
  std::string dir = Dir(id);
  if (!fs::exists(dir)) return Ok();
  OPENECS_RETURN_IF_ERROR(PowerOff(id, true, 0));
  // Disks are in the pool (the collector erases those whose disk is gone); files an older
  // version kept in the instance directory move there first.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("d-", 0) == 0 && e.path().extension() == ".qcow2")
      fs::rename(e.path(), pool_.PathOf(e.path().stem().string()), ec);
  }
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

int64_t QemuDriver::BootCount(const std::string& id) const {
  return static_cast<int64_t>(
      CountMarkers(ReadFile(Dir(id) + "/console.log"), "OPENECS-BOOT-COMPLETE"));
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

std::string QemuDriver::ConsoleOutput(const std::string& id) {
  // A guest writes any bytes to its serial port: they leave here as UTF-8 text, cut at a
  // character boundary (issue 13's H2: a 0xFF once ended the remote agent's JSON encoder).
  return ValidUtf8Tail(ReadFile(Dir(id) + "/console.log"), 64 * 1024);
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
