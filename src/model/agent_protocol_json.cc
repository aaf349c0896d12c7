#include "model/agent_protocol_json.h"

#include <unistd.h>

#include "model/json_macros.h"

namespace openecs {

Status AgentChannel::AttachSession(const std::string&, const std::string&, int fd) {
  if (fd >= 0) ::close(fd);
  return MakeError(ErrorCode::kInvalidParameter, "this agent channel carries no sessions");
}

OPENECS_JSON(HostInfo, name, zone_id, vcpus, memory_mb, disk_gib, gpus, gpu_spec, kvm, driver,
             vpc_data_plane, underlay_ip, storage)
OPENECS_JSON(DesiredDisk, disk_id, type, category, size_gib, image_id, delete_with_instance, iops,
             throughput_mbps, snapshot_id, snapshot_checksum)
OPENECS_JSON(DesiredRule, ingress, protocol, port_from, port_to, peers, accept, priority)
OPENECS_JSON(DesiredNic, eni_id, mac, ip, vpc_id, vswitch_id, cidr, gateway, host_name, public_ip,
             public_cidr, bandwidth_out_mbps, bandwidth_in_mbps, rules, secondary_ips, vni,
             routed_cidrs)
OPENECS_JSON(DesiredVm, instance_id, desired, force_stop, reboot_seq, observed, cpu, memory_mb,
             image_id, host_name, user_data, password, vnc_password, public_key, private_ip, disks,
             nics, instance_name, instance_type, region_id, zone_id, key_pair_name,
             metadata_enabled, metadata_tokens_required, metadata_hop_limit, ram_role_name,
             spot_termination_time)
OPENECS_JSON(RoleCredentials, role_name, access_key_id, access_key_secret, security_token,
             expiration, last_updated)
OPENECS_JSON(RemoteAddress, vpc_id, vni, ip, underlay_ip, routed_cidrs)
OPENECS_JSON(DesiredSnapshot, snapshot_id, disk_id, instance_id)
OPENECS_JSON(SnapshotReport, snapshot_id, progress, done, failed, error, checksum, size_bytes)
OPENECS_JSON(DesiredDiskBuild, disk_id, generation, snapshot_id, snapshot_checksum, image_id,
             size_gib)
OPENECS_JSON(DiskBuildReport, disk_id, generation, failed, error)
OPENECS_JSON(DesiredImageBuild, image_id, snapshot_id, snapshot_checksum, boot_image_id, source_url,
             source_format, os_name)
OPENECS_JSON(DesiredImageExport, image_id, task_id, object, format)
OPENECS_JSON(ImageExportReport, image_id, task_id, failed, error)
OPENECS_JSON(ImageReport, image_id, progress, done, failed, error, size_bytes, size_gib, storage)
OPENECS_JSON(DesiredInvocation, invoke_id, instance_id, kind, script, working_dir, username,
             timeout_s, started, stop, directory, name, content, mode, owner, group, overwrite)
OPENECS_JSON(InvocationReport, invoke_id, instance_id, state, exit_code, output, dropped, timed_out,
             stopped, error, agent_down)
OPENECS_JSON(DesiredGuestRequest, request_id, instance_id, kind)
OPENECS_JSON(DesiredSession, session_id, instance_id, kind)
OPENECS_JSON(GuestRequestReport, request_id, failed, error, result)
OPENECS_JSON(DesiredState, revision, changed, vms, remote, pool_disks, snapshots, kept_snapshots,
             storage_listed, disk_builds, image_builds, kept_images, image_exports, invocations,
             guest_requests, sessions)

OPENECS_JSON(DiskIo, read_bytes, write_bytes, read_ops, write_ops, read_ns, write_ns)
OPENECS_JSON(NicIo, rx_bytes, tx_bytes, rx_packets, tx_packets, rx_dropped, tx_dropped, public_ip,
             public_rx_bytes, public_tx_bytes, public_rx_packets, public_tx_packets)
OPENECS_JSON(GuestSample, instance_id, at_ms, vcpus, cpu_ns, disks, nics, guest_agent)

// `console` and `vnc_url` are optional: absent means "unchanged", which is not "".
void to_json(nlohmann::json& j, const Observation& v) {
  j = {{"instance_id", v.instance_id},
       {"power", v.power},
       {"reboot_seq_done", v.reboot_seq_done},
       {"failed", v.failed},
       {"operation", v.operation},
       {"error", v.error}};
  if (v.guest_ready) j["guest_ready"] = true;
  if (v.crashed) j["crashed"] = true;
  if (v.console) j["console"] = *v.console;
  if (v.vnc_url) j["vnc_url"] = *v.vnc_url;
  if (v.disks) j["disks"] = *v.disks;
  if (!v.disks_refused.empty()) j["disks_refused"] = v.disks_refused;
  if (!v.nics_refused.empty()) j["nics_refused"] = v.nics_refused;
  if (v.snapshot) j["snapshot"] = *v.snapshot;
  if (v.disk_build) j["disk_build"] = *v.disk_build;
  if (v.image) j["image"] = *v.image;
  if (v.image_export) j["image_export"] = *v.image_export;
  if (v.invocation) j["invocation"] = *v.invocation;
  if (v.guest_request) j["guest_request"] = *v.guest_request;
}

void from_json(const nlohmann::json& j, Observation& v) {
  v = Observation{};
  v.instance_id = j.value("instance_id", "");
  v.power = j.value("power", PowerState::kUnknown);
  FromJsonField(j, "reboot_seq_done", v.reboot_seq_done, int64_t{0});
  v.failed = j.value("failed", false);
  v.operation = j.value("operation", "");
  v.error = j.value("error", "");
  v.guest_ready = j.value("guest_ready", false);
  v.crashed = j.value("crashed", false);
  if (j.contains("console") && j["console"].is_string())
    v.console = j["console"].get<std::string>();
  if (j.contains("vnc_url") && j["vnc_url"].is_string())
    v.vnc_url = j["vnc_url"].get<std::string>();
  if (j.contains("disks") && j["disks"].is_array())
    v.disks = j["disks"].get<std::vector<std::string>>();
  if (j.contains("disks_refused") && j["disks_refused"].is_object())
    v.disks_refused = j["disks_refused"].get<std::map<std::string, std::string>>();
  if (j.contains("nics_refused") && j["nics_refused"].is_object())
    v.nics_refused = j["nics_refused"].get<std::map<std::string, std::string>>();
  if (j.contains("snapshot") && j["snapshot"].is_object())
    v.snapshot = j["snapshot"].get<SnapshotReport>();
  if (j.contains("disk_build") && j["disk_build"].is_object())
    v.disk_build = j["disk_build"].get<DiskBuildReport>();
  if (j.contains("image") && j["image"].is_object()) v.image = j["image"].get<ImageReport>();
  if (j.contains("image_export") && j["image_export"].is_object())
    v.image_export = j["image_export"].get<ImageExportReport>();
  if (j.contains("invocation") && j["invocation"].is_object())
    v.invocation = j["invocation"].get<InvocationReport>();
  if (j.contains("guest_request") && j["guest_request"].is_object())
    v.guest_request = j["guest_request"].get<GuestRequestReport>();
}

}  // namespace openecs
