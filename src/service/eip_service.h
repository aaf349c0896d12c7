#pragma once
// Elastic IP addresses (VPC API 2016-04-28). An EIP comes from the same public pool as the
// instances' static public IPs (CloudConfig::public_cidr), is Available until associated
// with one instance (InUse), goes back to Available when unassociated or when its instance is
// released, and only an Available EIP can be released. An instance has at most one public
// address: a static public IP or one EIP.
#include <optional>
#include <string>

#include "service/cloud.h"

namespace openecs {

struct AllocateEipRequest {
  std::string account_id, region_id;
  int bandwidth = 5;  // Mbps, 1-200
  std::string internet_charge_type = "PayByTraffic";
  std::string name, description;
  Tags tags;
  std::optional<std::string> resource_group_id;  // resource_group_service.h
};

Result<EipAddress> AllocateEip(Cloud& cloud, const AllocateEipRequest& r);
Status AssociateEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                    const std::string& instance_id);
// `instance_id`, when given, must be the one the EIP is associated with.
Status UnassociateEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                      const std::string& instance_id);
Status ReleaseEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id);
Status ModifyEip(Cloud& cloud, const std::string& account_id, const std::string& allocation_id,
                 std::optional<int> bandwidth, std::optional<std::string> name,
                 std::optional<std::string> description);

Status ValidateEipBandwidth(int mbps);

}  // namespace openecs
