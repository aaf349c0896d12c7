#include "common/http_server.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/beast.h"
// clang-format off
#include <boost/asio/ssl.hpp>  // after common/beast.h (Boost 1.74's include order)
#include <boost/beast/ssl.hpp>
// clang-format on
#include "common/log.h"
#include "common/text.h"

namespace openecs {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Open connections of one listener, in all and per client address.
class ConnectionCount {
 public:
  explicit ConnectionCount(const HttpServerLimits& limits) : limits_(limits) {}
  // Counts a new connection from `source`, or false if a cap is reached.
  bool Admit(const std::string& source) {
    std::lock_guard<std::mutex> lock(mu_);
    if (total_ >= limits_.max_connections) return false;
    int& n = per_source_[source];
    if (n >= limits_.max_per_source) return false;
    ++n;
    ++total_;
    return true;
  }
  void Release(const std::string& source) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = per_source_.find(source);
    if (it != per_source_.end() && --it->second <= 0) per_source_.erase(it);
    --total_;
  }
  const HttpServerLimits& limits() const { return limits_; }

 private:
  HttpServerLimits limits_;
  std::mutex mu_;
  int total_ = 0;
  std::unordered_map<std::string, int> per_source_;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The timeouts of a listener's connections (HttpServerLimits), kept by one timer for all of
// them instead of Beast's per-stream timer. Beast's timer is armed and cancelled around every
// read and write, and each cancel runs a handler through the connection's strand; measured with
// bench/describe_regions.sh that cost a fifth to a quarter of the throughput of small calls.
// Here a connection only stores the time it must be done by (an atomic, so the sweep reads it
// from any thread); the listener sweeps every kSweep and closes, on the connection's own strand,
// every connection past its deadline. A connection is closed between its deadline and kSweep
// after it, never before.
class Deadlines {
 public:
  static constexpr std::chrono::milliseconds kSweep{250};
  static constexpr int64_t kNever = INT64_MAX;
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // What a connection gives the sweep: its deadline, and how to close it (called on a sweeping
  // thread; it must post the close to the connection's strand and look at the deadline again
  // there, since the connection may have moved on meanwhile).
  class Watched {
   public:
    virtual ~Watched() = default;
    void ExpireAfter(std::chrono::seconds s) { deadline_.store(NowMs() + s.count() * 1000); }
    void ExpireNever() { deadline_.store(kNever); }
    bool Expired(int64_t now) const { return deadline_.load() <= now; }
    virtual void TimedOut() = 0;

   private:
    std::atomic<int64_t> deadline_{kNever};
  };

  void Watch(std::weak_ptr<Watched> w) {
    std::lock_guard<std::mutex> lock(mu_);
    watched_.push_back(std::move(w));
  }
  // Closes what is past its deadline; forgets connections that are gone.
  void Sweep() {
    int64_t now = NowMs();
    std::vector<std::shared_ptr<Watched>> late;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::erase_if(watched_, [&](const std::weak_ptr<Watched>& w) {
        auto c = w.lock();
        if (!c) return true;
        if (c->Expired(now)) late.push_back(std::move(c));
        return false;
      });
    }
    for (auto& c : late) c->TimedOut();  // outside the lock: a session may be released here
  }

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<Watched>> watched_;
};

// The connections waiting for an `async` answer (HttpResponse::async), held here by ticket:
// whoever will answer holds only the ticket, never the connection, so no connection can outlive
// the io_context through it. Close (at Stop, while the io_context still exists) lets them all
// go, and an answer that comes later finds nobody. An answer's write is posted under the lock
// with the connection taken out of here, so it never reaches an io_context being destroyed.
class Parked {
 public:
  // Holds a connection until its answer; its ticket, or 0 when the server is stopping.
  uint64_t Park(std::shared_ptr<void> session) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    held_[++next_] = std::move(session);
    return next_;
  }
  // Calls `post` with the connection of `ticket`, under the lock, if it is still held.
  void Unpark(uint64_t ticket, const std::function<void(std::shared_ptr<void>)>& post) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(ticket);
    if (it == held_.end()) return;
    std::shared_ptr<void> session = std::move(it->second);
    held_.erase(it);
    post(std::move(session));
  }
  void Close() {
    std::map<uint64_t, std::shared_ptr<void>> gone;
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    gone.swap(held_);
  }

 private:
  std::mutex mu_;
  bool closed_ = false;
  uint64_t next_ = 0;
  std::map<uint64_t, std::shared_ptr<void>> held_;
};

// One connection: plain (beast::tcp_stream) or TLS (TlsStream, handshake first).
template <class Stream>
class Session : public Deadlines::Watched, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, asio::ssl::context* tls, std::string source,
          const HttpHandler& handler, asio::thread_pool& blocking,
          std::shared_ptr<ConnectionCount> count, std::shared_ptr<Parked> parked)
      : stream_(MakeStream(std::move(socket), tls)),
        source_(std::move(source)),
        handler_(handler),
        blocking_(blocking),
        count_(std::move(count)),
        parked_(std::move(parked)) {}
  ~Session() { count_->Release(source_); }

  void Run() {
    if constexpr (kTls) {
      ExpireAfter(std::chrono::seconds(count_->limits().request_timeout_s));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or no handshake in time: dropped
                                self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  static Stream MakeStream(tcp::socket socket, asio::ssl::context* tls) {
    if constexpr (kTls)
      return Stream(beast::tcp_stream(std::move(socket)), *tls);
    else
      return Stream(std::move(socket));
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Past its deadline (Deadlines::Sweep): the socket is closed, as Beast's own timeout would,
  // and whatever read or write was pending ends with an error.
  void TimedOut() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->Expired(Deadlines::NowMs())) return;  // it moved on since the sweep
      self->ExpireNever();
      self->Lowest().close();
    });
  }

  // A request must arrive whole within the request timeout, counted from the accept for the
  // first request and from its first byte for later ones: between requests a keep-alive
  // connection may wait up to the (longer) idle timeout, which the answers announce.
  void Read() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    parser_->header_limit(256 * 1024);  // the SDKs put every parameter (UserData too) in the URL
    if (!served_ || buffer_.size() > 0) return ReadRequest();
    ExpireAfter(std::chrono::seconds(count_->limits().idle_timeout_s));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              if (self->ParseBuffered(ec)) return self->OnRead({});
                              if (ec) return self->Close();
                              self->ReadRequest();
                            });
  }

  // Parses what the buffer holds; true when that is a whole request. A small call comes in one
  // read, and a read started to parse it would complete at once, through the strand again.
  bool ParseBuffered(beast::error_code& ec) {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) ec = {};
      if (ec || used == 0) return false;
    }
    return parser_->is_done();
  }

  void ReadRequest() {
    ExpireAfter(std::chrono::seconds(count_->limits().request_timeout_s));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void Close() {
    if constexpr (kTls) {  // close_notify first, within the write timeout
      ExpireAfter(std::chrono::seconds(count_->limits().write_timeout_s));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void OnRead(beast::error_code ec) {
    if (ec) return Close();
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
    in.remote_address = source_;
    in.secure = kTls;
    // A long-poll's wait is not the client's slowness: no timer until the answer is written.
    ExpireNever();
    HttpResponse out = handler_(in);
    if (out.async) {
      uint64_t ticket = parked_->Park(this->shared_from_this());
      if (ticket == 0) return;  // stopping
      out.async([ticket, parked = parked_](HttpResponse done) {
        parked->Unpark(ticket, [&done](std::shared_ptr<void> held) {
          auto self = std::static_pointer_cast<Session>(std::move(held));
          asio::post(self->stream_.get_executor(),
                     [self, done = std::move(done)]() mutable { self->Write(std::move(done)); });
        });
      });
      return;
    }
    if (out.deferred) {
      asio::post(blocking_, [self = this->shared_from_this(), work = std::move(out.deferred)] {
        HttpResponse done = work();
        asio::post(self->stream_.get_executor(),
                   [self, done = std::move(done)]() mutable { self->Write(std::move(done)); });
      });
      return;
    }
    Write(std::move(out));
  }

  void Write(HttpResponse out) {
    if (out.takeover) {
      if constexpr (kTls) {
        HttpResponse refused;
        refused.status = 501;
        refused.body = R"({"error":"upgrades (WebSocket, session streams) are served on the )"
                       R"(plain HTTP listener only"})";
        return Write(std::move(refused));
      } else {
        return Upgrade(std::move(out));
      }
    }
    auto& req = parser_->get();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(out.status), req.version());
    res->set(http::field::server, "OpenECS");
    res->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res->set(k, v);
    res->keep_alive(req.keep_alive());
    if (req.keep_alive())
      res->set(http::field::keep_alive,
               "timeout=" + std::to_string(count_->limits().idle_timeout_s));
    res->body() = std::move(out.body);
    res->prepare_payload();
    ExpireAfter(std::chrono::seconds(count_->limits().write_timeout_s));
    if (out.ip_ttl > 0) {  // IP_TTL or IPV6_UNICAST_HOPS, by the socket's family
      beast::error_code ignored;
      Lowest().socket().set_option(asio::ip::unicast::hops(out.ip_ttl), ignored);
    }
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->served_ = true;
                        self->Read();
                      });
  }

  // Writes a 101 answer and hands the socket to out.takeover (plain connections only).
  void Upgrade(HttpResponse out) {
    auto& req = parser_->get();
    auto res = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(out.status), req.version());
    res->set(http::field::server, "OpenECS");
    for (const auto& [k, v] : out.headers) res->set(k, v);
    ExpireAfter(std::chrono::seconds(count_->limits().write_timeout_s));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res, takeover = std::move(out.takeover)](
                          beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->ExpireNever();
                        auto& socket = self->Lowest().socket();
                        // A descriptor of our own; the session's socket closes when it goes.
                        int fd = ::fcntl(socket.native_handle(), F_DUPFD_CLOEXEC, 0);
                        if (fd < 0) return self->Close();
                        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
                        auto data = self->buffer_.data();
                        std::string early(static_cast<const char*>(data.data()), data.size());
                        self->buffer_.consume(self->buffer_.size());
                        beast::error_code ignored;
                        socket.close(ignored);
                        takeover(fd, std::move(early));
                      });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string source_;
  const HttpHandler& handler_;
  asio::thread_pool& blocking_;
  std::shared_ptr<ConnectionCount> count_;
  std::shared_ptr<Parked> parked_;
  bool served_ = false;  // a request was answered: the next may wait the idle timeout
};

// The caps, lowered to fit the descriptors this process may open (a quarter of the soft limit
// for one listener: QEMU's sockets, disks, QMP and other listeners need the rest), so that a
// flood fills a cap and not the descriptor table.
HttpServerLimits FitToDescriptors(HttpServerLimits limits) {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY) {
    int fit = std::max<int>(16, static_cast<int>(nofile.rlim_cur / 4));
    if (fit < limits.max_connections) {
      limits.max_connections = fit;  // one source may still hold only an eighth of it
      limits.max_per_source = std::min(limits.max_per_source, std::max(2, fit / 8));
    }
  }
  return limits;
}

class BeastServer final : public HttpServer {
 public:
  BeastServer(HttpHandler handler, int blocking_threads, HttpServerLimits limits)
      : handler_(std::move(handler)),
        blocking_(std::max(1, blocking_threads)),
        acceptor_(ioc_),
        retry_(ioc_),
        count_(std::make_shared<ConnectionCount>(FitToDescriptors(limits))) {}

  // Serves TLS (1.2 or later) with this identity instead of plain HTTP.
  Status UseTls(const TlsIdentity& identity) {
    tls_.emplace(asio::ssl::context::tls_server);
    beast::error_code ec;
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                      ec);
    if (!ec) tls_->use_certificate_chain(asio::buffer(identity.cert_pem), ec);
    if (!ec) tls_->use_private_key(asio::buffer(identity.key_pem), asio::ssl::context::pem, ec);
    if (ec) return MakeError(ErrorCode::kInvalidParameter, "TLS identity: " + ec.message());
    return Ok();
  }
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
    Sweep();
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
    if (stopped_.exchange(true)) return;
    ioc_.stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    blocking_.join();
    parked_->Close();  // the connections waiting for an async answer go, with the io_context
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (stopped_) return;
      if (ec) {
        // Out of descriptors (or another transient failure): the pending connection stays in
        // the backlog; try again shortly rather than at once, forever.
        if (ec != asio::error::operation_aborted) {
          LOG_WARN("http: accept failed: {}; pausing", ec.message());
          retry_.expires_after(std::chrono::milliseconds(100));
          retry_.async_wait([this](beast::error_code) {
            if (!stopped_) Accept();
          });
        }
        return;
      }
      beast::error_code addr_ec;
      auto ep = s.remote_endpoint(addr_ec);
      std::string source = addr_ec ? std::string() : ep.address().to_string();
      if (count_->Admit(source)) {
        s.set_option(tcp::no_delay(true), ec);
        auto run = [this](auto session) {
          deadlines_.Watch(session);
          session->Run();
        };
        if (tls_)
          run(std::make_shared<Session<TlsStream>>(std::move(s), &*tls_, source, handler_,
                                                   blocking_, count_, parked_));
        else
          run(std::make_shared<Session<beast::tcp_stream>>(std::move(s), nullptr, source, handler_,
                                                           blocking_, count_, parked_));
      } else {
        beast::error_code ignored;
        s.close(ignored);  // over a cap: the client sees the connection closed
      }
      Accept();
    });
  }

  // Closes the connections past their deadlines, every Deadlines::kSweep.
  void Sweep() {
    sweep_.expires_after(Deadlines::kSweep);
    sweep_.async_wait([this](beast::error_code ec) {
      if (ec || stopped_) return;
      deadlines_.Sweep();
      Sweep();
    });
  }

  HttpHandler handler_;
  asio::thread_pool blocking_;
  std::optional<asio::ssl::context> tls_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  asio::steady_timer sweep_{ioc_};
  Deadlines deadlines_;  // of every connection of this listener
  std::shared_ptr<ConnectionCount> count_;
  std::shared_ptr<Parked> parked_ = std::make_shared<Parked>();
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen, int threads,
                                                      HttpHandler handler, int blocking_threads,
                                                      const std::string& netns,
                                                      HttpServerLimits limits,
                                                      const TlsIdentity* tls) {
  auto server = std::make_unique<BeastServer>(std::move(handler), blocking_threads, limits);
  if (tls) OPENECS_RETURN_IF_ERROR(server->UseTls(*tls));
  OPENECS_RETURN_IF_ERROR(server->Listen(listen, threads, netns));
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace openecs
