#pragma once
// The server side of RFC 6455 WebSockets, as much as Session Manager needs: the handshake's
// accept key, a frame reader for the client's (masked) frames and a frame writer for ours
// (unmasked). No I/O here: callers own the sockets. Fragmented messages come out frame by
// frame (a byte stream needs no reassembly); extensions (compression) are never negotiated.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_server.h"
#include "common/result.h"

namespace openecs {

enum class WsOpcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10
};

// The Sec-WebSocket-Accept value for `req` if it is a WebSocket upgrade (GET, `Upgrade:
// websocket`, a `Connection` naming upgrade, version 13, a key), or nullopt.
std::optional<std::string> WebSocketAcceptKey(const HttpRequest& req);
// The 101 answer to a valid upgrade, without a takeover (the caller sets it).
HttpResponse WebSocketUpgradeResponse(const std::string& accept_key);

struct WsFrame {
  WsOpcode opcode = WsOpcode::kBinary;
  bool fin = true;
  std::string payload;  // unmasked
};

// Collects bytes from a client and cuts them into frames. Not thread-safe.
class WsReader {
 public:
  explicit WsReader(size_t max_payload = 1 << 20) : max_payload_(max_payload) {}
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame, nullopt if more bytes are needed; an error for an unmasked frame, a
  // reserved bit or opcode, or a payload over the limit (the caller closes with 1002 / 1009).
  Result<std::optional<WsFrame>> Next();

 private:
  size_t max_payload_;
  std::string buffer_;
};

// One server frame (FIN set, unmasked).
std::string WsEncode(WsOpcode opcode, std::string_view payload);
// A close frame with a status code (1000 normal, 1001 going away, 1008 policy) and a reason.
std::string WsCloseFrame(uint16_t code, std::string_view reason);

}  // namespace openecs
