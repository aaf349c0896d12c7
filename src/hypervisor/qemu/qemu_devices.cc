// QemuDriver's devices (qemu_driver.h): network interfaces and disks plugged into and out of a
// running guest over QMP, and the block job that copies a running guest's disk into a snapshot.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "common/log.h"
#include "hypervisor/qemu/argv.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "hypervisor/qemu/qmp.h"
#include "model/catalogue.h"

namespace openecs {
using json = nlohmann::json;

namespace {
Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }
}  // namespace

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
    std::string tap = options_.network->TapName(nic.eni_id);
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
  options_.storage->AdoptLegacyDisks(Dir(id));
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
    Result<DiskVolume> volume = options_.storage->Ensure(WithImage(d, vm), &made);
    // A disk on shared storage may still be open on a host the server declared lost (one its
    // instance was detaching it from): cut that host off first, as a launch does.
    if (volume.ok())
      if (Status fenced = options_.storage->Fence(d); !fenced.ok()) volume = fenced.error();
    if (!volume.ok()) {
      LOG_WARN("qemu: {}: disk {} refused: {}", id, d.disk_id, volume.error().message);
      (*refused)[d.disk_id] = volume.error().message;
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
    json file_node = {{"node-name", file}};
    for (const auto& [key, value] :
         QemuDiskFileOptions(QemuDiskOf(*volume, d.disk_id, d.iops, d.throughput_mbps)))
      file_node[key] = value;
    Status st = step("blockdev-add", file_node, "blockdev-del", {{"node-name", file}});
    if (st.ok())
      st = step("blockdev-add", {{"driver", volume->format}, {"file", file}, {"node-name", format}},
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
      if (made) (void)options_.storage->Erase(d);
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

namespace {
// Copies a running guest's disk into `target` with a QMP backup job (sync=full): the disk as it
// was when the job started (crash-consistent) while the guest goes on writing. QEMU's monitor
// takes one client at a time: every command gets its own short connection, so the guest's
// other operations are not locked out while the copy runs.
Status BackupInto(const std::string& socket, const DesiredSnapshot& snap, const DiskVolume& target,
                  const std::function<void(int)>& progress) {
  auto call = [&](const std::string& cmd, json args) -> Result<json> {
    QmpClient qmp;
    OPENECS_RETURN_IF_ERROR(qmp.Connect(socket, 5000));
    return qmp.Execute(cmd, args);
  };
  std::string node = "snap-" + snap.snapshot_id, job = "job-" + snap.snapshot_id;
  OPENECS_ASSIGN_OR_RETURN(
      auto added,
      call("blockdev-add", {{"driver", target.format},
                            {"node-name", node},
                            {"file", {{"driver", "file"}, {"filename", target.path}}}}));
  (void)added;
  auto started = call("blockdev-backup", {{"job-id", job},
                                          {"device", QemuDiskFormatNode(snap.disk_id)},
                                          {"target", node},
                                          {"sync", "full"},
                                          {"auto-dismiss", false}});
  std::string error = started.ok() ? "" : started.error().message;
  for (int last = -1; started.ok();) {
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
  if (started.ok()) (void)call("job-dismiss", {{"id", job}});
  (void)call("blockdev-del", {{"node-name", node}});
  if (!error.empty()) return Fail("backup of " + snap.disk_id + ": " + error);
  return Ok();
}
}  // namespace

Storage::LiveCopy QemuDriver::LiveCopyOf(const DesiredSnapshot& snap) {
  if (snap.instance_id.empty() || !Pid(snap.instance_id)) return nullptr;
  std::string socket = Dir(snap.instance_id) + "/qmp.sock";
  QmpClient qmp;
  if (!qmp.Connect(socket, 5000).ok()) return nullptr;
  auto plugged = PluggedDisks(qmp);
  if (!plugged.ok() || !plugged->count(snap.disk_id)) return nullptr;
  return [socket, snap](const DiskVolume& target, const std::function<void(int)>& progress) {
    return BackupInto(socket, snap, target, progress);
  };
}

}  // namespace openecs
