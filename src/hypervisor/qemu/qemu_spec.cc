// QemuDriver's record of an instance (qemu_driver.h): <dir>/spec.json (what it was defined
// with, updated from the server at every launch) and the metadata files given to the guest.
#include "common/json_dump.h"
#include "hypervisor/qemu/cidata.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "sys/files.h"

namespace openecs {
using json = nlohmann::json;

namespace {

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

}  // namespace

Status QemuDriver::WriteSpec(const DesiredVm& vm) {
  return WriteFileAtomic(Dir(vm.instance_id) + "/spec.json", DumpJson(SpecToJson(vm), 2));
}

Result<DesiredVm> QemuDriver::UpdateSpec(const DesiredVm& want) {
  std::string dir = Dir(want.instance_id);
  auto spec_json = json::parse(ReadFile(dir + "/spec.json"), nullptr, false);
  if (spec_json.is_discarded())
    return MakeError(ErrorCode::kInternalError,
                     "instance " + want.instance_id + " is not defined on this host");
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
  OPENECS_RETURN_IF_ERROR(WriteSpec(vm));
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

DesiredDisk QemuDriver::WithImage(DesiredDisk d, const DesiredVm& vm) {
  if (d.type == "system" && d.image_id.empty()) d.image_id = vm.image_id;
  return d;
}

}  // namespace openecs
