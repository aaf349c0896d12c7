#include "common/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <limits>
#include <memory>
#include <tuple>

#include "common/beast.h"
#include "common/clock.h"
// clang-format off
#include <boost/asio/ssl.hpp>  // after common/beast.h (Boost 1.74's include order)
#include <boost/beast/ssl.hpp>
// clang-format on

namespace openecs {
namespace {
// "host:port" or "[v6]:port" (port 80 if none) -> {host, port}.
std::pair<std::string, std::string> HostAndPort(const std::string& endpoint) {
  if (!endpoint.empty() && endpoint[0] == '[') {
    auto close = endpoint.find(']');
    if (close == std::string::npos) return {endpoint, "80"};
    std::string host = endpoint.substr(1, close - 1);
    if (close + 1 < endpoint.size() && endpoint[close + 1] == ':')
      return {host, endpoint.substr(close + 2)};
    return {host, "80"};
  }
  auto c = endpoint.rfind(':');
  if (c == std::string::npos) return {endpoint, "80"};
  return {endpoint.substr(0, c), endpoint.substr(c + 1)};
}
}  // namespace

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// The client's TLS context for `trust`: a pinned leaf (any chain, any name), or CAs and the
// host name. `mismatch` learns the fingerprint a pin did not match, for the error.
void Configure(boost::asio::ssl::context& ctx, const TlsTrust& trust,
               std::shared_ptr<std::string> mismatch) {
  ctx.set_options(boost::asio::ssl::context::default_workarounds |
                  boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                  boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  if (!trust.fingerprint.empty()) {
    ctx.set_verify_callback(
        [pin = trust.fingerprint, mismatch](bool, boost::asio::ssl::verify_context& vc) {
          X509_STORE_CTX* store = vc.native_handle();
          if (X509_STORE_CTX_get_error_depth(store) > 0) return true;  // only the leaf counts
          std::string seen = CertificateFingerprint(X509_STORE_CTX_get_current_cert(store));
          if (seen == pin) return true;
          *mismatch = seen;
          return false;
        });
  } else if (!trust.ca_file.empty()) {
    ctx.load_verify_file(trust.ca_file);
  } else {
    ctx.set_default_verify_paths();
  }
}

// What a connection is for: a request may use a connection only if all of this matches.
std::string ConnectionKey(const HttpClientRequest& r) {
  return r.endpoint + '|' + r.source_address + '|' + r.tls_name + '|' + r.tls.fingerprint + '|' +
         r.tls.ca_file;
}
}  // namespace

// One connection to one server (plain or TLS), used by one call at a time.
struct HttpConnection {
  explicit HttpConnection(const HttpClientRequest& request) : key(ConnectionKey(request)) {
    endpoint = request.endpoint;
    tls = endpoint.rfind("https://", 0) == 0;
    if (tls) endpoint = endpoint.substr(8);
    if (endpoint.rfind("http://", 0) == 0) endpoint = endpoint.substr(7);
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    std::tie(host, port) = HostAndPort(endpoint);
    if (tls && endpoint.find(':', endpoint.rfind(']') + 1) == std::string::npos) port = "443";
  }
  ~HttpConnection() {
    beast::error_code ignored;
    if (secure) secure->shutdown(ignored);
    if (plain) plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
  beast::tcp_stream& Lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Opens the connection (throws on failure).
  void Open(const HttpClientRequest& request) {
    tcp::resolver resolver(ioc);
    if (!tls) {
      plain = std::make_unique<beast::tcp_stream>(ioc);
      plain->expires_after(std::chrono::milliseconds(request.timeout_ms));
      if (request.source_address.empty()) {
        plain->connect(resolver.resolve(host, port));
      } else {
        tcp::endpoint target = *resolver.resolve(host, port).begin();
        plain->socket().open(target.protocol());
        plain->socket().bind(
            tcp::endpoint(boost::asio::ip::make_address(request.source_address), 0));
        plain->connect(target);
      }
      return;
    }
    ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    Configure(*ctx, request.tls, mismatch);
    secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *ctx);
    if (request.tls.fingerprint.empty()) {
      const std::string& name = request.tls_name.empty() ? host : request.tls_name;
      secure->set_verify_callback(boost::asio::ssl::host_name_verification(name));
      boost::system::error_code ignored;
      if (boost::asio::ip::make_address(name, ignored), ignored)  // SNI for names only
        SSL_set_tlsext_host_name(secure->native_handle(), name.c_str());
    }
    Lowest().expires_after(std::chrono::milliseconds(request.timeout_ms));
    Lowest().connect(resolver.resolve(host, port));
    secure->handshake(boost::asio::ssl::stream_base::client);
  }

  // One request and its answer (throws on failure). `answered` is set once a byte of the
  // answer came; `keep` says whether the connection may carry another request.
  HttpClientResponse Exchange(const HttpClientRequest& request, bool& answered, bool& keep) {
    Lowest().expires_after(std::chrono::milliseconds(request.timeout_ms));
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, endpoint);
    req.set(http::field::user_agent, "openecs/0.1");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (secure) {
      http::write(*secure, req);
      http::read_header(*secure, buf, parser);
      answered = true;
      http::read(*secure, buf, parser);
    } else {
      http::write(*plain, req);
      http::read_header(*plain, buf, parser);
      answered = true;
      http::read(*plain, buf, parser);
    }
    keep = parser.get().keep_alive() && buf.size() == 0;
    return HttpClientResponse{static_cast<int>(parser.get().result_int()),
                              std::move(parser.get().body())};
  }

  const std::string key;
  std::string endpoint, host, port;
  bool tls = false;
  boost::asio::io_context ioc;
  std::unique_ptr<boost::asio::ssl::context> ctx;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  std::shared_ptr<std::string> mismatch = std::make_shared<std::string>();
  int64_t idle_since_ms = 0;
};

namespace {
// One call on `c` (opened first if it is not); the error names the endpoint.
Result<HttpClientResponse> CallOn(HttpConnection& c, const HttpClientRequest& request,
                                  bool& answered, bool& keep) {
  try {
    if (!c.plain && !c.secure) c.Open(request);
    return c.Exchange(request, answered, keep);
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (!c.mismatch->empty())
      why = "its certificate is " + *c.mismatch + ", not the pinned " + request.tls.fingerprint;
    return MakeError(ErrorCode::kServiceUnavailable, "cannot reach " + c.endpoint + ": " + why);
  }
}
}  // namespace

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request) {
  HttpConnection c(request);
  bool answered = false, keep = false;
  return CallOn(c, request, answered, keep);
}

HttpClientPool::HttpClientPool(size_t max_idle, int idle_ms)
    : max_idle_(max_idle), idle_ms_(idle_ms) {}

HttpClientPool::~HttpClientPool() = default;

Result<HttpClientResponse> HttpClientPool::Call(const HttpClientRequest& request) {
  const std::string key = ConnectionKey(request);
  std::unique_ptr<HttpConnection> c;
  // Connections idle too long are closed (the server may be closing them as we speak), after
  // the lock: a TLS close talks to the server.
  std::vector<std::unique_ptr<HttpConnection>> stale;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t now = SteadyMillis();
    for (auto& i : idle_) {
      if (now - i->idle_since_ms > idle_ms_)
        stale.push_back(std::move(i));
      else if (!c && i->key == key)
        c = std::move(i);
    }
    std::erase(idle_, nullptr);
  }
  stale.clear();
  bool reused = c != nullptr;
  if (!c) c = std::make_unique<HttpConnection>(request);
  bool answered = false, keep = false;
  auto res = CallOn(*c, request, answered, keep);
  if (!res.ok() && reused && !answered) {
    // The server closed the kept connection before this request reached it (nothing of an
    // answer came): once more, on a new one.
    c = std::make_unique<HttpConnection>(request);
    res = CallOn(*c, request, answered, keep);
  }
  if (res.ok() && keep) {
    c->idle_since_ms = SteadyMillis();
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
  }
  return res;
}

Status HttpDownload(const std::string& url, const std::string& path,
                    const std::function<void(int64_t, int64_t)>& progress,
                    const DownloadOptions& options) {
  if (url.rfind("http://", 0) != 0)
    return MakeError(ErrorCode::kInvalidParameter, "only http:// URLs can be downloaded: " + url);
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string endpoint = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (endpoint.find('@') != std::string::npos)
    return MakeError(ErrorCode::kInvalidParameter, "a URL with user info cannot be downloaded");
  auto [host, port] = HostAndPort(endpoint);
  const int timeout_ms = options.idle_timeout_ms;
  const int64_t max_bytes = options.max_bytes;
  auto started = std::chrono::steady_clock::now();
  auto past_deadline = [&] {
    return options.deadline_ms > 0 && std::chrono::steady_clock::now() - started >
                                          std::chrono::milliseconds(options.deadline_ms);
  };
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    std::vector<tcp::endpoint> admitted;
    std::string refused;
    for (const auto& r : resolver.resolve(host, port)) {
      std::string ip = r.endpoint().address().to_string();
      auto why = options.refuse ? options.refuse(ip) : std::nullopt;
      if (!why) {
        admitted.push_back(r.endpoint());
      } else if (refused.find(ip) == std::string::npos) {
        refused += (refused.empty() ? "" : ", ") + ip + " is " + *why;
      }
    }
    if (admitted.empty())
      return MakeError(ErrorCode::kInvalidParameter,
                       "will not download " + url + ": " + refused +
                           " (an operator may admit it with --import-allow)");
    stream.connect(admitted);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, endpoint);
    req.set(http::field::user_agent, "openecs/0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // streamed to a file
    http::read_header(stream, buf, parser);
    if (parser.get().result_int() != 200)
      return MakeError(ErrorCode::kInvalidParameter,
                       "GET " + url + " answered " + std::to_string(parser.get().result_int()));
    int64_t total = parser.content_length() ? static_cast<int64_t>(*parser.content_length()) : -1;
    FILE* out = std::fopen(path.c_str(), "wb");
    if (!out) return MakeError(ErrorCode::kInternalError, "cannot write " + path);
    std::vector<char> chunk(1 << 20);
    int64_t done = 0;
    bool ok = true;
    std::string why = "the connection broke off";
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      beast::error_code ec;
      stream.expires_after(std::chrono::milliseconds(timeout_ms));  // per chunk
      http::read(stream, buf, parser, ec);
      if (ec && ec != http::error::need_buffer) {
        ok = false;
        break;
      }
      size_t n = chunk.size() - parser.get().body().size;
      if (n && std::fwrite(chunk.data(), 1, n, out) != n) ok = false;
      done += static_cast<int64_t>(n);
      if (done > max_bytes) {
        ok = false;
        why = "it is larger than " + std::to_string(max_bytes) + " bytes";
        break;
      }
      if (past_deadline()) {
        ok = false;
        why = "it took longer than " + std::to_string(options.deadline_ms / 1000) + " s";
        break;
      }
      if (progress) progress(done, total);
    }
    ok = std::fclose(out) == 0 && ok;
    if (!ok)
      return MakeError(ErrorCode::kInvalidParameter, "download of " + url + " stopped: " + why);
    return Ok();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kServiceUnavailable, "cannot download " + url + ": " + e.what());
  }
}

}  // namespace openecs
