#pragma once
// How a guest's network interface joins the host's networking: what the qemu driver is given
// instead of knowing the network. The VPC data plane (net/vpc_network.h) is the implementation
// (agent/vpc_nic_plug.h adapts it); a driver without one gives guests QEMU's user network.
#include <string>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

class NicPlug {
 public:
  virtual ~NicPlug() = default;
  // The name of the tap device the hypervisor creates for the interface.
  virtual std::string TapName(const std::string& eni_id) const = 0;
  // Where the guest reads its instance metadata over this network ("" if nowhere), told to
  // images booted by kernel.
  virtual std::string MetadataUrl() const = 0;
  // Takes the interface's tap (just created by the hypervisor; the guest does not see it yet)
  // into its network, with its rules and DHCP entry in force before the guest can use it.
  virtual Status Plug(const DesiredNic& nic) = 0;
};

}  // namespace openecs
