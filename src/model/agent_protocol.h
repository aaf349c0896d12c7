#pragma once
// The agent protocol: what a host agent and the server say to each other. The agent always
// opens the conversation: it registers its host, pulls the desired state of the instances
// placed on it (long-poll on a revision number), and reports what it observes. `ecsd dev`'s
// embedded agent uses exactly these messages (through LocalAgentChannel); a remote agent
// carries the same messages over HTTP/JSON (agent/http_channel.h, api/agent_endpoint.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/instance_state.h"

namespace openecs {

struct HostInfo {
  std::string name;
  std::string zone_id;
  int vcpus = 0;
  int64_t memory_mb = 0;
  int64_t disk_gib = 0;
  int gpus = 0;
  std::string gpu_spec;
  bool kvm = false;
  std::string driver;           // fake | qemu
  bool vpc_data_plane = false;  // builds VPC networks: wants each guest's interfaces (nics)
  // The address other hosts send this host's VPC traffic to (VXLAN); "" if it has none, and
  // then its VPCs stay on this host.
  std::string underlay_ip;
  // Where its cloud disks live when other hosts can open them too (Storage::SharedId: an RBD
  // pool, "rbd:<cluster fsid>/<pool>"); "" for its own files. Hosts with the same value share
  // disks: an instance whose disks are all there may start on any of them.
  std::string storage;
};

// One disk of an instance, from its host's disk pool. The system disk comes first. A disk
// that grows (ResizeDisk) is grown in place, online if the guest runs.
struct DesiredDisk {
  std::string disk_id;
  std::string type;  // system | data
  std::string category;
  int size_gib = 0;
  std::string image_id;  // system disks: the image whose base the disk is an overlay on
  bool delete_with_instance = true;
  int iops = 0;             // the category's limit for this size (0: none)
  int throughput_mbps = 0;  // MB/s (0: none)
  // A data disk made from a snapshot (RunInstances DataDisk.N.SnapshotId): its first file is a
  // copy of the snapshot, used only if the snapshot's sha256 is this.
  std::string snapshot_id;
  std::string snapshot_checksum;
};

// One security group rule as the data plane applies it: the server has already merged the
// ENI's groups, expanded source/destination groups into addresses, and ordered the rules
// (priority 1 first; at equal priority drop before accept), so the host applies them in order.
struct DesiredRule {
  bool ingress = true;
  std::string protocol = "all";      // tcp | udp | icmp | all
  int port_from = -1, port_to = -1;  // -1/-1: every port
  std::vector<std::string> peers;    // CIDRs of the other side; empty: anyone
  bool accept = true;
  int priority = 1;
};

// One network interface of an instance: its place in a VPC and its security rules. Ingress
// that no rule accepts is dropped; egress that no rule drops is accepted; replies to allowed
// connections always pass (stateful).
struct DesiredNic {
  std::string eni_id;
  std::string mac;
  std::string ip;
  std::vector<std::string> secondary_ips;  // routed to this ENI; it may send from them too
  std::string vpc_id;
  int vni = 0;  // the VPC's VXLAN segment between hosts
  std::string vswitch_id;
  std::string cidr;     // the vSwitch's block, "10.1.1.0/24"
  std::string gateway;  // the vSwitch's gateway address (its third-last address)
  std::string host_name;
  std::string public_ip;       // 1:1 NAT on the VPC's uplink; "" if none
  std::string public_cidr;     // the public pool (its first address is the host's side)
  int bandwidth_out_mbps = 0;  // public traffic leaving the instance, Mbit/s (0: unlimited)
  int bandwidth_in_mbps = 0;   // public traffic reaching the instance, Mbit/s (0: unlimited)
  std::vector<DesiredRule> rules;
  // Destinations the VPC's custom route entries send to this interface (CIDRs): routed to `ip`
  // in the VPC's router on every host, and it may send from them (the replies it forwards).
  std::vector<std::string> routed_cidrs;
};

// One instance as the server wants it on this host.
struct DesiredVm {
  std::string instance_id;
  std::string instance_name;
  std::string instance_type;
  std::string region_id;
  std::string zone_id;
  DesiredPower desired = DesiredPower::kStopped;
  bool force_stop = false;
  int64_t reboot_seq = 0;
  PowerState observed = PowerState::kUnknown;  // what the server last heard from the host
  int cpu = 0;
  int memory_mb = 0;
  std::string image_id;
  std::string host_name;
  std::string user_data;  // Base64
  std::string password;
  std::string vnc_password;
  std::string key_pair_name;
  std::string public_key;
  std::string private_ip;
  // The metadata service: whether it answers this guest, and whether it wants a token.
  bool metadata_enabled = true;
  bool metadata_tokens_required = false;
  // HttpPutResponseHopLimit: the IP TTL of the token (PUT) answer, so a token cannot reach a
  // process more routers away than this (a container behind the guest's NAT, with 1).
  int metadata_hop_limit = 1;
  std::vector<DesiredDisk> disks;
  std::vector<DesiredNic> nics;  // nics[0] is the primary interface
  // The instance's RAM role ("" none): the metadata service lists it and fetches its
  // credentials from the server when the guest asks (AgentChannel::RoleCredentials).
  std::string ram_role_name;
  // A spot instance's reclaim notice: when it is stopped or released (ISO 8601 UTC, "" none);
  // the metadata service answers it at meta-data/instance/spot/termination-time.
  std::string spot_termination_time;
};

// A private address, in a VPC this host has interfaces in, of an interface placed on another
// host: the host routes it over the VPC's VXLAN segment to that host's underlay address.
struct RemoteAddress {
  std::string vpc_id;
  int vni = 0;
  std::string ip;
  std::string underlay_ip;                // of the host the interface is on
  std::vector<std::string> routed_cidrs;  // custom routes with this (primary) address as next hop
};

// A snapshot the host is to make, of one of its disks (while it is progressing). The host
// copies the disk as it is when the work starts: through QEMU (a crash-consistent backup job)
// if a running guest has it, from the file otherwise.
struct DesiredSnapshot {
  std::string snapshot_id;
  std::string disk_id;
  std::string instance_id;  // the instance the disk is attached to ("" if none)
};

// Progress or outcome of a snapshot, as the host reports it.
struct SnapshotReport {
  std::string snapshot_id;
  int progress = 0;  // percent
  bool done = false;
  bool failed = false;
  std::string error;
  std::string checksum;  // sha256 of the file (done)
  int64_t size_bytes = 0;
};

// A disk whose file this host is to make anew from a source, replacing what the file holds:
// CreateDisk from a snapshot, ResetDisk (a snapshot of the disk), ReInitDisk (the snapshot the
// disk was made from, else the image for a system disk, else empty). A snapshot is used only
// if its file's sha256 is `snapshot_checksum`; otherwise the build fails and the disk's file
// is left as it was.
struct DesiredDiskBuild {
  std::string disk_id;
  int64_t generation = 0;  // reported back, so a late report of an older build is ignored
  std::string snapshot_id;
  std::string snapshot_checksum;
  std::string image_id;  // no snapshot, system disk: an overlay on this image's base
  int size_gib = 0;
};

// The outcome of a disk build.
struct DiskBuildReport {
  std::string disk_id;
  int64_t generation = 0;
  bool failed = false;
  std::string error;
};

// An image this host is to make in its image store: from a snapshot (checked against its
// sha256) with the boot files of `boot_image_id`, or imported from a URL or a path (converted
// from `source_format` to qcow2).
struct DesiredImageBuild {
  std::string image_id;
  std::string snapshot_id;
  std::string snapshot_checksum;
  std::string boot_image_id;
  std::string source_url;
  std::string source_format;
  std::string os_name;
};

// An image the host is to write into its exchange directory as <object> (ExportImage).
struct DesiredImageExport {
  std::string image_id;
  std::string task_id;
  std::string object;  // "<bucket>/<prefix><image-id>.<format>"
  std::string format;  // raw | qcow2 | vmdk | vhd
};

struct ImageExportReport {
  std::string image_id;
  std::string task_id;
  bool failed = false;
  std::string error;
};

// Progress or outcome of an image build.
struct ImageReport {
  std::string image_id;
  int progress = 0;
  bool done = false;
  bool failed = false;
  std::string error;
  int64_t size_bytes = 0;  // the image file's
  int size_gib = 0;        // its virtual size, rounded up
  std::string storage;     // the shared storage it was made in (Storage::SharedId), "": the host
};

// Cloud Assistant (issue 18): a command to run, or a file to write, in one guest on this host,
// through its agent (Driver::RunGuestCommand / WriteGuestFile). Listed while the server has it
// Pending or Running there; `stop` asks the host to kill it.
struct DesiredInvocation {
  std::string invoke_id;
  std::string instance_id;
  std::string kind = "command";  // command | file
  std::string script;            // command: the text the guest runs
  std::string working_dir;
  std::string username = "root";
  int timeout_s = 60;
  bool started = false;  // the server has it Running (a host began it)
  bool stop = false;
  // file
  std::string directory, name, content, mode, owner, group;
  bool overwrite = false;
};

// Progress or outcome of an invocation on one guest.
struct InvocationReport {
  std::string invoke_id;
  std::string instance_id;
  std::string state;  // running | done | failed (the host could not run it: `error`)
  int exit_code = 0;
  std::string output;
  int64_t dropped = 0;
  bool timed_out = false;
  bool stopped = false;
  std::string error;
  bool agent_down = false;  // failed because the guest's agent does not answer
};

// A one-shot request about a running guest on this host: screenshot | nmi.
struct DesiredGuestRequest {
  std::string request_id;
  std::string instance_id;
  std::string kind;
};

struct GuestRequestReport {
  std::string request_id;
  bool failed = false;
  std::string error;
  std::string result;  // screenshot: PNG, Base64
};

// Session Manager: a session whose guest end this host should open (Driver::OpenGuestStream)
// and hand to the server (AgentChannel::AttachSession). Listed while the session is Pending or
// Connected; the server closes the stream when the session ends.
// The Upgrade token of a session stream from a remote agent (api/agent_endpoint.h).
inline constexpr const char* kSessionUpgrade = "openecs-session";

struct DesiredSession {
  std::string session_id;
  std::string instance_id;
  std::string kind = "shell";  // shell | screen (Driver::GuestStream)
};

struct DesiredState {
  int64_t revision = 0;
  bool changed = true;  // false: nothing changed since the caller's revision; `vms` is empty
  std::vector<DesiredVm> vms;
  std::vector<RemoteAddress> remote;  // sorted by VPC, then address
  // Every disk that may have a file in this host's pool (its own, and disks no host has
  // claimed yet): a pool file of any other disk belongs to a deleted disk and is erased.
  std::vector<std::string> pool_disks;
  std::vector<DesiredSnapshot> snapshots;   // to make (progressing on this host)
  std::vector<std::string> kept_snapshots;  // every snapshot whose file this host keeps
  std::vector<DesiredDiskBuild> disk_builds;
  std::vector<DesiredImageBuild> image_builds;
  std::vector<DesiredImageExport> image_exports;
  // Custom images whose files this host keeps (its own, and those disks here are overlays on).
  std::vector<std::string> kept_images;
  std::vector<DesiredInvocation> invocations;
  std::vector<DesiredGuestRequest> guest_requests;
  std::vector<DesiredSession> sessions;
  // True when pool_disks and kept_snapshots are filled in: a server from before they existed
  // sends neither, and its agents must not take that for "keep nothing".
  bool storage_listed = false;
};

// What the agent saw or did for one instance.
struct Observation {
  std::string instance_id;
  PowerState power = PowerState::kUnknown;  // kUnknown: no power news (a console update)
  int64_t reboot_seq_done = 0;
  bool failed = false;    // the last operation failed; `error` says why
  std::string operation;  // spawn | power_on | power_off | reboot | destroy
  std::string error;
  // The guest's operating system has shown it is up since it was last powered on (the image's
  // boot line, a metadata request, a DHCP request): HealthStatus Ok.
  bool guest_ready = false;
  // power is kShutoff and nobody asked for it (Driver VmInfo::crashed): the server restarts it.
  bool crashed = false;
  std::optional<std::string> console;  // the tail of the serial console, when it changed
  std::optional<std::string> vnc_url;  // the guest's VNC websocket, when running
  // The disks the running guest has (after a hot-plug or unplug), by id.
  std::optional<std::vector<std::string>> disks;
  // Disks the host refused to plug into the running guest, with the reason: not in `disks`.
  std::map<std::string, std::string> disks_refused;
  // Network interfaces (ENI ids) the host refused to plug into the running guest.
  std::map<std::string, std::string> nics_refused;
  // A snapshot's progress (instance_id may then be "": the disk need not be attached).
  std::optional<SnapshotReport> snapshot;
  std::optional<DiskBuildReport> disk_build;  // instance_id may be ""
  std::optional<ImageReport> image;           // instance_id ""
  std::optional<ImageExportReport> image_export;
  std::optional<InvocationReport> invocation;
  std::optional<GuestRequestReport> guest_request;  // instance_id ""
};

// Monitoring (issue 18): what a host reads of its running guests, every few seconds. Every
// number is a counter that only grows while its source lives (a QEMU process, a tap, a nft
// counter); the server takes differences between two samples of a guest, and a counter that went
// down started again (its new value is what it counted since).
struct DiskIo {
  int64_t read_bytes = 0, write_bytes = 0;
  int64_t read_ops = 0, write_ops = 0;
  int64_t read_ns = 0, write_ns = 0;  // time the requests took in all (latency = ns / ops)
};

// One network interface, as its guest sees it (rx: received by the guest). `public_*` is the
// part of it that crossed the VPC's uplink with the interface's public address (counted at the
// uplink, so it is also in rx/tx): private traffic is the difference.
struct NicIo {
  int64_t rx_bytes = 0, tx_bytes = 0;
  int64_t rx_packets = 0, tx_packets = 0;
  int64_t rx_dropped = 0, tx_dropped = 0;
  std::string public_ip;  // "" when it has none (then the public counters are 0)
  int64_t public_rx_bytes = 0, public_tx_bytes = 0;
  int64_t public_rx_packets = 0, public_tx_packets = 0;
};

struct GuestSample {
  std::string instance_id;
  int64_t at_ms = 0;  // the host's clock when read; only differences between samples matter
  int vcpus = 0;
  int64_t cpu_ns = 0;                   // CPU time the guest's virtual CPUs used
  std::map<std::string, DiskIo> disks;  // by disk id
  std::map<std::string, NicIo> nics;    // by ENI id
  // Cloud Assistant's heartbeat: whether the guest's agent answered when sampled (-1: not asked).
  int guest_agent = -1;
};

// Temporary credentials of an instance's RAM role, as the metadata service hands them to the
// guest (meta-data/ram/security-credentials/<role>). Issued by the server (STS) on request.
struct RoleCredentials {
  std::string role_name;
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;
  int64_t expiration = 0;    // epoch seconds
  int64_t last_updated = 0;  // when issued
};

// Implemented by the server side; called by agents. Thread-safe.
class AgentChannel {
 public:
  virtual ~AgentChannel() = default;
  // Registers (or re-registers) a host; returns its id. Same name -> same id.
  virtual Result<std::string> Register(const HostInfo& host) = 0;
  // Returns the desired state once the revision exceeds `since`; after `wait_ms` without a
  // change returns {revision, changed=false} and no instances. since=0 always answers in full.
  virtual Result<DesiredState> Pull(const std::string& host_id, int64_t since, int wait_ms) = 0;
  // A state Pull answered, given back once the agent is done with it: a channel that holds the
  // state a host has (HttpAgentChannel) answers the next pull that changes nothing with it, not
  // with a copy or a new read. By default it is dropped.
  virtual void GiveBack(const std::string& host_id, DesiredState used) {}
  // Ends the host's pull that is waiting for news now (answered as unchanged): the agent is
  // stopping and its long-poll may wait seconds more. Best effort, nothing to report; a pull
  // that begins after it waits as usual. By default nothing is done.
  virtual void Interrupt(const std::string& host_id) {}
  virtual Status Report(const std::string& host_id, const std::vector<Observation>& obs) = 0;
  // Samples of the host's running guests (monitoring); the server keeps what it can use and
  // ignores guests it does not place on this host. Taken by value: the server keeps each
  // guest's sample until its next one.
  virtual Status ReportMetrics(const std::string& host_id, std::vector<GuestSample> samples) = 0;
  // Credentials of the RAM role of `instance_id`, which must be placed on `host_id` and have a
  // role (NotFound otherwise: a host learns only its own guests' credentials).
  virtual Result<RoleCredentials> RoleCredentialsOf(const std::string& host_id,
                                                    const std::string& instance_id) = 0;
  // Session Manager: hands the server `fd`, a connected stream to the guest's session console
  // for session `session_id` (listed in this host's DesiredState::sessions). The channel owns
  // `fd` from the call on, on success or failure: it closes it when the session ends (the server
  // closes its end) or when the attach fails. Returns once the stream is handed over (the bytes
  // flow on another thread). Channels without sessions close `fd` and fail.
  virtual Status AttachSession(const std::string& host_id, const std::string& session_id, int fd);
};

}  // namespace openecs
