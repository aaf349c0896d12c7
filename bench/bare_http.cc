// bare_http — the yardstick for bench/describe_regions.sh: the least an HTTP/1.1 server on
// Boost.Beast can do per request. It answers every request, keep-alive, with one fixed JSON body
// (`--body-bytes`, by default the size of ecsd's DescribeRegions answer), on `--threads` I/O
// threads sharing one io_context, as ecsd's HttpServer does. No parsing of the target, no
// signature, no logging: what ecsd adds to this is what the bench's ratio measures.
//
// Usage: bare_http --listen 127.0.0.1:0 [--threads 2] [--body-bytes 600]
// Prints "listening on HOST:PORT" once it accepts, then serves until killed.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/beast.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const std::string& body) : stream_(std::move(socket)), body_(body) {}
  void Read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Write();
                     });
  }

 private:
  void Write() {
    res_ = http::response<http::string_body>(http::status::ok, req_.version());
    res_.set(http::field::content_type, "application/json;charset=utf-8");
    res_.keep_alive(req_.keep_alive());
    res_.body() = body_;
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->res_.keep_alive()) return self->Close();
      self->Read();
    });
  }
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  const std::string& body_;
};

void Accept(tcp::acceptor& acceptor, const std::string& body) {
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), body)->Read();
    Accept(acceptor, body);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  int threads = 2;
  size_t body_bytes = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--listen")
      listen = value;
    else if (flag == "--threads")
      threads = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--body-bytes")
      body_bytes = std::strtoul(value.c_str(), nullptr, 10);
    else {
      std::cerr << "usage: bare_http [--listen HOST:PORT] [--threads N] [--body-bytes N]\n";
      return 2;
    }
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen wants HOST:PORT\n";
    return 2;
  }
  // A JSON object of the requested size: {"RequestId":"…","Pad":"xxxx…"}.
  std::string body = R"({"RequestId":"00000000-0000-0000-0000-000000000000","Pad":")";
  size_t pad = body_bytes > body.size() + 2 ? body_bytes - body.size() - 2 : 0;
  body += std::string(pad, 'x') + "\"}";

  asio::io_context io(threads);
  tcp::endpoint ep(asio::ip::make_address(listen.substr(0, colon)),
                   static_cast<unsigned short>(std::atoi(listen.c_str() + colon + 1)));
  tcp::acceptor acceptor(io, ep);
  Accept(acceptor, body);
  auto bound = acceptor.local_endpoint();
  std::printf("listening on %s:%u\n", bound.address().to_string().c_str(), bound.port());
  std::fflush(stdout);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
}
