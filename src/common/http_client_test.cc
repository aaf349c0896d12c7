// HttpClientPool (common/http_client.h): calls one after another share one connection; a kept
// connection the server closed while it was idle costs a new one, not a failed call; an answer
// that says "close" is not kept.
#include "common/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/beast.h"

namespace openecs {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// A loopback HTTP server that counts the connections it accepts and answers each request with
// the number of its connection. `answers_per_connection` (0: no limit): after that many it
// closes the connection silently (as a server does after its idle timeout); with `say_close`
// it says "Connection: close" instead and keeps serving, so a client that kept the connection
// anyway would get that connection's number again.
class CountingServer {
 public:
  CountingServer(int answers_per_connection, bool say_close)
      : acceptor_(ioc_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        per_connection_(answers_per_connection),
        say_close_(say_close) {
    thread_ = std::thread([this] { Accept(); });
  }
  ~CountingServer() {
    stop_ = true;
    beast::error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
    for (auto& t : connections_) t.join();
  }
  std::string endpoint() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int accepted() const { return accepted_; }

 private:
  void Accept() {
    for (;;) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (stop_) return;
      if (ec) continue;
      int number = ++accepted_;
      connections_.emplace_back([this, number, s = std::move(socket)]() mutable {
        beast::flat_buffer buf;
        for (int n = 1;; ++n) {
          http::request<http::string_body> req;
          beast::error_code ec;
          http::read(s, buf, req, ec);
          if (ec) return;
          http::response<http::string_body> res{http::status::ok, 11};
          res.body() = std::to_string(number);
          bool last = per_connection_ > 0 && n >= per_connection_;
          res.keep_alive(!(last && say_close_));
          res.prepare_payload();
          http::write(s, res, ec);
          if (ec || (last && !say_close_)) return;  // closed silently
        }
      });
    }
  }
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  const int per_connection_;
  const bool say_close_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

HttpClientRequest Get(const std::string& endpoint) {
  HttpClientRequest r;
  r.endpoint = endpoint;
  r.timeout_ms = 5000;
  return r;
}

TEST(HttpClientPoolTest, CallsOneAfterAnotherShareOneConnection) {
  CountingServer server(0, false);
  HttpClientPool pool;
  for (int k = 0; k < 5; ++k) {
    auto res = pool.Call(Get(server.endpoint()));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->body, "1");
  }
  EXPECT_EQ(server.accepted(), 1);
  // HttpCall alone opens one per call.
  ASSERT_TRUE(HttpCall(Get(server.endpoint())).ok());
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientPoolTest, AConnectionTheServerClosedWhileIdleCostsANewOneNotAFailedCall) {
  CountingServer server(1, /*say_close=*/false);
  HttpClientPool pool;
  for (int k = 1; k <= 3; ++k) {
    auto res = pool.Call(Get(server.endpoint()));
    ASSERT_TRUE(res.ok()) << "call " << k << ": " << res.error().message;
    EXPECT_EQ(res->body, std::to_string(k));
  }
  EXPECT_EQ(server.accepted(), 3);
}

TEST(HttpClientPoolTest, AnAnswerThatSaysCloseIsNotKept) {
  CountingServer server(1, /*say_close=*/true);
  HttpClientPool pool;
  for (int k = 1; k <= 3; ++k) {
    auto res = pool.Call(Get(server.endpoint()));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->body, std::to_string(k));
  }
  EXPECT_EQ(server.accepted(), 3);
}

TEST(HttpClientPoolTest, NoServerIsAnErrorNamingTheEndpoint) {
  std::string endpoint;
  {
    CountingServer gone(0, false);
    endpoint = gone.endpoint();
  }
  HttpClientPool pool;
  auto res = pool.Call(Get(endpoint));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find(endpoint), std::string::npos) << res.error().message;
}

}  // namespace
}  // namespace openecs
