// HttpResponse::async (common/http_server.h): answers that come later, from another thread,
// without a thread held while they wait; many at once; and an answer that comes after the
// server stopped finds nobody, without a crash.
#include "common/http_server.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace openecs
