#pragma once
// A blocking HTTP/1.1 client call (Boost.Beast, one connection per call, plain or TLS): for the
// CLI and for remote agents. Any HTTP status is a successful call; only a failure to connect, send
// or read (or the timeout) is an error.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/tls.h"

namespace openecs {

struct HttpClientRequest {
  std::string method = "GET";
  // host:port, optionally after "http://"; "https://host[:port]" (default port 443) talks TLS
  // and trusts the server as `tls` says. A trailing "/" is ignored.
  std::string endpoint;
  std::string target = "/";
  std::map<std::string, std::string> headers;
  std::string body;
  int timeout_ms = 60000;
  TlsTrust tls;
  // The name the server's certificate must carry, sent as SNI ("": the endpoint's host). Lets a
  // caller connect to an address it resolved and checked itself (common/webhook.h).
  std::string tls_name;
  // The local address to connect from ("": the system's choice). Plain http:// only: the
  // simulated hosts of `ecsd agent --simulate-hosts` each connect from their own loopback
  // address, as real hosts would from theirs.
  std::string source_address;
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request);

struct HttpConnection;

// HttpCall on kept-alive connections, for a client that calls the same servers again and again
// (a host's agent: a pull, a report, a sample every few seconds). A call takes an idle
// connection made for the same endpoint, source address and TLS trust, or opens one; after the
// answer the connection is kept for the next call unless either side said close. Without this
// every call paid a TCP connect (and over TLS a handshake) on both ends: with a thousand hosts
// that was a good part of the server's and the agents' CPU (issue 20).
// - At most `max_idle` idle connections are kept; one idle for more than `idle_ms` is closed
//   rather than used (the server closes idle ones after its own timeout, 75 s by default).
// - A call that fails on a kept connection before any byte of the answer came (the server
//   closed it meanwhile) is made once more on a new connection. A server that took the request
//   and died before answering may so see it twice: callers send requests that can be repeated.
// Thread-safe: calls at once use different connections.
class HttpClientPool {
 public:
  explicit HttpClientPool(size_t max_idle = 4, int idle_ms = 30000);
  ~HttpClientPool();
  HttpClientPool(const HttpClientPool&) = delete;
  HttpClientPool& operator=(const HttpClientPool&) = delete;
  Result<HttpClientResponse> Call(const HttpClientRequest& request);

 private:
  const size_t max_idle_;
  const int idle_ms_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;
};

struct DownloadOptions {
  int idle_timeout_ms = 60000;  // the longest wait for the next bytes
  int64_t deadline_ms = 0;      // the whole download (0: none)
  int64_t max_bytes = int64_t{1} << 40;
  // Asked about every address the host name resolves to; a reason refuses that address (see
  // common/address_filter.h). Only admitted addresses are connected to; none: an error naming
  // the reasons. Null: every address is admitted.
  std::function<std::optional<std::string>(const std::string& address)> refuse;
};

// GETs an http:// URL into the file at `path`, streaming, calling `progress` with bytes so
// far and the total (-1 when the server does not say). Only status 200 counts: a redirect is
// not followed (it is an error, so a redirect cannot lead past `refuse`). User info in the URL
// ("http://user@host/") is refused. Stops with an error past `max_bytes` or the deadline.
Status HttpDownload(const std::string& url, const std::string& path,
                    const std::function<void(int64_t, int64_t)>& progress,
                    const DownloadOptions& options = {});

}  // namespace openecs
