// QemuDriver: the guest's agent (qemu-guest-agent) and screen. See qemu_driver.h.
//
// The agent's channel (<dir>/qga.sock) serves one client at a time, so every conversation holds
// <dir>/qga.lock (flock: it also keeps out other processes, and a crashed holder lets go). A
// conversation is short: RunGuestCommand connects once to start the script and once per poll,
// so a long script never keeps GuestAgentAlive or a file transfer waiting.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "hypervisor/qemu/guest_agent.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "hypervisor/qemu/qmp.h"
#include "sys/files.h"

namespace openecs {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

Error Fail(const std::string& what) { return MakeError(ErrorCode::kInternalError, what); }

// guest-exec-status interval of RunGuestCommand: from 20 ms (a quick command answers in about
// 60 ms under TCG), doubling up to 200 ms.
constexpr int kFirstPollMs = 20, kPollMs = 200;
constexpr int kHelperTimeoutMs = 15000;   // a helper command (mkdir, chmod, kill) in the guest
constexpr size_t kFileChunk = 48 * 1024;  // guest-file-write buffers are limited

// Exclusive use of one guest's agent channel: the flock on <dir>/qga.lock, waited for until the
// deadline; released when destroyed (closing the file).
class ChannelLock {
 public:
  ~ChannelLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Acquire(const std::string& path, int64_t deadline_ms) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Fail("guest agent: cannot open " + path);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (SteadyMillis() >= deadline_ms) return Fail("guest agent: busy with another request");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Ok();
  }

 private:
  int fd_ = -1;
};

// One conversation with the guest's agent: lock, connect (and resync), `fn`, close.
Status Talk(const std::string& dir, int timeout_ms,
            const std::function<Status(GuestAgentClient&)>& fn) {
  int64_t deadline = SteadyMillis() + timeout_ms;
  ChannelLock lock;
  OPENECS_RETURN_IF_ERROR(lock.Acquire(dir + "/qga.lock", deadline));
  GuestAgentClient qga;
  OPENECS_RETURN_IF_ERROR(qga.Connect(
      dir + "/qga.sock", static_cast<int>(std::max<int64_t>(deadline - SteadyMillis(), 1))));
  return fn(qga);
}

// guest-exec: starts argv[0] with the rest as arguments, output captured; returns the pid.
Result<int64_t> Exec(GuestAgentClient& qga, const std::vector<std::string>& argv) {
  json args = {{"path", argv.at(0)},
               {"arg", std::vector<std::string>(argv.begin() + 1, argv.end())},
               {"capture-output", true}};
  OPENECS_ASSIGN_OR_RETURN(json r, qga.Execute("guest-exec", args));
  if (!r.is_object() || !r.contains("pid")) return Fail("guest agent: guest-exec gave no pid");
  return r["pid"].get<int64_t>();
}

std::string Decoded(const json& status, const char* key) {
  if (!status.contains(key) || !status[key].is_string()) return "";
  return Base64Decode(status[key].get<std::string>()).value_or("");
}

struct Finished {
  int exit_code = 0;
  std::string out, err;
};

// Runs a short helper command in the guest and waits for it, in one conversation.
Result<Finished> RunHelper(GuestAgentClient& qga, const std::vector<std::string>& argv) {
  OPENECS_ASSIGN_OR_RETURN(int64_t pid, Exec(qga, argv));
  int64_t deadline = SteadyMillis() + kHelperTimeoutMs;
  while (true) {
    OPENECS_ASSIGN_OR_RETURN(json st, qga.Execute("guest-exec-status", {{"pid", pid}}));
    if (st.value("exited", false)) {
      Finished f;
      f.exit_code =
          st.contains("exitcode") ? st["exitcode"].get<int>() : 128 + st.value("signal", 0);
      f.out = Decoded(st, "out-data");
      f.err = Decoded(st, "err-data");
      return f;
    }
    if (SteadyMillis() > deadline) return Fail("guest agent: `" + argv.back() + "` did not finish");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The script's wrapper, run as `/bin/sh -c W openecs-cmd W STAGE FILE INTERPRETER DIR USER`.
// Stage 1 re-executes itself under setsid, so the script and everything it starts form one
// process group that a stop or timeout kills as a whole (qemu-ga's children are not group
// leaders, so setsid makes the wrapper itself the leader, keeping the pid qemu-ga follows).
// Stage 2 finds the user's home, goes to the working directory, runs the interpreter on the
// file (through su for other users) and removes the file.
constexpr const char* kWrapper = R"(w=$1; stage=$2; shift 2
if [ "$stage" = 1 ] && command -v setsid >/dev/null 2>&1; then
  exec setsid /bin/sh -c "$w" openecs-cmd "$w" 2 "$@"
fi
f=$1; interp=$2; dir=$3; user=$4
home=
while IFS=: read -r n _ _ _ _ h _; do
  [ "$n" = "$user" ] && { home=${h:-/}; break; }
done </etc/passwd
if [ -z "$home" ]; then
  echo "openecs: no user $user in this guest" >&2; rm -f "$f"; exit 1
fi
[ -n "$dir" ] || dir=$home
if [ "$user" = root ]; then
  export HOME=$home
  cd "$dir" && "$interp" "$f"
else
  chown "$user" "$f"
  su -s /bin/sh "$user" -c 'export HOME=$1; cd "$2" && exec "$3" "$4"' openecs-cmd "$home" "$dir" "$interp" "$f"
fi
rc=$?
rm -f "$f"
exit $rc)";

Status CheckPath(const std::string& p, const std::string& what) {
  if (p.empty() || p[0] != '/') return Fail(what + " must be an absolute path: " + p);
  if (p.find('\0') != std::string::npos) return Fail(what + " holds a NUL byte");
  return Ok();
}

// Writes `content` into a new file at `path` through guest-file-open/write/close.
Status WriteThroughAgent(GuestAgentClient& qga, const std::string& path,
                         const std::string& content) {
  OPENECS_ASSIGN_OR_RETURN(json handle,
                           qga.Execute("guest-file-open", {{"path", path}, {"mode", "w"}}));
  Status st = Ok();
  for (size_t off = 0; st.ok() && off < content.size(); off += kFileChunk) {
    std::string_view chunk = std::string_view(content).substr(off, kFileChunk);
    auto w = qga.Execute("guest-file-write", {{"handle", handle}, {"buf-b64", Base64Encode(chunk)}},
                         15000);
    if (!w.ok()) st = w.error();
  }
  if (qga.connected()) {
    auto closed = qga.Execute("guest-file-close", {{"handle", handle}});
    if (st.ok() && !closed.ok()) st = closed.error();
  }
  return st;
}

}  // namespace

bool QemuDriver::GuestAgentAlive(const std::string& id) {
  if (!Pid(id)) return false;
  return Talk(Dir(id), 1000,
              [](GuestAgentClient& qga) -> Status {
                return qga.Execute("guest-ping", nullptr, 500).ok() ? Ok() : Fail("no ping");
              })
      .ok();
}

Result<GuestCommandResult> QemuDriver::RunGuestCommand(const std::string& id,
                                                       const GuestCommand& cmd,
                                                       const std::atomic<bool>& stop,
                                                       const std::function<void()>& started) {
  if (!Pid(id)) return Fail("the instance is not running");
  std::string dir = Dir(id);
  std::string file = "/tmp/" + NewId("openecs-cmd") + ".sh";
  std::string user = cmd.username.empty() ? "root" : cmd.username;
  int64_t pid = 0;
  OPENECS_RETURN_IF_ERROR(Talk(dir, 10000, [&](GuestAgentClient& qga) -> Status {
    OPENECS_RETURN_IF_ERROR(WriteThroughAgent(qga, file, cmd.script));
    auto p =
        Exec(qga, {"/bin/sh", "-c", kWrapper, "openecs-cmd", kWrapper, "1", file,
                   cmd.interpreter.empty() ? "/bin/sh" : cmd.interpreter, cmd.working_dir, user});
    if (!p.ok()) return p.error();
    pid = *p;
    return Ok();
  }));
  if (started) started();

  GuestCommandResult result;
  int64_t deadline = SteadyMillis() + int64_t{std::max(1, cmd.timeout_s)} * 1000;
  bool killed = false;
  int64_t kill_deadline = 0;
  int failures = 0;
  int interval = kFirstPollMs;
  while (true) {
    json st;
    Status polled = Talk(dir, 5000, [&](GuestAgentClient& qga) -> Status {
      OPENECS_ASSIGN_OR_RETURN(st, qga.Execute("guest-exec-status", {{"pid", pid}}));
      return Ok();
    });
    if (!polled.ok()) {
      // One lost poll (the agent restarting, a busy guest) is not the end; several are.
      if (++failures >= 5 || !Pid(id)) return Fail("lost the command: " + polled.error().message);
    } else {
      failures = 0;
      if (st.value("exited", false)) {
        if (killed)
          result.exit_code = -1;
        else if (st.contains("exitcode"))
          result.exit_code = st["exitcode"].get<int>();
        else
          result.exit_code = 128 + st.value("signal", 0);
        std::string out = Decoded(st, "out-data") + Decoded(st, "err-data");
        if (out.size() > kGuestOutputMax) {
          result.dropped = static_cast<int64_t>(out.size() - kGuestOutputMax);
          out.resize(kGuestOutputMax);
        }
        result.output = std::move(out);
        return result;
      }
    }
    if (!killed && (stop.load() || SteadyMillis() >= deadline)) {
      result.stopped = stop.load();
      result.timed_out = !result.stopped;
      // The whole process group (the wrapper leads it, kWrapper), then the wrapper itself in
      // case setsid was missing; the file goes with it.
      std::string p = std::to_string(pid);
      std::string kill = "kill -9 -- -" + p + " 2>/dev/null; kill -9 " + p + "; rm -f " + file;
      Status k = Talk(dir, 5000, [&](GuestAgentClient& qga) -> Status {
        auto killer = Exec(qga, {"/bin/sh", "-c", kill});
        if (!killer.ok()) return killer.error();
        return Ok();
      });
      if (!k.ok()) return Fail("could not stop the command: " + k.error().message);
      killed = true;
      kill_deadline = SteadyMillis() + 10000;
    }
    if (killed && SteadyMillis() > kill_deadline) {
      // Killed, but its output pipes stay open (a child that left the group holds them).
      result.exit_code = -1;
      return result;
    }
    // Short steps, so a stop is seen quickly.
    for (int waited = 0; waited < interval && !(stop.load() && !killed); waited += 20)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    interval = std::min(interval * 2, kPollMs);
  }
}

Status QemuDriver::WriteGuestFile(const std::string& id, const GuestFile& f) {
  if (!Pid(id)) return Fail("the instance is not running");
  OPENECS_RETURN_IF_ERROR(CheckPath(f.directory, "the target directory"));
  if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == "..")
    return Fail("invalid file name: " + f.name);
  std::string dir = f.directory;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string path = (dir == "/" ? "" : dir) + "/" + f.name;
  // Written beside the target and moved into place once whole, mode and owner set.
  std::string tmp = dir + "/." + f.name + "." + NewId("openecs") + ".tmp";
  return Talk(Dir(id), 15000, [&](GuestAgentClient& qga) -> Status {
    OPENECS_ASSIGN_OR_RETURN(
        Finished prep,
        RunHelper(qga,
                  {"/bin/sh", "-c",
                   "mkdir -p \"$1\" || exit 2; "
                   "if [ \"$3\" != 1 ] && { [ -e \"$2\" ] || [ -L \"$2\" ]; }; then exit 3; fi",
                   "openecs", dir, path, f.overwrite ? "1" : "0"}));
    if (prep.exit_code == 3) return Fail("the file " + path + " exists already in the guest");
    if (prep.exit_code != 0)
      return Fail("cannot make the directory " + dir + " in the guest: " + prep.err);
    if (Status st = WriteThroughAgent(qga, tmp, f.content); !st.ok()) {
      if (qga.connected()) (void)RunHelper(qga, {"/bin/rm", "-f", tmp});
      return Fail("cannot write " + path + " in the guest: " + st.error().message);
    }
    OPENECS_ASSIGN_OR_RETURN(
        Finished fin, RunHelper(qga, {"/bin/sh", "-c",
                                      "chmod \"$1\" \"$3\" && chown \"$2\" \"$3\" && "
                                      "mv -f \"$3\" \"$4\" || { rm -f \"$3\"; exit 1; }",
                                      "openecs", f.mode, f.owner + ":" + f.group, tmp, path}));
    if (fin.exit_code != 0)
      return Fail("cannot set the mode or owner of " + path + " in the guest: " + fin.err);
    return Ok();
  });
}

Result<std::string> QemuDriver::Screenshot(const std::string& id) {
  if (!Pid(id)) return Fail("the instance is not running");
  std::string file = Dir(id) + "/" + NewId("screen") + ".png";
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  auto r = qmp.Execute("screendump", {{"filename", file}, {"format", "png"}});
  std::string png = r.ok() ? ReadFile(file) : "";
  std::error_code ec;
  fs::remove(file, ec);
  if (!r.ok()) return r.error();
  if (png.rfind("\x89PNG", 0) != 0) return Fail("qemu: screendump gave no PNG");
  return png;
}

Status QemuDriver::DiagnosticInterrupt(const std::string& id) {
  if (!Pid(id)) return Fail("the instance is not running");
  QmpClient qmp;
  OPENECS_RETURN_IF_ERROR(qmp.Connect(Dir(id) + "/qmp.sock", 2000));
  auto r = qmp.Execute("inject-nmi");
  if (!r.ok()) return r.error();
  return Ok();
}

Result<int> QemuDriver::OpenGuestStream(const std::string& id, GuestStream kind) {
  if (!Pid(id)) return Fail("the instance is not running");
  bool shell = kind == GuestStream::kShell;
  std::string path = Dir(id) + (shell ? "/session.sock" : "/vnc-console.sock");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return Fail("session socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail("cannot make a socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    ::close(fd);
    // A guest started before these devices existed has no socket: it needs a restart.
    return Fail(
        std::string(shell ? "the guest has no session console (" : "no console VNC display (") +
        std::strerror(e) + "); restart the instance to add one");
  }
  return fd;
}

}  // namespace openecs
