// The guest's screen and serial console (qemu_driver.h): the VNC websocket's loopback port and
// password, the boot marker (GuestReady, BootCount) and the console log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/crypto.h"
#include "common/json_dump.h"
#include "common/log.h"
#include "common/text.h"
#include "hypervisor/qemu/qemu_driver.h"
#include "hypervisor/qemu/qmp.h"
#include "sys/files.h"

namespace openecs {
using json = nlohmann::json;

namespace {

size_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

// True if nothing listens on 127.0.0.1:port (checked by binding it for a moment).
bool TcpPortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

size_t CountMarkers(const std::string& text, const std::string& marker) {
  size_t n = 0;
  for (size_t pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos + 1))
    ++n;
  return n;
}

}  // namespace

Status QemuDriver::MarkBootStart(const std::string& id, const std::string& marker) {
  std::string dir = Dir(id);
  // Where this boot's console starts, and the line that says the image's OS is up (GuestReady).
  json boot = {{"console_offset", FileSize(dir + "/console.log")}, {"marker", marker}};
  OPENECS_RETURN_IF_ERROR(WriteFileAtomic(dir + "/boot.json", DumpJson(boot)));
  std::lock_guard<std::mutex> lock(mu_);
  ready_.erase(id);
  return Ok();
}

int QemuDriver::PickVncPort(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int port = kVncPortFirst; port < kVncPortFirst + kVncPorts; ++port) {
    bool taken = false;
    for (const auto& [other, p] : vnc_ports_) taken = taken || (p == port && other != id);
    if (taken || !TcpPortFree(port)) continue;
    vnc_ports_[id] = port;
    return port;
  }
  return 0;
}

void QemuDriver::SetVncPassword(const DesiredVm& vm) {
  // Until this succeeds VNC refuses every client (password=on with no password set).
  QmpClient qmp;
  Status st = qmp.Connect(Dir(vm.instance_id) + "/qmp.sock", 2000);
  std::string pw = vm.vnc_password.empty() ? RandomAlnum(8) : vm.vnc_password;
  if (st.ok()) {
    auto r = qmp.Execute("set_password", json{{"protocol", "vnc"}, {"password", pw}});
    if (!r.ok()) st = r.error();
  }
  if (!st.ok())
    LOG_WARN("qemu: {}: cannot set the VNC password: {}", vm.instance_id, st.error().message);
}

std::string QemuDriver::VncUrl(const std::string& id) {
  if (!Pid(id)) return "";
  std::string port = ReadFile(Dir(id) + "/vnc_port");
  return port.empty() ? "" : "ws://127.0.0.1:" + port;
}

bool QemuDriver::GuestReady(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ready_.count(id)) return true;
  }
  auto boot = json::parse(ReadFile(Dir(id) + "/boot.json"), nullptr, false);
  if (boot.is_discarded() || !boot.is_object()) return false;
  std::string marker = boot.value("marker", "");
  if (marker.empty() || !Pid(id)) return false;
  std::ifstream in(Dir(id) + "/console.log", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(boot.value("console_offset", size_t{0})));
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().find(marker) == std::string::npos) return false;
  std::lock_guard<std::mutex> lock(mu_);
  ready_.insert(id);
  return true;
}

int64_t QemuDriver::BootCount(const std::string& id) const {
  return static_cast<int64_t>(
      CountMarkers(ReadFile(Dir(id) + "/console.log"), "OPENECS-BOOT-COMPLETE"));
}

std::string QemuDriver::ConsoleOutput(const std::string& id) {
  // A guest writes any bytes to its serial port: they leave here as UTF-8 text, cut at a
  // character boundary (issue 13's H2: a 0xFF once ended the remote agent's JSON encoder).
  return ValidUtf8Tail(ReadFile(Dir(id) + "/console.log"), 64 * 1024);
}

}  // namespace openecs
