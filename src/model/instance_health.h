#pragma once
// An instance's HealthStatus (DescribeInstancesFullStatus), derived from its record and never
// stored. Running means the virtual machine runs; whether its operating system is up is this:
// Ok once the guest showed it since its last (re)start (Instance::guest_ready: its boot line, a
// metadata or DHCP request), Initializing until then, Impaired after kGuestSilentSeconds without
// a sign. Nothing is ever stopped for being Impaired. Starting is Initializing; Stopped and
// Stopping are NotApplicable.
#include <cstdint>
#include <string>

#include "model/resources.h"

namespace openecs {

// A stock cloud image under TCG on a loaded host takes minutes to reach DHCP.
inline constexpr int64_t kGuestSilentSeconds = 600;

inline std::string HealthStatusOf(const Instance& i, int64_t now) {
  switch (i.status) {
    case InstanceStatus::kRunning:
      if (i.guest_ready) return "Ok";
      return now - i.boot_time >= kGuestSilentSeconds ? "Impaired" : "Initializing";
    case InstanceStatus::kPending:
    case InstanceStatus::kStarting:
      return "Initializing";
    case InstanceStatus::kStopping:
    case InstanceStatus::kStopped:
      return "NotApplicable";
  }
  return "NotApplicable";
}

}  // namespace openecs
