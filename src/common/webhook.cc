#include "common/webhook.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "common/http_client.h"
#include "common/text.h"

namespace openecs {

Result<int> PostForm(const std::string& url, const std::map<std::string, std::string>& fields,
                     const std::vector<AddressPrefix>& allow, int timeout_ms,
                     const TlsTrust& trust) {
  bool tls = url.rfind("https://", 0) == 0;
  if (!tls && url.rfind("http://", 0) != 0)
    return MakeError(ErrorCode::kInvalidParameter, "not http:// or https://");
  std::string rest = url.substr(tls ? 8 : 7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = authority, port = tls ? "443" : "80";
  if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
    return MakeError(ErrorCode::kInvalidParameter, "bad webhook URL " + url);
  addrinfo hints{};
  hints.ai_family = AF_INET;  // the HTTP client connects to IPv4 endpoints
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    return MakeError(ErrorCode::kInvalidParameter, "cannot resolve " + host);
  std::string address, refused;
  for (addrinfo* a = found; a && address.empty(); a = a->ai_next) {
    char text[INET_ADDRSTRLEN] = {};
    auto* in = reinterpret_cast<sockaddr_in*>(a->ai_addr);
    if (!inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) continue;
    if (auto why = RefusedAddress(text, allow))
      refused += std::string(text) + " (" + *why + ") ";
    else
      address = text;
  }
  freeaddrinfo(found);
  if (address.empty())
    return MakeError(ErrorCode::kForbidden, "webhook address refused: " + refused);
  std::string body;
  for (const auto& [k, v] : fields)
    body += (body.empty() ? "" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
  HttpClientRequest req;
  req.method = "POST";
  req.endpoint = (tls ? "https://" : "") + address + ":" + port;
  req.tls = trust;
  req.tls_name = host;  // the certificate names the URL's host, not the address connected to
  req.target = target;
  req.body = body;
  req.timeout_ms = timeout_ms;
  req.headers = {{"Host", authority}, {"Content-Type", "application/x-www-form-urlencoded"}};
  OPENECS_ASSIGN_OR_RETURN(HttpClientResponse res, HttpCall(req));
  return res.status;
}

}  // namespace openecs
