#pragma once
// Writing to a connected socket descriptor in blocking code (session splices, agent streams).
#include <sys/socket.h>

#include <cerrno>
#include <string_view>

namespace openecs {

// Sends all of `data` (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE); false if the peer
// is gone or the descriptor's send timeout passed.
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace openecs
