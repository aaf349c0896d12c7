// JSON persistence of the resource records. Field names are stable storage keys: renaming
// one needs a migration. Missing keys take the struct's defaults (older documents load).
#include "model/json_macros.h"
#include "model/resources.h"

namespace openecs {

OPENECS_JSON(Tag, key, value)
OPENECS_JSON(MaintenanceWindow, start_time, end_time)
OPENECS_JSON_PART(InstanceCore, Instance, id, version, account_id, region_id, zone_id, name,
                  host_name, description, instance_type, cpu, memory_mb, gpu, image_id, vpc_id,
                  vswitch_id, private_ip, security_group_ids, disk_ids, key_pair_name, password,
                  user_data, tags, charge_type, period, period_unit, expired_time, spot_strategy,
                  spot_price_limit, internet_charge_type, internet_max_bandwidth_out,
                  internet_max_bandwidth_in, deletion_protection, creation_time, start_time, status,
                  stopped_mode, task, force_stop, desired, reboot_seq, power, host_id, claimed,
                  last_error, booted_once, vnc_password, vnc_url, public_ip, public_ip_on_start,
                  secondary_ips, metadata_http_endpoint, metadata_http_tokens, metadata_hop_limit,
                  boot_time, guest_ready, maintenance_action, maintenance_notify,
                  maintenance_windows, auto_release_time, deployment_set_id, deployment_set_group,
                  resource_group_id, ram_role_name)
// Billing and locks (service/billing_service.h, service/instance_locks.h); the dedicated host.
OPENECS_JSON_PART(InstanceTerms, Instance, renewal_status, auto_renew_period, auto_renew_unit,
                  spot_duration, spot_interruption_behavior, spot_termination_time, operation_locks,
                  renewal_instance_type, subscription_paid, subscription_start, restart_when_paid,
                  dedicated_host_id)
OPENECS_JSON_JOIN(Instance, InstanceCore, InstanceTerms)
OPENECS_JSON(Disk, id, version, account_id, region_id, zone_id, name, description, type, category,
             performance_level, size_gib, image_id, snapshot_id, instance_id, device, status,
             delete_with_instance, portable, tags, creation_time, attached_time, host_id,
             detached_time, delete_auto_snapshot, enable_auto_snapshot, build_generation,
             build_snapshot_id, build_task_id, auto_snapshot_policy_id, resource_group_id,
             charge_type)
OPENECS_JSON(Snapshot, id, version, account_id, region_id, name, description, disk_id,
             source_disk_type, source_disk_category, source_disk_size_gib, host_id, status,
             progress, checksum, size_bytes, error, retention_days, tags, creation_time,
             last_modified_time, task_id, source_image_id, automatic, resource_group_id)
OPENECS_JSON(CustomImage, id, version, account_id, region_id, name, description, status, progress,
             snapshot_id, source_instance_id, boot_image_id, import_url, import_format, host_id,
             size_gib, size_bytes, os_name, os_type, platform, architecture, error, task_id,
             shared_with, tags, creation_time, export_task_id, export_object, export_format,
             resource_group_id, storage)
OPENECS_JSON(AutoSnapshotPolicy, id, version, account_id, region_id, name, time_points,
             repeat_weekdays, retention_days, tags, creation_time, last_run, resource_group_id)
OPENECS_JSON(InstanceEvent, id, version, account_id, region_id, instance_id, event_type,
             cycle_status, reason, host_id, publish_time, finish_time)
OPENECS_JSON(Task, id, version, account_id, region_id, action, resource_id, status, progress,
             error_code, error_message, creation_time, finished_time)
OPENECS_JSON(Vpc, id, version, account_id, region_id, name, description, cidr_block, vrouter_id,
             route_table_id, tags, creation_time, vni, resource_group_id)
OPENECS_JSON(ResourceGroup, id, version, account_id, name, display_name, creation_time)
OPENECS_JSON(RouteTable, id, version, account_id, region_id, vpc_id, name, description, tags,
             creation_time)
OPENECS_JSON(RouteEntry, id, version, account_id, region_id, vpc_id, route_table_id, destination,
             next_hop_type, next_hop_id, name, description, creation_time)
OPENECS_JSON(VSwitch, id, version, account_id, region_id, vpc_id, zone_id, name, description,
             cidr_block, tags, creation_time, resource_group_id)
OPENECS_JSON(SecurityGroupRule, id, direction, ip_protocol, port_range, source_cidr_ip,
             source_group_id, dest_cidr_ip, dest_group_id, source_port_range, policy, priority,
             nic_type, description, create_time)
OPENECS_JSON(SecurityGroup, id, version, account_id, region_id, vpc_id, name, description, type,
             inner_access_policy, rules, tags, creation_time, resource_group_id)
OPENECS_JSON(KeyPair, id, version, account_id, region_id, key_pair_id, public_key, fingerprint,
             tags, creation_time, resource_group_id, name)
OPENECS_JSON(NetworkInterface, id, version, account_id, region_id, zone_id, vpc_id, vswitch_id,
             name, description, primary_ip, secondary_ips, security_group_ids, instance_id,
             device_index, tags, creation_time, resource_group_id)
OPENECS_JSON(EipAddress, id, version, account_id, region_id, ip_address, name, description,
             bandwidth, internet_charge_type, instance_id, tags, creation_time, resource_group_id)
OPENECS_JSON(Host, id, version, name, zone_id, vcpus, memory_mb, disk_gib, gpus, gpu_spec, kvm,
             driver, last_seen, vpc_data_plane, underlay_ip, storage, key_hash, lost_since)
OPENECS_JSON(IdempotencyRecord, id, version, fingerprint, response, created, pending, made)
OPENECS_JSON(Account, id, version, name, access_key_id, access_key_secret, creation_time, quotas)
OPENECS_JSON(LaunchTemplateVersion, number, description, created_by, creation_time, modified_time,
             data)
OPENECS_JSON(LaunchTemplate, id, version, account_id, region_id, name, resource_group_id,
             default_version, last_number, versions, tags, creation_time, modified_time)
OPENECS_JSON(DeploymentSet, id, version, account_id, region_id, name, description, strategy,
             group_count, on_unable_to_redeploy, domain, granularity, creation_time)
OPENECS_JSON(DedicatedHost, id, version, account_id, resource_group_id, region_id, zone_id, host_id,
             name, description, type, charge_type, auto_placement, action_on_maintenance, tags,
             creation_time)
OPENECS_JSON(MetricRule, id, version, account_id, name, metric_namespace, metric_name, resources,
             resources_text, period, level, statistics, comparison, threshold, threshold_text,
             times, webhook, contact_groups, silence_time, no_data_policy, enabled, states,
             breaches, notified, evaluated_until, creation_time, update_time)

}  // namespace openecs
