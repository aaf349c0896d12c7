#pragma once
// The qemu driver: one QEMU process per running instance (q35; KVM when /dev/kvm exists, TCG
// otherwise), daemonised so guests outlive a restart of ecsd and are adopted afterwards.
//
// Disks are the volumes storage hands it (storage/storage.h), throttled to their category's
// IOPS and throughput; network interfaces join their network through the NicPlug it is given.
// Per instance it keeps a directory <state_dir>/<instance-id>/ with the
// instance's spec, its metadata files (cidata.h: given to the guest through fw_cfg, never as a
// disk), the serial console log, two QMP sockets (commands; events), the VNC socket and
// websocket port, and the QEMU pid file. Nothing of this leaves the driver except VncUrl:
// ws://127.0.0.1:<port> (5700-6699), VNC password auth with the instance's VNC password (set
// through QMP at every start).
//
// PowerOn returns once QEMU runs the guest (Running means the VM runs, as on ECS; whether its
// OS is up is GuestReady's business, and a slow or silent guest is never stopped for it).
// PowerOff(force=false) presses the ACPI power button and waits for the guest to power off,
// then stops QEMU hard after the timeout. Reboot is a power-off (graceful unless forced) and a
// new launch, so the guest boots with the current metadata. A guest that stops on its own is
// noticed through the events socket and announced through the event handler within a second.
// Network interfaces attached or detached while the guest runs are hot-plugged (SyncNics).
//
//   qemu_driver.cc   process lifecycle: define, launch, power, reboot, destroy, watch, list
//   qemu_spec.cc     the instance's spec.json and metadata files
//   qemu_devices.cc  hot-plug of interfaces and disks; the live snapshot copy (block job)
//   qemu_console.cc  VNC port and password, boot marker, serial console
//   qemu_stats.cc    CPU and disk counters
//   qemu_guest.cc    the guest's agent, screen and session streams
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "hypervisor/driver.h"
#include "hypervisor/nic_plug.h"
#include "storage/storage.h"

namespace openecs {

struct QemuDriverOptions {
  std::string state_dir;       // instance directories
  Storage* storage = nullptr;  // disks and images (required; outlives the driver)
  std::string qemu_binary = "qemu-system-x86_64";
  HostInfo host;
  int reboot_stop_timeout_ms = 60000;  // Reboot(force=false): how long the guest may take
  // How interfaces join their network (the VPC data plane); null: guests get QEMU's user-mode
  // network instead.
  NicPlug* network = nullptr;
};

class QemuDriver final : public Driver {
 public:
  explicit QemuDriver(QemuDriverOptions options);
  ~QemuDriver() override;
  std::string Name() const override { return "qemu"; }
  HostInfo DescribeHost() const override { return options_.host; }
  Status Spawn(const DesiredVm& spec) override;
  Status PowerOn(const DesiredVm& vm) override;
  Status PowerOff(const std::string& id, bool force, int timeout_ms) override;
  Status Reboot(const DesiredVm& vm, bool force) override;
  Status Destroy(const std::string& id, bool delete_disks) override;
  VmInfo Info(const std::string& id) override;
  std::vector<VmInfo> List() override;
  std::string ConsoleOutput(const std::string& id) override;
  std::string VncUrl(const std::string& id) override;
  // The guest's agent and screen (qemu_guest.cc): qemu-guest-agent over the virtio-serial port
  // org.qemu.guest_agent.0 (QEMU chardev socket <dir>/qga.sock), QMP screendump and inject-nmi.
  bool GuestAgentAlive(const std::string& id) override;
  Result<GuestCommandResult> RunGuestCommand(const std::string& id, const GuestCommand& cmd,
                                             const std::atomic<bool>& stop,
                                             const std::function<void()>& started) override;
  Status WriteGuestFile(const std::string& id, const GuestFile& file) override;
  Result<std::string> Screenshot(const std::string& id) override;
  Status DiagnosticInterrupt(const std::string& id) override;
  Result<int> OpenGuestStream(const std::string& id, GuestStream kind) override;
  // The image's boot-complete line (image.json `boot_complete_marker`) on the console since
  // the guest's QEMU started; images without one never say it (other signals tell).
  bool GuestReady(const std::string& id) override;
  // Over QMP: netdev_add + device_add into a free spare root port ("hp<k>"), device_del +
  // netdev_del (after the guest let the device go). NICs are QEMU devices "nic-<eni-id>".
  Status SyncNics(const DesiredVm& vm, std::map<std::string, std::string>* refused) override;
  // Over QMP: throttle-group + blockdev-add (file, qcow2, throttle) + device_add into a free
  // spare root port; device_del (after the guest let it go) + blockdev-del + object-del;
  // block_resize. Disks are QEMU devices "dev-<disk-id>" (argv.h has the node names).
  Status SyncDisks(const DesiredVm& vm, std::map<std::string, std::string>* refused) override;
  // QMP blockdev-backup (sync=full) into the target, progress from query-jobs; null when the
  // guest does not run or does not have the disk plugged.
  Storage::LiveCopy LiveCopyOf(const DesiredSnapshot& snapshot) override;
  void SetEventHandler(std::function<void(const std::string&)> handler) override;
  // CPU: the user and system time of the vCPU threads (QMP query-cpus-fast names them; the
  // whole process if it does not), from /proc. Disks: QMP query-blockstats of each disk's
  // device. One short QMP connection per call.
  Result<GuestSample> Stats(const std::string& id) override;

 private:
  std::string Dir(const std::string& id) const { return options_.state_dir + "/" + id; }
  int Pid(const std::string& id) const;  // live QEMU pid of the instance, or 0
  // <dir>/stopped says why its QEMU is not running (defined, shut down by the guest, powered
  // off by the driver); a guest without it that does not run crashed (VmInfo::crashed).
  Status MarkStopped(const std::string& id, const std::string& reason);
  bool Crashed(const std::string& id) const;
  Status Launch(const DesiredVm& vm);
  // Takes the server's current metadata and disks into spec.json; returns it.
  Result<DesiredVm> UpdateSpec(const DesiredVm& want);
  Status WriteSpec(const DesiredVm& vm);
  // A disk as storage makes it: a system disk is an overlay on the instance's image.
  static DesiredDisk WithImage(DesiredDisk d, const DesiredVm& vm);
  // Writes the instance's metadata files (BuildNoCloud) into its directory; returns them as
  // fw_cfg entries (name -> file).
  Result<std::vector<std::pair<std::string, std::string>>> WriteMetadataFiles(const DesiredVm& vm);
  // A loopback port for the guest's VNC websocket (0 if none is free).
  int PickVncPort(const std::string& id);
  void SetVncPassword(const DesiredVm& vm);
  Status WaitForExit(const std::string& id, int pid, int timeout_ms);
  void Watch(const std::string& id);  // starts the events watcher for a running guest
  int64_t BootCount(const std::string& id) const;
  // Records where this boot's console output starts and the image's boot-complete line
  // (<dir>/boot.json, read by GuestReady); the guest is not ready until the line shows again.
  Status MarkBootStart(const std::string& id, const std::string& marker);

  QemuDriverOptions options_;
  bool kvm_ = false;
  std::mutex mu_;
  std::function<void(const std::string&)> on_event_;
  std::map<std::string, std::thread> watchers_;
  static constexpr int kVncPortFirst = 5700, kVncPorts = 1000;
  std::map<std::string, int> vnc_ports_;  // chosen by this process (guarded by mu_)
  std::set<std::string> ready_;           // guests whose boot marker was seen (guarded by mu_)
  std::set<std::string> restarting_;      // guests Reboot is restarting (guarded by mu_)
  std::atomic<bool> stopping_{false};
};

}  // namespace openecs
