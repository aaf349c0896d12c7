#include "common/http_server.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "common/beast.h"
#include "common/log.h"
#include "common/text.h"

namespace openecs {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpHandler& handler, asio::thread_pool& blocking)
      : stream_(std::move(socket)), handler_(handler), blocking_(blocking) {}
  void Run() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    parser_->header_limit(256 * 1024);  // the SDKs put every parameter (UserData too) in the URL
    stream_.expires_after(std::chrono::seconds(120));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    auto& req = parser_->get();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name = ToLower(std::string(f.name_string()));
      auto it = in.headers.find(name);
      if (it == in.headers.end())
        in.headers[name] = std::string(f.value());
      else
        it->second += "," + std::string(f.value());
    }
    in.body = std::move(req.body());
    beast::error_code addr_ec;
    auto ep = stream_.socket().remote_endpoint(addr_ec);
    if (!addr_ec) in.remote_address = ep.address().to_string();
    HttpResponse out = handler_(in);
    if (out.deferred) {
      asio::post(blocking_, [self = shared_from_this(), work = std::move(out.deferred)] {
        HttpResponse done = work();
        asio::post(self->stream_.get_executor(),
                   [self, done = std::move(done)]() mutable { self->Write(std::move(done)); });
      });
      return;
    }
    Write(std::move(out));
  }

  void Write(HttpResponse out) {
    auto& req = parser_->get();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(out.status), req.version());
    res->set(http::field::server, "OpenECS");
    res->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res->set(k, v);
    res->keep_alive(req.keep_alive());
    res->body() = std::move(out.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpHandler& handler_;
  asio::thread_pool& blocking_;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(HttpHandler handler, int blocking_threads)
      : handler_(std::move(handler)), blocking_(std::max(1, blocking_threads)), acceptor_(ioc_) {}
  ~BeastServer() override { Stop(); }

  Status Listen(const std::string& listen, int threads, const std::string& netns) {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos)
      return MakeError(ErrorCode::kInvalidParameter, "--listen must be host:port");
    beast::error_code ec;
    auto addr = asio::ip::make_address(listen.substr(0, colon), ec);
    if (ec) return MakeError(ErrorCode::kInvalidParameter, "bad listen address: " + listen);
    int port = std::atoi(listen.substr(colon + 1).c_str());
    tcp::endpoint ep(addr, static_cast<unsigned short>(port));
    if (netns.empty()) {
      acceptor_.open(ep.protocol(), ec);
    } else {
      // A socket belongs to the namespace of the thread that creates it: make it on a thread
      // that enters `netns` and ends right after.
      std::string why;
      std::thread([&] {
        int fd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
          why = "cannot enter network namespace " + netns;
        } else {
          acceptor_.open(ep.protocol(), ec);
        }
        if (fd >= 0) ::close(fd);
      }).join();
      if (!why.empty()) return MakeError(ErrorCode::kInternalError, why);
    }
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return MakeError(ErrorCode::kInternalError,
                       "cannot listen on " + listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
    return Ok();
  }

  int port() const override { return port_; }

  // Runs the I/O loop until Stop. Beast's parser throws on some oversized input (a header field
  // over 64 KiB: std::length_error "field value too large") from inside a read, before any
  // handler of ours sees it; the exception unwinds that connection's handlers (its socket
  // closes) and must not end the process: the loop goes on with every other connection.
  void Run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        LOG_WARN("http: a connection was dropped: {}", e.what());
      }
    }
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    ioc_.stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    blocking_.join();
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), handler_, blocking_)->Run();
      }
      if (!stopped_) Accept();
    });
  }

  HttpHandler handler_;
  asio::thread_pool blocking_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, int threads,
                                                      HttpHandler handler, int blocking_threads,
                                                      const std::string& netns) {
  auto server = std::make_unique<BeastServer>(std::move(handler), blocking_threads);
  OPENECS_RETURN_IF_ERROR(server->Listen(listen, threads, netns));
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace openecs
