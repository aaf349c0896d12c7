#pragma once
// An instance's HealthStatus (DescribeInstancesFullStatus), derived from its record and the
// guest agent's heartbeat, never stored. Running means the virtual machine runs; whether its
// operating system is up is this:
// - Ok once the guest showed it since its last (re)start (Instance::guest_ready: its boot line, a
//   metadata or DHCP request) or its agent answered its host since then (the heartbeat);
// - Impaired when its agent answered since the start and has not for kHeartbeatLostSeconds (a
//   hung kernel, a guest out of memory), or after kGuestSilentSeconds without any sign;
// - Initializing until then.
// Nothing is ever stopped for being Impaired. Starting is Initializing; Stopped and Stopping are
// NotApplicable.
#include <cstdint>
#include <string>

#include "model/resources.h"

namespace openecs {

// A stock cloud image under TCG on a loaded host takes minutes to reach DHCP.
inline constexpr int64_t kGuestSilentSeconds = 600;
// Hosts ask each guest's agent every sampling interval (10 s by default).
inline constexpr int64_t kHeartbeatLostSeconds = 60;

// What the host last heard from the guest's agent (Cloud::GuestAgent).
struct GuestHeartbeat {
  bool alive = false;         // it answered the last time it was asked
  int64_t last_alive_ms = 0;  // when it last answered (cloud ms; 0 never)
};

inline std::string HealthStatusOf(const Instance& i, int64_t now, GuestHeartbeat beat = {}) {
  switch (i.status) {
    case InstanceStatus::kRunning: {
      bool beat_since_boot = beat.last_alive_ms > 0 && beat.last_alive_ms >= i.boot_time * 1000;
      if (beat_since_boot && !beat.alive &&
          now * 1000 - beat.last_alive_ms >= kHeartbeatLostSeconds * 1000)
        return "Impaired";
      if (i.guest_ready || beat_since_boot) return "Ok";
      return now - i.boot_time >= kGuestSilentSeconds ? "Impaired" : "Initializing";
    }
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
