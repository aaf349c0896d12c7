// The fake hypervisor's guest streams: the Session Manager shell and the web console's VNC
// screen, emulated (see fake_driver.h).
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

#include "hypervisor/fake/fake_driver.h"

namespace openecs {
namespace {

bool Put(int fd, const std::string& s) {
  return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// The emulated shell: echoes what is typed as a terminal does, answers a line when Enter comes.
void EmulatedShell(int fd, std::string hostname) {
  std::string line;
  bool ok = Put(fd, "# ");
  char buf[4096];
  while (ok) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && ok; ++i) {
      char ch = buf[i];
      if (ch == '\n' && !line.empty() && line.back() == '\r') continue;
      if (ch != '\r' && ch != '\n') {
        if (ch == 0x7f || ch == '\b') {
          if (!line.empty()) line.pop_back();
          ok = Put(fd, "\b \b");
        } else if (ch == 0x03) {  // Ctrl-C
          line.clear();
          ok = Put(fd, "^C\r\n# ");
        } else {
          line.push_back(ch);
          ok = Put(fd, std::string(1, ch));
        }
        continue;
      }
      std::string out = "\r\n";
      if (line == "exit") {
        (void)Put(fd, out);
        ok = false;
        break;
      }
      if (line.rfind("echo ", 0) == 0)
        out += line.substr(5) + "\r\n";
      else if (line == "hostname")
        out += hostname + "\r\n";
      else if (!line.empty())
        out += "sh: " + line.substr(0, line.find(' ')) + ": not found (emulated shell)\r\n";
      line.clear();
      ok = Put(fd, out + "# ");
    }
  }
  ::close(fd);
}

// Reads exactly n bytes (false on EOF or error).
bool Take(int fd, size_t n, std::string* out) {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, out->data() + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

std::string U16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string U32(uint32_t v) { return U16(static_cast<uint16_t>(v >> 16)) + U16(v & 0xffff); }

// The emulated screen: RFB 3.8 (RFC 6143) with security None, 640x400, 32 bits per pixel.
void EmulatedScreen(int fd, std::string id) {
  constexpr uint16_t kWidth = 640, kHeight = 400;
  std::string in;
  bool ok = Put(fd, "RFB 003.008\n") && Take(fd, 12, &in) &&  // the client's version
            Put(fd, std::string("\x01\x01", 2)) &&            // one security type: None
            Take(fd, 1, &in) && Put(fd, U32(0)) &&            // its choice; SecurityResult OK
            Take(fd, 1, &in);                                 // ClientInit (shared flag)
  std::string name = "OpenECS emulator " + id;
  // ServerInit: size, pixel format (32 bpp, depth 24, little endian, true colour, 8-8-8 at
  // shifts 16, 8, 0), name.
  std::string format = std::string("\x20\x18\x00\x01", 4) + U16(255) + U16(255) + U16(255) +
                       std::string("\x10\x08\x00\x00\x00\x00", 6);
  ok = ok && Put(fd, U16(kWidth) + U16(kHeight) + format + U32(name.size()) + name);
  // Client messages: SetPixelFormat (0, 20 bytes), SetEncodings (2, 4 + 4n), update requests
  // (3, 10), KeyEvent (4, 8), PointerEvent (5, 6), ClientCutText (6, 8 + n).
  while (ok && Take(fd, 1, &in)) {
    switch (static_cast<uint8_t>(in[0])) {
      case 0:
        ok = Take(fd, 19, &in);
        break;
      case 2: {
        ok = Take(fd, 3, &in);
        size_t n = (static_cast<uint8_t>(in[1]) << 8) | static_cast<uint8_t>(in[2]);
        ok = ok && Take(fd, 4 * n, &in);
        break;
      }
      case 3:
        // A full request gets one RRE rectangle (encoding 2) covering the screen: no
        // subrectangles, a dark blue. An incremental one gets nothing: the screen never changes
        // (answering those would loop with the client as fast as both can go).
        ok = Take(fd, 9, &in);
        if (ok && in[0] == 0)
          ok = Put(fd, std::string("\x00\x00", 2) + U16(1) + U16(0) + U16(0) + U16(kWidth) +
                           U16(kHeight) + U32(2) + U32(0) + std::string("\x60\x30\x10\x00", 4));
        break;
      case 4:
        ok = Take(fd, 7, &in);
        break;
      case 5:
        ok = Take(fd, 5, &in);
        break;
      case 6: {
        ok = Take(fd, 7, &in);
        uint32_t n = 0;
        for (int i = 3; i < 7 && ok; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
        ok = ok && n <= (1u << 20) && Take(fd, n, &in);
        break;
      }
      default:
        ok = false;
    }
  }
  ::close(fd);
}

}  // namespace

Result<int> FakeDriver::OpenGuestStream(const std::string& id, GuestStream kind) {
  if (Info(id).power != PowerState::kRunning)
    return MakeError(ErrorCode::kIncorrectInstanceStatus,
                     "fake hypervisor: no running guest " + id);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return MakeError(ErrorCode::kInternalError, "socketpair failed");
  if (kind == GuestStream::kShell)
    std::thread(EmulatedShell, fds[1], id).detach();
  else
    std::thread(EmulatedScreen, fds[1], id).detach();
  return fds[0];
}

}  // namespace openecs
