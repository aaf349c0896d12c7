#pragma once
// A blocking HTTP/1.1 client call (Boost.Beast, one connection per call): for the CLI and for
// remote agents. Any HTTP status is a successful call; only a failure to connect, send or
// read (or the timeout) is an error.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/result.h"

namespace openecs {

struct HttpClientRequest {
  std::string method = "GET";
  std::string endpoint;  // host:port (an optional "http://" prefix and trailing "/" are ignored)
  std::string target = "/";
  std::map<std::string, std::string> headers;
  std::string body;
  int timeout_ms = 60000;
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
};

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request);

// GETs an http:// URL into the file at `path`, streaming (no size limit), calling `progress`
// with bytes so far and the total (-1 when the server does not say). Only status 200 counts.
// Stops with an error past `max_bytes`.
Status HttpDownload(const std::string& url, const std::string& path,
                    const std::function<void(int64_t, int64_t)>& progress, int timeout_ms = 60000,
                    int64_t max_bytes = int64_t{1} << 40);

}  // namespace openecs
