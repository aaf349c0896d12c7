#pragma once
// The instance's metadata as NoCloud files (meta-data, user-data, vendor-data): file name ->
// contents. Pure (golden-tested). The qemu driver hands them to the guest through QEMU's
// firmware configuration device as opt/org.openecs/<name> (kFwCfgPrefix), never as a disk: a
// config disk would shift the guest's data disks (/dev/vdb must be the first data disk, as on
// ECS) and cloud-init would prefer it to the metadata service. The built-in image reads them
// (image/rootfs/usr/lib/openecs/metadata.sh); stock images use the metadata service.
#include <map>
#include <string>

#include "model/agent_protocol.h"

namespace openecs {

inline constexpr const char* kFwCfgPrefix = "opt/org.openecs/";

// meta-data: instance-id, local-hostname, public-keys; user-data: the instance's UserData
// (decoded); vendor-data: a #cloud-config with the root password when one is set.
std::map<std::string, std::string> BuildNoCloud(const DesiredVm& vm);

}  // namespace openecs
