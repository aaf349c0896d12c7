#include "hypervisor/fake/fake_driver.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <sstream>
#include <thread>

#include "common/clock.h"

namespace openecs {
namespace {
Error NotFound(const std::string& id) {
  return MakeError(ErrorCode::kInternalError, "fake hypervisor: no guest " + id);
}
Error Injected(const std::string& op) {
  return MakeError(ErrorCode::kInternalError, "fake hypervisor: injected failure in " + op);
}
}  // namespace

FakeDriver::FakeDriver(FakeDriverOptions options)
    : options_(std::move(options)), delay_ms_(options_.delay_ms) {
  if (options_.journal_path.empty()) return;
  {
    std::ifstream in(options_.journal_path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string id, state;
      int64_t boots = 0;
      if (!(ls >> id >> state >> boots)) continue;  // a torn last line
      if (state == "erased") {
        vms_.erase(id);
      } else {
        vms_[id] =
            VmInfo{id, state == "running" ? PowerState::kRunning : PowerState::kShutoff, boots};
      }
    }
  }
  // Compact: rewrite the live set, then append from there.
  std::ofstream out(options_.journal_path + ".tmp", std::ios::trunc);
  for (const auto& [id, vm] : vms_)
    out << id << ' ' << ToString(vm.power) << ' ' << vm.boot_count << '\n';
  out.close();
  std::rename((options_.journal_path + ".tmp").c_str(), options_.journal_path.c_str());
  journal_.open(options_.journal_path, std::ios::app);
}

void FakeDriver::Record(const VmInfo& vm, bool erased) {
  if (!journal_.is_open()) return;
  journal_ << vm.instance_id << ' ' << (erased ? "erased" : std::string(ToString(vm.power))) << ' '
           << vm.boot_count << '\n';
  journal_.flush();  // write(2) now: a kill -9 after this line cannot lose it
}

void FakeDriver::Sleep(bool short_op) const {
  int ms = delay_ms_.load();
  if (short_op) ms /= 2;
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Status FakeDriver::InjectFailures(const std::string& op, int count) {
  static const char* kOps[] = {"spawn", "power_on", "power_off", "reboot", "destroy", "hot_plug"};
  bool known = false;
  for (const char* o : kOps) known |= (op == o);
  if (!known || count < 0)
    return MakeError(ErrorCode::kInvalidParameter, "unknown fake operation: " + op);
  std::lock_guard<std::mutex> lock(mu_);
  failures_[op] = count;
  return Ok();
}

bool FakeDriver::TakeFailure(const std::string& op) {
  auto it = failures_.find(op);
  if (it == failures_.end() || it->second <= 0) return false;
  --it->second;
  return true;
}

Status FakeDriver::Spawn(const DesiredVm& spec) {
  Sleep(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (TakeFailure("spawn")) return Injected("spawn");
  if (vms_.count(spec.instance_id)) return Ok();
  VmInfo vm{spec.instance_id, PowerState::kShutoff, 0};
  vms_[spec.instance_id] = vm;
  Record(vm, false);
  return Ok();
}

Status FakeDriver::PowerOn(const DesiredVm& vm) {
  const std::string& id = vm.instance_id;
  Sleep(false);
  std::lock_guard<std::mutex> lock(mu_);
  if (TakeFailure("power_on")) return Injected("power_on");
  auto it = vms_.find(id);
  if (it == vms_.end()) return NotFound(id);
  if (it->second.power != PowerState::kRunning) {
    it->second.power = PowerState::kRunning;
    ++it->second.boot_count;
    Record(it->second, false);
  }
  it->second.crashed = false;
  // It boots with the disks and interfaces it should have.
  auto& disks = disks_[id];
  disks.clear();
  for (const auto& d : vm.disks) disks.insert(d.disk_id);
  auto& nics = nics_[id];
  nics.clear();
  for (const auto& n : vm.nics) nics.insert(n.eni_id);
  limits_.erase(id);
  ApplyLimits(vm);
  Meter& m = meters_[id] = Meter{};
  m.vcpus = std::max(1, vm.cpu);
  for (const auto& n : vm.nics) m.public_ips[n.eni_id] = n.public_ip;
  return Ok();
}

void FakeDriver::ApplyLimits(const DesiredVm& vm) {
  auto plugged = disks_.find(vm.instance_id);
  if (plugged == disks_.end()) return;
  auto& limits = limits_[vm.instance_id];
  std::erase_if(limits, [&](const auto& l) { return !plugged->second.count(l.first); });
  for (const auto& d : vm.disks)
    if (plugged->second.count(d.disk_id)) limits[d.disk_id] = {d.iops, d.throughput_mbps};
}

std::map<std::string, FakeDriver::DiskLimits> FakeDriver::AppliedLimits(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = limits_.find(id);
  return it == limits_.end() ? std::map<std::string, DiskLimits>{} : it->second;
}

Status FakeDriver::PowerOff(const std::string& id, bool force, int timeout_ms) {
  Sleep(force);
  std::lock_guard<std::mutex> lock(mu_);
  if (TakeFailure("power_off")) return Injected("power_off");
  auto it = vms_.find(id);
  if (it == vms_.end()) return NotFound(id);
  if (it->second.power != PowerState::kShutoff) {
    it->second.power = PowerState::kShutoff;
    Record(it->second, false);
  }
  it->second.crashed = false;
  disks_.erase(id);
  nics_.erase(id);
  limits_.erase(id);
  meters_.erase(id);
  return Ok();
}

Status FakeDriver::Reboot(const DesiredVm& vm, bool force) {
  const std::string& id = vm.instance_id;
  Sleep(false);
  std::lock_guard<std::mutex> lock(mu_);
  if (TakeFailure("reboot")) return Injected("reboot");
  auto it = vms_.find(id);
  if (it == vms_.end()) return NotFound(id);
  it->second.power = PowerState::kRunning;
  ++it->second.boot_count;
  Record(it->second, false);
  return Ok();
}

Status FakeDriver::Destroy(const std::string& id, bool delete_disks) {
  Sleep(true);
  std::lock_guard<std::mutex> lock(mu_);
  if (TakeFailure("destroy")) return Injected("destroy");
  auto it = vms_.find(id);
  if (it == vms_.end()) return Ok();
  Record(it->second, true);
  vms_.erase(it);
  disks_.erase(id);
  nics_.erase(id);
  limits_.erase(id);
  files_.erase(id);
  nmis_.erase(id);
  agent_silent_.erase(id);
  return Ok();
}

Status FakeDriver::SyncDevices(const std::string& id, const std::set<std::string>& want,
                               std::map<std::string, std::set<std::string>>& plugged,
                               std::map<std::string, std::string>* refused) {
  auto it = vms_.find(id);
  if (it == vms_.end() || it->second.power != PowerState::kRunning) return Ok();
  auto known = plugged.find(id);
  if (known == plugged.end()) {  // first sight since a restart: it has what it should
    plugged[id] = want;
    return Ok();
  }
  std::set<std::string> now;
  for (const auto& d : want) {
    if (!known->second.count(d) && TakeFailure("hot_plug")) {
      (*refused)[d] = Injected("hot_plug").message;
      continue;
    }
    now.insert(d);
  }
  known->second = std::move(now);
  return Ok();
}

Status FakeDriver::SyncNics(const DesiredVm& vm, std::map<std::string, std::string>* refused) {
  std::set<std::string> want;
  for (const auto& n : vm.nics) want.insert(n.eni_id);
  std::lock_guard<std::mutex> lock(mu_);
  // Public addresses come and go with the interfaces they are on (an EIP associated now).
  if (auto m = meters_.find(vm.instance_id); m != meters_.end())
    for (const auto& n : vm.nics) m->second.public_ips[n.eni_id] = n.public_ip;
  return SyncDevices(vm.instance_id, want, nics_, refused);
}

Status FakeDriver::SyncDisks(const DesiredVm& vm, std::map<std::string, std::string>* refused) {
  std::set<std::string> want;
  for (const auto& d : vm.disks) want.insert(d.disk_id);
  // A hot-plug or an unplug takes a short operation's time, as QEMU's device_add/del do (so a
  // disk is seen Attaching or Detaching for a while).
  bool changes = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto vm_it = vms_.find(vm.instance_id);
    auto known = disks_.find(vm.instance_id);
    changes = vm_it != vms_.end() && vm_it->second.power == PowerState::kRunning &&
              known != disks_.end() && known->second != want;
  }
  if (changes) Sleep(true);
  std::lock_guard<std::mutex> lock(mu_);
  OPENECS_RETURN_IF_ERROR(SyncDevices(vm.instance_id, want, disks_, refused));
  ApplyLimits(vm);
  return Ok();
}

VmInfo FakeDriver::Info(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vms_.find(id);
  if (it == vms_.end()) return VmInfo{id, PowerState::kAbsent, 0};
  return it->second;
}

std::string FakeDriver::VncUrl(const std::string& id) {
  // Emulator mode has no screen: a URL under the reserved .invalid domain says so.
  return Info(id).power == PowerState::kRunning ? "ws://emulator.invalid/vnc/" + id : "";
}

std::string FakeDriver::ConsoleOutput(const std::string& id) {
  VmInfo vm = Info(id);
  std::string out;
  for (int64_t i = 1; i <= vm.boot_count; ++i)
    out += "[fake hypervisor] boot " + std::to_string(i) +
           "\nOPENECS-BOOT-COMPLETE instance-id=" + id + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  auto nmis = nmis_.find(id);  // (not nmis_[id]: an entry for every guest ever read)
  for (int i = 0; nmis != nmis_.end() && i < nmis->second; ++i)
    out += "Uhhuh. NMI received for unknown reason 30 on CPU 0.\n";
  return out;
}

std::vector<VmInfo> FakeDriver::List() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VmInfo> out;
  out.reserve(vms_.size());
  for (const auto& [id, vm] : vms_) out.push_back(vm);
  return out;
}

Result<GuestSample> FakeDriver::Stats(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = vms_.find(id);
  if (it == vms_.end() || it->second.power != PowerState::kRunning) return NotFound(id);
  int64_t now = NowMillis();
  Meter& m = meters_[id];  // a guest adopted after a restart starts counting now
  if (m.last_ms == 0) m.last_ms = now;
  auto load = loads_.find(id);
  double percent = load != loads_.end()
                       ? load->second
                       : 5 + static_cast<double>(std::hash<std::string>{}(id) % 2000) / 100;
  double dt = static_cast<double>(now - m.last_ms) / 1000;
  m.last_ms = now;
  m.cpu_s += dt * m.vcpus * percent / 100;
  m.io += dt * (1 + percent / 10);
  m.net += dt * (1 + percent / 20);
  GuestSample s;
  s.instance_id = id;
  s.at_ms = now;
  s.vcpus = m.vcpus;
  s.cpu_ns = static_cast<int64_t>(m.cpu_s * 1e9);
  auto count = [](double units, double per_unit) { return static_cast<int64_t>(units * per_unit); };
  for (const auto& d : disks_[id]) {
    DiskIo& io = s.disks[d];
    io.read_ops = count(m.io, 10);
    io.write_ops = count(m.io, 5);
    io.read_bytes = io.read_ops * 4096;
    io.write_bytes = io.write_ops * 8192;
    io.read_ns = io.read_ops * 200000;  // 200 us a request
    io.write_ns = io.write_ops * 400000;
  }
  for (const auto& n : nics_[id]) {
    NicIo& io = s.nics[n];
    io.rx_packets = count(m.net, 4);
    io.tx_packets = count(m.net, 3);
    io.rx_bytes = io.rx_packets * 500;
    io.tx_bytes = io.tx_packets * 400;
    if (auto p = m.public_ips.find(n); p != m.public_ips.end() && !p->second.empty()) {
      io.public_ip = p->second;
      io.public_rx_bytes = io.rx_bytes / 2;
      io.public_tx_bytes = io.tx_bytes / 2;
      io.public_rx_packets = io.rx_packets / 2;
      io.public_tx_packets = io.tx_packets / 2;
    }
  }
  return s;
}

void FakeDriver::SetLoad(const std::string& id, double percent) {
  std::lock_guard<std::mutex> lock(mu_);
  if (percent < 0)
    loads_.erase(id);
  else
    loads_[id] = std::min(100.0, percent);
}

void FakeDriver::SetEventHandler(std::function<void(const std::string&)> handler) {
  std::lock_guard<std::mutex> lock(mu_);
  on_event_ = std::move(handler);
}

Status FakeDriver::Crash(const std::string& id) {
  std::function<void(const std::string&)> tell;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = vms_.find(id);
    if (it == vms_.end() || it->second.power != PowerState::kRunning)
      return MakeError(ErrorCode::kInvalidParameter, "fake hypervisor: no running guest " + id);
    it->second.power = PowerState::kShutoff;
    it->second.crashed = true;
    Record(it->second, false);
    disks_.erase(id);
    nics_.erase(id);
    limits_.erase(id);
    meters_.erase(id);
    tell = on_event_;
  }
  if (tell) tell(id);
  return Ok();
}

}  // namespace openecs
