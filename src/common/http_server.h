#pragma once
// A small HTTP/1.1 server on Boost.Beast (plain or TLS): keep-alive, one handler for every request,
// a pool of I/O threads. The handler runs on an I/O thread and must not block for long; work that
// waits (a long-poll) goes in HttpResponse::deferred, which the server runs on a separate pool
// of blocking threads before it answers.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/tls.h"

namespace openecs {

struct HttpRequest {
  std::string method;                          // GET, POST, ...
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;
  bool secure = false;  // it came over TLS
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json;charset=utf-8";
  std::map<std::string, std::string> headers;
  std::string body;
  // The IP TTL (hop limit) of the packets that carry this answer; 0 keeps the system's. It
  // stays set on the connection for later answers unless they set their own.
  int ip_ttl = 0;
  // When set, the server ignores the rest of this response, calls `deferred` off the I/O
  // threads and sends what it returns.
  std::function<HttpResponse()> deferred;
  // When set, the server ignores the rest of this response and calls `async` on the I/O thread
  // with a function that sends the answer: to be called once, from any thread, whenever the
  // answer is ready (a long-poll that holds no thread while it waits). The connection has no
  // timer until then.
  std::function<void(std::function<void(HttpResponse)> reply)> async;
  // When set (with status 101 Switching Protocols, for an Upgrade: a WebSocket, an agent's
  // session stream), the server writes this response and then hands the connection over:
  // `takeover` is called once, on an I/O thread (it must not block), with the connected socket's
  // descriptor, in blocking mode, which it owns from then on, and the bytes the client sent
  // after its request that the server had already read. The connection no longer counts
  // against the listener's caps. Plain listeners only: a TLS listener answers 501 instead and
  // never calls it (the stream would have to stay inside the TLS session).
  std::function<void(int fd, std::string early)> takeover;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// What one listener lets its clients hold. A connection past either cap is closed as soon as
// it is accepted; a client that does not send a whole request within `request_timeout_s` (a
// slowloris sending a header a byte at a time, or a connection that never sends) is closed,
// and so is one that does not read its answer within `write_timeout_s`. Between requests a
// keep-alive connection may sit idle for `idle_timeout_s` (announced in `Keep-Alive:
// timeout=N`, which Node's agent honours) before the next request's timer starts. A timed-out
// connection is closed within a quarter second after its timeout (one sweep per listener keeps
// every connection's deadline; http_server.cc, Deadlines), never before. The caps
// are lowered to fit the process's descriptor limit (RLIMIT_NOFILE) so accept() does not run
// out; if it fails anyway (EMFILE, ENFILE), accepting pauses 100 ms instead of spinning.
struct HttpServerLimits {
  int max_connections = 4096;
  int max_per_source = 512;  // by the client's IP address
  int request_timeout_s = 30;
  int idle_timeout_s = 75;  // nginx's keepalive_timeout
  int write_timeout_s = 60;
};

class HttpServer {
 public:
  // Binds "host:port" (port 0 picks a free one) and starts `threads` I/O threads and
  // `blocking_threads` threads for deferred responses (at most that many wait at once).
  // With `netns` (a name under /run/netns), the listening socket is made in that network
  // namespace: the server answers there while its threads stay in the caller's namespace.
  // With `tls`, every connection is TLS (1.2 or later) with that identity (a client that does
  // not complete the handshake within the request timeout is dropped).
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& listen, int threads,
                                                   HttpHandler handler, int blocking_threads = 8,
                                                   const std::string& netns = "",
                                                   HttpServerLimits limits = {},
                                                   const TlsIdentity* tls = nullptr);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

}  // namespace openecs
