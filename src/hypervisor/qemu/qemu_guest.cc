// QemuDriver: the guest's agent (qemu-guest-agent) and screen. See qemu_driver.h.
#include "hypervisor/qemu/qemu_driver.h"

namespace openecs {

namespace {
Error NotYet() { return MakeError(ErrorCode::kInternalError, "qemu: guest agent not built yet"); }
}  // namespace

bool QemuDriver::GuestAgentAlive(const std::string&) { return false; }

Result<GuestCommandResult> QemuDriver::RunGuestCommand(const std::string&, const GuestCommand&,
                                                       const std::atomic<bool>&,
                                                       const std::function<void()>&) {
  return NotYet();
}

Status QemuDriver::WriteGuestFile(const std::string&, const GuestFile&) { return NotYet(); }

Result<std::string> QemuDriver::Screenshot(const std::string&) { return NotYet(); }

Status QemuDriver::DiagnosticInterrupt(const std::string&) { return NotYet(); }

}  // namespace openecs
