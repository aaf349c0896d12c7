// HttpResponse::async (common/http_server.h): answers that come later, from another thread,
// without a thread held while they wait; many at once; and an answer that comes after the
// server stopped finds nobody, without a crash. The listener's timeouts (HttpServerLimits): a
// request that does not come whole, and an answer the client does not read, end the connection
// after their timeout and not before; the handler's own time is not counted.
#include "common/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/http_client.h"

namespace openecs {
namespace {

using Reply = std::function<void(HttpResponse)>;

class AsyncServer {
 public:
  AsyncServer() {
    auto started = HttpServer::Start(
        "127.0.0.1:0", 1,
        [this](const HttpRequest&) {
          HttpResponse r;
          r.async = [this](Reply reply) {
            std::lock_guard<std::mutex> lock(mu_);
            waiting_.push_back(std::move(reply));
          };
          return r;
        },
        1);
    EXPECT_TRUE(started.ok());
    server = std::move(*started);
  }
  size_t waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_.size();
  }
  std::vector<Reply> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(waiting_);
  }
  std::unique_ptr<HttpServer> server;

 private:
  std::mutex mu_;
  std::vector<Reply> waiting_;
};

std::future<Result<HttpClientResponse>> Call(int port) {
  return std::async(std::launch::async, [port] {
    HttpClientRequest req;
    req.endpoint = "127.0.0.1:" + std::to_string(port);
    req.timeout_ms = 10000;
    return HttpCall(req);
  });
}

void WaitFor(const std::function<bool()>& done) {
  for (int k = 0; k < 500 && !done(); ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TEST(HttpServerAsync, ManyWaitAtOnceOnOneBlockingThreadAndEachGetsItsAnswer) {
  AsyncServer s;
  std::vector<std::future<Result<HttpClientResponse>>> calls;
  for (int k = 0; k < 20; ++k) calls.push_back(Call(s.server->port()));
  WaitFor([&] { return s.waiting() == 20; });
  ASSERT_EQ(s.waiting(), 20u) << "twenty wait at once with one blocking thread";
  int n = 0;
  for (auto& reply : s.Take()) {
    std::thread([reply, n] {
      HttpResponse r;
      r.body = "answer " + std::to_string(n);
      reply(std::move(r));
    }).join();
    ++n;
  }
  std::set<std::string> bodies;
  for (auto& c : calls) {
    auto res = c.get();
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->status, 200);
    bodies.insert(res->body);
  }
  EXPECT_EQ(bodies.size(), 20u);
}

TEST(HttpServerAsync, AnAnswerAfterTheServerStoppedFindsNobody) {
  AsyncServer s;
  auto call = Call(s.server->port());
  WaitFor([&] { return s.waiting() == 1; });
  auto replies = s.Take();
  ASSERT_EQ(replies.size(), 1u);
  s.server->Stop();
  s.server.reset();            // the io_context is gone
  replies[0](HttpResponse{});  // dropped
  auto res = call.get();
  EXPECT_FALSE(res.ok() && res->status == 200) << "no answer on a stopped server";
}

// A raw client connection, for what an HTTP client would not do (stop mid-header, never read).
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int small = 4096;  // a small receive buffer: an unread answer fills it soon
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) {
    ASSERT_EQ(::send(fd_, s.data(), s.size(), 0), (ssize_t)s.size());
  }
  // Reads until `text` has come (true) or `limit_ms` passed (false).
  bool ReadUntil(const std::string& text, int limit_ms) {
    std::string got;
    char buf[4096];
    for (int waited = 0; waited < limit_ms && got.find(text) == std::string::npos;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        waited += 20;
        continue;
      }
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
    return got.find(text) != std::string::npos;
  }
  // Milliseconds until the server ends the connection (EOF or reset), reading and counting what
  // comes meanwhile; -1 if it is still open after `limit_ms`.
  int64_t MillisUntilClosed(int limit_ms, size_t* received = nullptr) {
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - t0)
          .count();
    };
    char buf[65536];
    while (elapsed() < limit_ms) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return elapsed();
      if (received) *received += static_cast<size_t>(n);
    }
    return -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::unique_ptr<HttpServer> StartServer(HttpServerLimits limits, HttpHandler handler) {
  auto started = HttpServer::Start("127.0.0.1:0", 2, std::move(handler), 1, "", limits);
  EXPECT_TRUE(started.ok());
  return started.ok() ? std::move(*started) : nullptr;
}

HttpServerLimits OneSecond() {
  HttpServerLimits l;
  l.request_timeout_s = 1;
  l.idle_timeout_s = 1;
  l.write_timeout_s = 1;
  return l;
}

TEST(HttpServerTimeouts, AHalfSentRequestIsClosedAfterTheRequestTimeoutAndNotBefore) {
  auto server = StartServer(OneSecond(), [](const HttpRequest&) { return HttpResponse{}; });
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n");  // and never the end of the header
  int64_t ms = c.MillisUntilClosed(5000);
  EXPECT_GE(ms, 900) << "closed before the request timeout";
  EXPECT_NE(ms, -1) << "still open 5 s after a 1 s request timeout";
}

TEST(HttpServerTimeouts, AnAnswerTheClientDoesNotReadIsCutAfterTheWriteTimeout) {
  static constexpr size_t kBody = 64 << 20;
  auto server = StartServer(OneSecond(), [](const HttpRequest&) {
    HttpResponse r;
    r.body.assign(kBody, 'x');
    return r;
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // not reading: the write stalls
  size_t received = 0;
  EXPECT_NE(c.MillisUntilClosed(10000, &received), -1) << "the connection was not closed";
  EXPECT_LT(received, kBody) << "the whole answer went out: nothing timed the write";
}

TEST(HttpServerKeepAlive, ALaterRequestInPiecesOrTwoInOneWriteAreEachAnsweredWhole) {
  auto server = StartServer(HttpServerLimits{}, [](const HttpRequest& r) {
    HttpResponse out;
    out.body = "echo " + r.target + " " + r.body;
    return out;
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  c.Send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("echo /first ", 5000));
  // The next request after an idle wait: its header, then its body in a later read.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.Send("POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.Send(" world");
  ASSERT_TRUE(c.ReadUntil("echo /second hello world", 5000));
  // Two requests in one write: both answered, in order.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.Send("GET /third HTTP/1.1\r\nHost: x\r\n\r\nGET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.ReadUntil("echo /fourth ", 5000));
}

TEST(HttpServerTimeouts, AHandlerSlowerThanTheTimeoutsStillAnswers) {
  auto server = StartServer(OneSecond(), [](const HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
    HttpResponse r;
    r.body = "late but whole";
    return r;
  });
  HttpClientRequest req;
  req.endpoint = "127.0.0.1:" + std::to_string(server->port());
  req.timeout_ms = 10000;
  auto res = HttpCall(req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body, "late but whole");
}

}  // namespace
}  // namespace openecs
