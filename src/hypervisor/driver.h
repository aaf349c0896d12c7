#pragma once
// The hypervisor driver: what the agent asks of the machine that runs guests. Platform details
// (PIDs, QMP sockets, tap names, file paths) never leave an implementation.
//
// Contract for every implementation:
// - Methods block until the operation is done (or failed) and are safe to call from several
//   threads for *different* instances; the agent serialises calls for one instance.
// - Disks, snapshots and images are storage's (storage/storage.h): a driver attaches the volume
//   Storage::Ensure hands it and makes nothing of its own; the agent asks storage for the rest.
// - Spawn defines the instance and creates its disks, leaving it powered off. If it fails it
//   cleans up completely: no process, file or record of the instance remains (disks it made
//   included).
// - PowerOff(force=false) asks the guest to shut down (ACPI) and waits up to `timeout_ms`
//   before powering off hard; force=true powers off at once.
// - PowerOn and Reboot take the instance as the server now wants it: the guest boots with its
//   current metadata (host name, password, keys, user data, VNC password). They return once
//   the virtual machine runs (the hypervisor started it), not when its OS has booted.
// - Reboot restarts the guest in place (same identity, same disks).
// - Destroy removes the instance. Its disks stay until storage collects them (`delete_disks`
//   matters only to drivers that keep disks of their own). Destroying an instance that
//   does not exist succeeds (treat not-found as done).
// - State survives a restart of the agent: List() after a restart reports the guests that
//   are still there, so the agent adopts them instead of spawning duplicates.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"
#include "storage/storage.h"

namespace openecs {

struct VmInfo {
  std::string instance_id;
  PowerState power = PowerState::kAbsent;
  int64_t boot_count = 0;
  // Shut off without anyone asking: no guest shutdown, no power-off by the driver (QEMU
  // crashed or was killed, the host went down). The server restarts such a guest.
  bool crashed = false;
};

// Cloud Assistant (issue 18): a script the guest's agent runs (qemu: qemu-guest-agent over a
// virtio-serial channel, which the built-in image ships; fake: see FakeDriver).
struct GuestCommand {
  std::string script;                   // the script's text, parameters already filled in
  std::string interpreter = "/bin/sh";  // runs `interpreter <file holding script>`
  std::string working_dir;              // "" the user's home (root: /root)
  std::string username = "root";
  int timeout_s = 60;  // killed after this long
};

struct GuestCommandResult {
  int exit_code = 0;       // the script's; -1 when it was killed (timeout, stop)
  std::string output;      // stdout then stderr, at most kGuestOutputMax bytes
  int64_t dropped = 0;     // output bytes beyond that, left out
  bool timed_out = false;  // killed at timeout_s
  bool stopped = false;    // killed because `stop` became true
};
inline constexpr size_t kGuestOutputMax = 24 * 1024;

// A file SendFile writes into a guest.
struct GuestFile {
  std::string directory;  // absolute; made if missing
  std::string name;
  std::string content;  // bytes
  std::string mode = "0644";
  std::string owner = "root";
  std::string group = "root";
  bool overwrite = false;  // false: an existing file fails the send
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string Name() const = 0;
  // The capacity of this host as the driver sees it.
  virtual HostInfo DescribeHost() const = 0;
  virtual Status Spawn(const DesiredVm& spec) = 0;
  virtual Status PowerOn(const DesiredVm& vm) = 0;
  virtual Status PowerOff(const std::string& id, bool force, int timeout_ms) = 0;
  virtual Status Reboot(const DesiredVm& vm, bool force) = 0;
  virtual Status Destroy(const std::string& id, bool delete_disks) = 0;
  // kAbsent when the instance is unknown here.
  virtual VmInfo Info(const std::string& id) = 0;
  virtual std::vector<VmInfo> List() = 0;
  // The tail of the guest's serial console ("" if none).
  virtual std::string ConsoleOutput(const std::string& id) = 0;
  // True once the running guest has shown by the driver's own means, since it was last
  // powered on, that its operating system is up (qemu: the image's boot-complete line on the
  // console; fake: at once). False says nothing: the agent also counts the guest's metadata
  // requests and DHCP (HealthStatus Ok), and never stops a guest for staying silent.
  virtual bool GuestReady(const std::string& id) = 0;
  // The URL of the running guest's VNC websocket ("" if not running).
  virtual std::string VncUrl(const std::string& id) = 0;
  // Brings a running guest's network interfaces to vm.nics: hot-plugs the missing ones (their
  // data plane first) and hot-unplugs the ones no longer wanted. Does nothing when they match
  // or the guest is not running (the next start uses vm.nics). An interface the hypervisor
  // refuses to plug is left out, named in `refused` with the reason (as for disks below).
  virtual Status SyncNics(const DesiredVm& vm, std::map<std::string, std::string>* refused) = 0;
  // Brings a running guest's disks to vm.disks: hot-plugs the missing ones (their files made
  // first), hot-unplugs the ones no longer wanted (after the guest let them go), grows the
  // ones whose size went up (the guest sees the new size) and re-throttles the ones whose I/O
  // limits (DesiredDisk iops, throughput_mbps) differ from what the hypervisor applies, at once
  // and without a pause of the disk. Does nothing when the guest is not running (the next start
  // has vm.disks).
  // A disk the hypervisor refuses to plug (its file cannot be made, QEMU rejects it) is left out
  // with whatever was taken for it given back, and named in `refused` with the reason; the other
  // disks go on. An error means the guest could not be reached or a step other than plugging
  // failed (an unplug, a resize): the caller retries the whole sync later.
  virtual Status SyncDisks(const DesiredVm& vm, std::map<std::string, std::string>* refused) = 0;
  // How a running guest's disk is copied into a snapshot (Storage::LiveCopy: the hypervisor's
  // block job into the volume storage hands it, crash-consistent while the guest writes on),
  // or null when no running guest has the disk (storage copies it itself). The agent hands it
  // to Storage::MakeSnapshot.
  virtual Storage::LiveCopy LiveCopyOf(const DesiredSnapshot& snapshot) = 0;
  // The counters of a running guest (model/agent_protocol.h GuestSample): CPU time of its
  // virtual CPUs and its disks' I/O; `nics` only from drivers that have no VPC data plane to
  // read them from (the agent reads taps and the uplink itself). NotFound when not running.
  virtual Result<GuestSample> Stats(const std::string& id) = 0;
  // Called (from a driver thread) with an instance id when its guest changed state on its own
  // (shut down from inside, crashed), so the agent can report it at once.
  virtual void SetEventHandler(std::function<void(const std::string&)> handler) = 0;

  // --- The guest's agent (Cloud Assistant) and its screen. Each call is for a running guest
  // (an error otherwise) and may run beside the agent's other calls for that guest.
  // Whether the running guest's agent answers now (qemu: a guest-ping within a second).
  virtual bool GuestAgentAlive(const std::string& id) = 0;
  // Runs a script in the guest and waits for it (up to cmd.timeout_s, then kills it), or kills
  // it as soon as `stop` becomes true. `started` is called once the guest has begun it. An error
  // means it could not be started or followed (no agent, the guest went away): the caller
  // reports the invocation failed with the message.
  virtual Result<GuestCommandResult> RunGuestCommand(const std::string& id, const GuestCommand& cmd,
                                                     const std::atomic<bool>& stop,
                                                     const std::function<void()>& started) = 0;
  // Writes a file into the guest (directory made, mode/owner/group set).
  virtual Status WriteGuestFile(const std::string& id, const GuestFile& file) = 0;
  // The guest's screen now, as a PNG file's bytes (qemu: QMP screendump).
  virtual Result<std::string> Screenshot(const std::string& id) = 0;
  // A non-maskable interrupt to every vCPU (qemu: QMP inject-nmi): a Linux guest set to panic on
  // NMI crashes and dumps (SendDiagnosticInterrupt).
  virtual Status DiagnosticInterrupt(const std::string& id) = 0;
  // A connected stream (a socket descriptor the caller owns and closes) into the running guest:
  //   kShell   Session Manager: the guest's session console, where the guest keeps a root shell
  //            (qemu: the virtconsole org.openecs.session.0, /dev/hvc0 in the guest, through
  //            <instance dir>/session.sock). One stream at a time: a second one waits until the
  //            first is closed.
  //   kScreen  the web console's VNC viewer: the guest's screen as an RFB (VNC) server that asks
  //            for no password (security type None), for a caller who authenticated the user
  //            itself (qemu: a second VNC display on <instance dir>/vnc-console.sock, a socket
  //            only root on the host can open; the password-protected one stays for
  //            DescribeInstanceVncUrl). Several streams at once (viewers share the screen).
  // An error if the guest is not running or has no such device (started by an older OpenECS).
  enum class GuestStream { kShell, kScreen };
  virtual Result<int> OpenGuestStream(const std::string& id, GuestStream kind) = 0;
};

}  // namespace openecs
