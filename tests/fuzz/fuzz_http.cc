// Fuzz target: the HTTP layer, from bytes on a connection to the API's answer. The input is
// what a client sends on one keep-alive connection: Boost.Beast's request parser reads it with
// the limits the server sets (common/http_server.cc: 256 KiB of header, 1 MiB of body), in
// chunks as reads would deliver it; each request it completes is turned into an HttpRequest as
// the server's session does (lower-case header names, repeated headers joined by ",") and
// answered by ApiServer::Handle (api/api_server.h: query string and form body decoding, Format,
// Action/Version, both signature schemes; an in-memory empty Cloud behind it). The answer is
// then serialised as the session writes it. When the first byte's low three bits are set, the
// harness puts a header of data[1] KiB first, so that short inputs reach the size limits (a
// field over 64 KiB makes Beast throw std::length_error, which the server's I/O loop catches:
// that connection is dropped).
//
// Invariants: no crash; the parser throws nothing but std::exception (what the I/O loop
// catches); every answer to these unsigned requests is a 4xx, never a 5xx (an exception inside
// the API layer answers 500) and never a success; its body is strict JSON, or well-formed XML
// when it says text/xml; the response serialises.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "common/beast.h"
#include "common/text.h"
#include "service/cloud.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_util.h"

namespace openecs {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Must match Session::Read in common/http_server.cc.
constexpr size_t kBodyLimit = 1 << 20;
constexpr size_t kHeaderLimit = 256 * 1024;
constexpr int kMaxRequestsPerInput = 4;

// A store with nothing in it that accepts every commit: unsigned requests never write, and the
// fuzzer must not fill a disk.
class EmptyStore : public Store {
 public:
  Status Commit(const WriteBatch&) override { return Ok(); }
  Result<std::vector<Doc>> LoadAll(std::string_view) override { return std::vector<Doc>(); }
  Status ClaimForServer() override { return Ok(); }
};

Result<Credential> Lookup(const std::string& ak, const std::string& /*security_token*/) {
  if (ak == "fuzzAK") return Credential{"fuzzSecret", Principal::Root("1234567890")};
  return MakeError(ErrorCode::kInvalidAccessKeyIdNotFound);
}

ApiServer& Server() {
  static EmptyStore store;
  static std::unique_ptr<Cloud> cloud = std::move(Cloud::Open(&store, CloudConfig{})).value();
  // A wide clock window, so that fuzzed timestamps get past the time check to the signature.
  static Authenticator auth(Lookup, 1000000000);
  static ApiServer server(*cloud, auth);
  return server;
}

// As Session::OnRead builds it.
HttpRequest FromBeast(const http::request<http::string_body>& req) {
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
  in.body = req.body();
  in.remote_address = "192.0.2.1";
  return in;
}

void Answer(const HttpRequest& in, unsigned version, bool keep_alive) {
  HttpResponse out = Server().Handle(in);
  FUZZ_CHECK(!out.deferred, in.target);
  FUZZ_CHECK(out.status >= 400 && out.status < 500,
             std::to_string(out.status) + " " + out.body + "\n  for " + PercentEncode(in.target));
  if (out.content_type.rfind("text/xml", 0) == 0) {
    std::vector<std::string> texts;
    FUZZ_CHECK(fuzz::CheckXml(out.body, &texts), PercentEncode(out.body));
  } else {
    FUZZ_CHECK(!nlohmann::json::parse(out.body, nullptr, false).is_discarded(),
               PercentEncode(out.body));
  }
  // As Session::Write sends it.
  http::response<http::string_body> res(static_cast<http::status>(out.status), version);
  res.set(http::field::server, "OpenECS");
  res.set(http::field::content_type, out.content_type);
  for (const auto& [k, v] : out.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(out.body);
  res.prepare_payload();
  std::ostringstream wire;
  wire << res;
}

}  // namespace
}  // namespace openecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace openecs;
  if (size < 3) return 0;
  std::string bytes;
  if ((data[0] & 7) == 7) {
    // "GET / HTTP/1.1\r\nX-Big: aaaa...\r\n" then the rest of the input as further headers.
    bytes = "GET /?Action=DescribeRegions HTTP/1.1\r\nX-Big: " + std::string(data[1] * 1024u, 'a') +
            "\r\n";
  }
  bytes.append(reinterpret_cast<const char*>(data) + 3, size - 3);
  // Bytes per read: 1 to 1021, at least 4 KiB for a big header (a socket read brings more).
  size_t chunk = std::max<size_t>(1 + data[2] * 4u, bytes.size() > 4096 ? 4096 : 1);

  size_t off = 0;
  for (int n = 0; n < kMaxRequestsPerInput && off < bytes.size(); ++n) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    size_t end = std::min(bytes.size(), off + chunk);
    beast::error_code ec;
    try {
      for (;;) {
        ec = {};
        size_t used = parser.put(boost::asio::buffer(bytes.data() + off, end - off), ec);
        off += used;
        if (parser.is_done()) break;
        if (ec && ec != http::error::need_more) break;  // malformed: the connection closes
        if (end == bytes.size()) {
          if (used == 0 || off == end) {  // the client stopped sending
            parser.put_eof(ec);
            break;
          }
          continue;
        }
        end = std::min(bytes.size(), end + chunk);
      }
    } catch (const std::exception&) {
      return 0;  // the server's I/O loop catches it: this connection is dropped
    }
    if (!parser.is_done() || ec) return 0;
    const auto& req = parser.get();
    Answer(FromBeast(req), req.version(), req.keep_alive());
    if (!req.keep_alive()) return 0;
  }
  return 0;
}
