#pragma once
// The NoCloud config drive ("cidata") the guest reads its metadata from until the metadata
// service exists: file name -> contents. Pure (golden-tested).
#include <map>
#include <string>

#include "model/agent_protocol.h"

namespace openecs {

// meta-data: instance-id, local-hostname, public-keys; user-data: the instance's UserData
// (decoded); vendor-data: a #cloud-config with the root password when one is set.
std::map<std::string, std::string> BuildNoCloud(const DesiredVm& vm);

}  // namespace openecs
