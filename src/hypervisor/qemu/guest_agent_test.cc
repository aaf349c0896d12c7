#include "hypervisor/qemu/guest_agent.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

namespace openecs {
namespace {

// A stand-in for QEMU's chardev socket with an agent behind it: accepts one client and hands
// the connected fd to `serve`.
class FakeChannel {
 public:
  explicit FakeChannel(std::function<void(int)> serve) {
    path_ = std::filesystem::temp_directory_path() /
            ("qga-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove(path_);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    thread_ = std::thread([this, serve] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      serve(fd);
      ::close(fd);
    });
  }
  ~FakeChannel() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
    std::filesystem::remove(path_);
  }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
  int listen_fd_ = -1;
  std::thread thread_;
};

// Reads one request line (skipping 0xFF bytes) from the client.
std::string ReadRequest(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n')
    if (c != '\xff') line += c;
  return line;
}

void Write(int fd, const std::string& s) { (void)!::write(fd, s.data(), s.size()); }

int64_t SyncId(const std::string& request) {
  auto j = nlohmann::json::parse(request);
  EXPECT_EQ(j["execute"], "guest-sync-delimited");
  return j["arguments"]["id"].get<int64_t>();
}

TEST(GuestAgentClient, ResyncSkipsStaleRepliesThenExecutes) {
  FakeChannel channel([](int fd) {
    int64_t id = SyncId(ReadRequest(fd));
    // What an earlier client left in the pipe: a late reply and an old sync answer.
    Write(fd, "{\"return\": {\"pid\": 1}}\n\xff{\"return\": 12345}\n");
    Write(fd, "\xff{\"return\": " + std::to_string(id) + "}\n");
    auto req = nlohmann::json::parse(ReadRequest(fd));
    EXPECT_EQ(req["execute"], "guest-exec");
    EXPECT_EQ(req["arguments"]["path"], "/bin/true");
    Write(fd, "{\"return\": {\"pid\": 42}}\n");
    ReadRequest(fd);
    Write(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such pid\"}}\n");
  });
  GuestAgentClient qga;
  ASSERT_TRUE(qga.Connect(channel.path(), 2000).ok());
  auto r = qga.Execute("guest-exec", {{"path", "/bin/true"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["pid"], 42);
  auto e = qga.Execute("guest-exec-status", {{"pid", 7}});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("no such pid"), std::string::npos);
  EXPECT_TRUE(qga.connected()) << "an error reply keeps the connection";
}

TEST(GuestAgentClient, SilentGuestTimesOut) {
  FakeChannel channel([](int fd) {
    ReadRequest(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
  });
  GuestAgentClient qga;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(qga.Connect(channel.path(), 300).ok());
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(ms, 550);
  EXPECT_FALSE(qga.connected());
}

TEST(GuestAgentClient, NoSocketFailsAtOnce) {
  GuestAgentClient qga;
  EXPECT_FALSE(qga.Connect("/nonexistent/qga.sock", 1000).ok());
}

}  // namespace
}  // namespace openecs
