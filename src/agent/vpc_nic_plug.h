#pragma once
// The VPC data plane as the qemu driver's NicPlug (hypervisor/nic_plug.h).
#include <string>

#include "hypervisor/nic_plug.h"
#include "net/names.h"
#include "net/vpc_network.h"

namespace openecs {

class VpcNicPlug final : public NicPlug {
 public:
  explicit VpcNicPlug(VpcNetworks* network) : network_(network) {}
  std::string TapName(const std::string& eni_id) const override { return openecs::TapName(eni_id); }
  std::string MetadataUrl() const override {
    return "http://" + std::string(kMetadataAddress) + "/latest";
  }
  Status Plug(const DesiredNic& nic) override { return network_->Plug(nic); }

 private:
  VpcNetworks* network_;
};

}  // namespace openecs
