#pragma once
// Builds the QEMU command line for one instance. Pure: the same config always gives the same
// argv (golden-tested in argv_test.cc).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "storage/storage.h"

namespace openecs {

struct QemuDisk {
  std::string path;
  std::string format = "qcow2";  // qcow2 | raw
  bool read_only = false;
  std::string id;    // the disk's id (QEMU names its nodes and device after it)
  int64_t iops = 0;  // throttle limits (0: none)
  int64_t bytes_per_second = 0;
  RbdImage rbd;  // rbd.image not empty: the disk is this RBD image, not `path`
};
// The disk's protocol node, before its node name: driver=file and the path, or driver=rbd and
// the image. The command line's -blockdev and QMP's blockdev-add (hot-plug) both use it.
std::vector<std::pair<std::string, std::string>> QemuDiskFileOptions(const QemuDisk& d);
// A disk as storage handed it, with the instance's limits for it.
QemuDisk QemuDiskOf(const DiskVolume& v, const std::string& disk_id, int iops, int throughput_mbps);
// QEMU names of a disk's block nodes (file, format, throttle filter), throttle group and
// device, from its id, so a running guest's disks can be listed and changed over QMP.
inline std::string QemuDiskFileNode(const std::string& id) { return "f-" + id; }
inline std::string QemuDiskFormatNode(const std::string& id) { return "q-" + id; }
inline std::string QemuDiskThrottleNode(const std::string& id) { return "t-" + id; }
inline std::string QemuThrottleGroup(const std::string& id) { return "tg-" + id; }
inline std::string QemuDiskDeviceId(const std::string& id) { return "dev-" + id; }
// The serial number the guest sees (/sys/block/vdX/serial, /dev/disk/by-id/virtio-<serial>):
// as on ECS, the disk id without its "d-" (virtio-blk keeps 20 characters: exactly ours).
inline std::string QemuDiskSerial(const std::string& id) {
  return id.rfind("d-", 0) == 0 ? id.substr(2) : id;
}

struct QemuNic {
  std::string id;   // the ENI's id
  std::string tap;  // QEMU creates the tap (it goes away with QEMU)
  std::string mac;
};
// QEMU ids of a NIC's backend and device, and of the spare PCIe root ports hot-plugged devices
// go into ("hp0", "hp1", ...), so a running guest's NICs can be listed and changed over QMP.
inline std::string QemuNetdevId(const std::string& eni_id) { return "net-" + eni_id; }
inline std::string QemuNicDeviceId(const std::string& eni_id) { return "nic-" + eni_id; }
inline std::string QemuHotplugPort(int k) { return "hp" + std::to_string(k); }

struct QemuVmConfig {
  std::string instance_id;
  std::string binary = "qemu-system-x86_64";
  bool kvm = false;
  int vcpus = 1;
  int memory_mb = 256;
  std::string kernel, initrd, cmdline;  // direct kernel boot (empty kernel: boot from disk)
  std::vector<QemuDisk> disks;          // first is the system disk
  std::string mac;                      // of the user-mode NIC, when `nics` is empty
  std::vector<QemuNic> nics;            // tap NICs (VPC networking); none: one user-mode NIC
  bool start_paused = false;            // -S: the caller plugs the taps, then QMP `cont`
  std::string console_log;              // serial console appended to this file
  std::string qmp_socket;               // commands
  std::string qmp_events_socket;        // a second monitor the driver keeps open for events
  std::string vnc_socket;               // VNC on a unix socket ("" = no VNC at all)
  std::string vnc_websocket;            // and a websocket listener for noVNC, "127.0.0.1:5701"
                                        // (VNC password auth; QMP set_password sets it)
  // A second VNC display of the same screen on a unix socket, without a password, for the web
  // console's viewer (ecsd authenticates the user; the socket is root's only). "" = none. It is
  // added after the password display, so QMP set_password (the first display) still finds that.
  std::string vnc_console_socket;
  std::string pid_file;
  // Files the guest reads through QEMU's firmware configuration device
  // (/sys/firmware/qemu_fw_cfg/by_name/<name>/raw): the instance's metadata for images that
  // look there. No disk is added, so the guest's disks are exactly the instance's.
  std::vector<std::pair<std::string, std::string>> fw_cfg;  // name ("opt/...") -> file
  int spare_root_ports = 8;  // PCIe root ports left free for hot-plug (QemuHotplugPort)
  // qemu-guest-agent's channel: a virtio-serial port named org.qemu.guest_agent.0 whose host
  // end is a unix socket QEMU listens on ("" = no port). The controller sits on pcie.0 after
  // every root port, so the root ports' slots and bus numbers stay what they were without it.
  std::string guest_agent_socket;
  // Session Manager's console: a virtconsole named org.openecs.session.0 on the same controller
  // (/dev/hvc0 in the guest, where the image keeps a root shell), its host end a unix socket
  // QEMU listens on, one client at a time ("" = none; needs guest_agent_socket).
  std::string session_socket;
  // A standard VGA adapter (on pcie.0, last): the screen VNC shows and QMP screendump reads
  // (without a display device QEMU has no console to take a screenshot from).
  bool vga = false;
};

std::vector<std::string> BuildQemuArgv(const QemuVmConfig& c);

}  // namespace openecs
