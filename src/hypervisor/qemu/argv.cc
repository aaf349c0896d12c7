#include "hypervisor/qemu/argv.h"

namespace openecs {

std::vector<std::pair<std::string, std::string>> QemuDiskFileOptions(const QemuDisk& d) {
  if (d.rbd.image.empty()) return {{"driver", "file"}, {"filename", d.path}};
  std::vector<std::pair<std::string, std::string>> o = {
      {"driver", "rbd"}, {"pool", d.rbd.pool}, {"image", d.rbd.image}};
  if (!d.rbd.conf.empty()) o.push_back({"conf", d.rbd.conf});
  if (!d.rbd.user.empty()) o.push_back({"user", d.rbd.user});
  return o;
}

QemuDisk QemuDiskOf(const DiskVolume& v, const std::string& disk_id, int iops,
                    int throughput_mbps) {
  QemuDisk d;
  d.path = v.path;
  d.format = v.format;
  d.id = disk_id;
  d.iops = iops;
  d.bytes_per_second = int64_t{throughput_mbps} * 1024 * 1024;
  d.rbd = v.rbd;
  return d;
}

std::vector<std::string> BuildQemuArgv(const QemuVmConfig& c) {
  std::vector<std::string> a = {c.binary};
  auto add = [&](std::initializer_list<std::string> items) { a.insert(a.end(), items); };
  add({"-name", "guest=" + c.instance_id + ",process=openecs-" + c.instance_id});
  add({"-machine", std::string("q35,accel=") + (c.kvm ? "kvm" : "tcg")});
  if (c.kvm) add({"-cpu", "host"});
  add({"-smp", std::to_string(c.vcpus), "-m", std::to_string(c.memory_mb)});
  // cloud-init recognises the platform by this product name (FACTS.md).
  add({"-smbios",
       "type=1,manufacturer=Alibaba Cloud,product=Alibaba Cloud ECS,serial=" + c.instance_id});
  add({"-nodefaults", "-no-user-config", "-display", "none"});
  if (!c.kernel.empty()) {
    add({"-kernel", c.kernel});
    if (!c.initrd.empty()) add({"-initrd", c.initrd});
    if (!c.cmdline.empty()) add({"-append", c.cmdline});
  }
  // Root ports first, so hot-plugged disks and NICs have somewhere to go.
  int port = 0;
  auto root_port = [&]() {
    std::string id = "rp" + std::to_string(port);
    add({"-device", "pcie-root-port,id=" + id + ",chassis=" + std::to_string(port + 1) +
                        ",slot=" + std::to_string(port + 1)});
    ++port;
    return id;
  };
  for (size_t i = 0; i < c.disks.size(); ++i) {
    const QemuDisk& d = c.disks[i];
    std::string ro = d.read_only ? ",read-only=on" : "";
    std::string file = QemuDiskFileNode(d.id), format = QemuDiskFormatNode(d.id);
    // Values never hold a comma (paths and names are ours; RbdSpec refuses one in its own).
    std::string node;
    for (const auto& [key, value] : QemuDiskFileOptions(d)) node += key + "=" + value + ",";
    add({"-blockdev", node + "node-name=" + file + ro});
    add({"-blockdev", "driver=" + d.format + ",file=" + file + ",node-name=" + format + ro});
    std::string top = format;
    if (d.iops > 0 || d.bytes_per_second > 0) {
      // The category's limits, as QEMU's throttle filter on top of the image.
      std::string limits;
      if (d.iops > 0) limits += ",x-iops-total=" + std::to_string(d.iops);
      if (d.bytes_per_second > 0) limits += ",x-bps-total=" + std::to_string(d.bytes_per_second);
      add({"-object", "throttle-group,id=" + QemuThrottleGroup(d.id) + limits});
      top = QemuDiskThrottleNode(d.id);
      add({"-blockdev", "driver=throttle,throttle-group=" + QemuThrottleGroup(d.id) +
                            ",file=" + format + ",node-name=" + top});
    }
    std::string bus = root_port();
    add({"-device", "virtio-blk-pci,drive=" + top + ",id=" + QemuDiskDeviceId(d.id) + ",bus=" +
                        bus + ",serial=" + QemuDiskSerial(d.id) + (i == 0 ? ",bootindex=1" : "")});
  }
  if (c.nics.empty()) {
    // No VPC data plane on this host: QEMU's user-mode network (DHCP from QEMU, no inbound
    // access); restrict=on keeps the guest off the host's networks.
    std::string nic_bus = root_port();
    add({"-netdev", "user,id=net0,restrict=on"});
    add({"-device", "virtio-net-pci,netdev=net0,id=nic0,bus=" + nic_bus +
                        (c.mac.empty() ? "" : ",mac=" + c.mac)});
  }
  for (const auto& nic : c.nics) {
    std::string nic_bus = root_port();
    add({"-netdev",
         "tap,id=" + QemuNetdevId(nic.id) + ",ifname=" + nic.tap + ",script=no,downscript=no"});
    add({"-device", "virtio-net-pci,netdev=" + QemuNetdevId(nic.id) +
                        ",id=" + QemuNicDeviceId(nic.id) + ",bus=" + nic_bus + ",mac=" + nic.mac});
  }
  // Entropy for the guest (without it dropbear's first key generation blocks on boot).
  add({"-object", "rng-random,id=rng0,filename=/dev/urandom"});
  add({"-device", "virtio-rng-pci,rng=rng0,bus=" + root_port()});
  for (int i = 0; i < c.spare_root_ports; ++i)
    add({"-device", "pcie-root-port,id=" + QemuHotplugPort(i) + ",chassis=" +
                        std::to_string(port + 1 + i) + ",slot=" + std::to_string(port + 1 + i)});
  // Integrated devices on pcie.0 after the root ports (argv.h says why).
  if (!c.guest_agent_socket.empty()) {
    add({"-device", "virtio-serial-pci,id=vser0,bus=pcie.0"});
    add({"-chardev", "socket,id=qga0,path=" + c.guest_agent_socket + ",server=on,wait=off"});
    add({"-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"});
    if (!c.session_socket.empty()) {
      add({"-chardev", "socket,id=session0,path=" + c.session_socket + ",server=on,wait=off"});
      add({"-device", "virtconsole,bus=vser0.0,chardev=session0,name=org.openecs.session.0"});
    }
  }
  if (c.vga) add({"-device", "VGA,id=vga0,bus=pcie.0"});
  for (const auto& [name, file] : c.fw_cfg) add({"-fw_cfg", "name=" + name + ",file=" + file});
  add({"-chardev", "file,id=console0,path=" + c.console_log + ",append=on"});
  add({"-serial", "chardev:console0"});
  add({"-qmp", "unix:" + c.qmp_socket + ",server=on,wait=off"});
  if (!c.qmp_events_socket.empty())
    add({"-qmp", "unix:" + c.qmp_events_socket + ",server=on,wait=off"});
  if (!c.vnc_socket.empty())
    add({"-vnc", "unix:" + c.vnc_socket +
                     (c.vnc_websocket.empty() ? "" : ",websocket=" + c.vnc_websocket) +
                     ",password=on"});
  if (!c.vnc_socket.empty() && !c.vnc_console_socket.empty())
    add({"-vnc", "unix:" + c.vnc_console_socket + ",id=console"});
  if (c.start_paused) add({"-S"});
  add({"-pidfile", c.pid_file, "-daemonize"});
  return a;
}

}  // namespace openecs
