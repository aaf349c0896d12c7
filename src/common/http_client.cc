#include "common/http_client.h"

#include "common/beast.h"

namespace openecs {

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  std::string endpoint = request.endpoint;
  if (endpoint.rfind("http://", 0) == 0) endpoint = endpoint.substr(7);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::string host = endpoint, port = "80";
  if (auto c = endpoint.rfind(':'); c != std::string::npos) {
    host = endpoint.substr(0, c);
    port = endpoint.substr(c + 1);
  }
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

}  // namespace openecs
