#include "common/websocket.h"

#include <openssl/sha.h>

#include "common/crypto.h"
#include "common/text.h"

namespace openecs {

namespace {
std::string HeaderOf(const HttpRequest& req, const char* name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? "" : it->second;
}
}  // namespace

std::optional<std::string> WebSocketAcceptKey(const HttpRequest& req) {
  if (req.method != "GET") return std::nullopt;
  if (ToLower(Trim(HeaderOf(req, "upgrade"))) != "websocket") return std::nullopt;
  if (ToLower(HeaderOf(req, "connection")).find("upgrade") == std::string::npos)
    return std::nullopt;
  if (Trim(HeaderOf(req, "sec-websocket-version")) != "13") return std::nullopt;
  std::string key = Trim(HeaderOf(req, "sec-websocket-key"));
  auto raw = Base64Decode(key);
  if (!raw || raw->size() != 16) return std::nullopt;
  std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Base64Encode(std::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

HttpResponse WebSocketUpgradeResponse(const std::string& accept_key) {
  HttpResponse r;
  r.status = 101;
  r.content_type.clear();
  r.headers = {
      {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", accept_key}};
  return r;
}

Result<std::optional<WsFrame>> WsReader::Next() {
  auto bad = [](const char* why) { return MakeError(ErrorCode::kInvalidParameter, why); };
  if (buffer_.size() < 2) return std::optional<WsFrame>();
  auto b = [&](size_t i) { return static_cast<uint8_t>(buffer_[i]); };
  if (b(0) & 0x70) return bad("reserved bits set");
  auto op = static_cast<WsOpcode>(b(0) & 0x0f);
  switch (op) {
    case WsOpcode::kContinuation:
    case WsOpcode::kText:
    case WsOpcode::kBinary:
    case WsOpcode::kClose:
    case WsOpcode::kPing:
    case WsOpcode::kPong:
      break;
    default:
      return bad("unknown opcode");
  }
  if (!(b(1) & 0x80)) return bad("client frames must be masked");
  uint64_t len = b(1) & 0x7f;
  size_t at = 2;
  if (len == 126) {
    if (buffer_.size() < 4) return std::optional<WsFrame>();
    len = (uint64_t{b(2)} << 8) | b(3);
    at = 4;
  } else if (len == 127) {
    if (buffer_.size() < 10) return std::optional<WsFrame>();
    len = 0;
    for (size_t i = 2; i < 10; ++i) len = (len << 8) | b(i);
    at = 10;
  }
  if (len > max_payload_) return bad("frame too large");
  if (static_cast<int>(op) >= 8 && len > 125) return bad("control frame too large");
  if (buffer_.size() < at + 4 + len) return std::optional<WsFrame>();
  const uint8_t mask[4] = {b(at), b(at + 1), b(at + 2), b(at + 3)};
  at += 4;
  WsFrame f;
  f.opcode = op;
  f.fin = b(0) & 0x80;
  f.payload = buffer_.substr(at, len);
  for (size_t i = 0; i < f.payload.size(); ++i) f.payload[i] ^= mask[i % 4];
  buffer_.erase(0, at + len);
  return std::optional<WsFrame>(std::move(f));
}

std::string WsEncode(WsOpcode opcode, std::string_view payload) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(126);
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(127);
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((uint64_t{n} >> (8 * i)) & 0xff));
  }
  out.append(payload);
  return out;
}

std::string WsCloseFrame(uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xff));
  body.append(reason.substr(0, 120));
  return WsEncode(WsOpcode::kClose, body);
}

}  // namespace openecs
