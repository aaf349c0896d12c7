#include "common/http_client.h"

#include <limits>

#include "common/beast.h"

namespace openecs {
namespace {
// "host:port" (port 80 if none) -> {host, port}.
std::pair<std::string, std::string> HostAndPort(const std::string& endpoint) {
  auto c = endpoint.rfind(':');
  if (c == std::string::npos) return {endpoint, "80"};
  return {endpoint.substr(0, c), endpoint.substr(c + 1)};
}
}  // namespace

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  std::string endpoint = request.endpoint;
  if (endpoint.rfind("http://", 0) == 0) endpoint = endpoint.substr(7);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  auto [host, port] = HostAndPort(endpoint);
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, endpoint);
    req.set(http::field::user_agent, "openecs/0.1");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buf, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return HttpClientResponse{static_cast<int>(parser.get().result_int()),
                              std::move(parser.get().body())};
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kServiceUnavailable, "cannot reach " + endpoint + ": " + e.what());
  }
}

Status HttpDownload(const std::string& url, const std::string& path,
                    const std::function<void(int64_t, int64_t)>& progress, int timeout_ms,
                    int64_t max_bytes) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  if (url.rfind("http://", 0) != 0)
    return MakeError(ErrorCode::kInvalidParameter, "only http:// URLs can be downloaded: " + url);
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string endpoint = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto [host, port] = HostAndPort(endpoint);
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    stream.connect(resolver.resolve(host, port));
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
        break;
      }
      if (progress) progress(done, total);
    }
    ok = std::fclose(out) == 0 && ok;
    if (!ok) return MakeError(ErrorCode::kInternalError, "download of " + url + " broke off");
    return Ok();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kServiceUnavailable, "cannot download " + url + ": " + e.what());
  }
}

}  // namespace openecs
