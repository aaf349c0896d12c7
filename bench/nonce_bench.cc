// nonce_bench — what the API's replay window (src/api/nonce_window.h) costs at a signed-request
// rate held for half an hour: time per check, memory, and how far back a request may be signed
// once the window is full. Simulated time (no sleeping): `rate` requests a second, each signed
// up to 2 s before it arrives, under ecsd's limits (skew 900 s, Authenticator::kMaxNonces).
//
// Usage: build/bin/nonce_bench [--seconds 1800] [--rates 1000,5000,30000,100000]
// Prints one line per rate; asserts nothing (bench/README.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/nonce_window.h"

namespace {
long RssKib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  int seconds = 1800;
  std::vector<long> rates = {1000, 5000, 30000, 100000};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rates")) {
      rates.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string r; std::getline(list, r, ',');) rates.push_back(std::atol(r.c_str()));
    }
  }
  std::printf("%-10s %10s %12s %12s %12s %14s %10s\n", "rate/s", "checks", "ns/check",
              "nonces kept", "RSS MiB", "oldest kept s", "refused");
  for (long rate : rates) {
    long rss0 = RssKib();
    long refused = 0;
    int64_t checks = 0;
    auto* window = new openecs::NonceWindow(900, openecs::Authenticator::kMaxNonces);
    std::mt19937_64 rng(rate);
    const int64_t start = 1'800'000'000;
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t now = start; now < start + seconds; ++now)
      for (long i = 0; i < rate; ++i, ++checks) {
        int64_t signed_at = now - static_cast<int64_t>(rng() % 3);
        if (window->Admit(rng(), signed_at, now) != openecs::NonceWindow::Outcome::kFresh)
          ++refused;
      }
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    int64_t end = start + seconds - 1;
    int64_t oldest = window->oldest().value_or(end);
    std::printf("%-10ld %10lld %12.0f %12zu %12.0f %14lld %10ld\n", rate,
                static_cast<long long>(checks), ns / checks, window->size(),
                (RssKib() - rss0) / 1024.0, static_cast<long long>(end - oldest), refused);
    delete window;
  }
  return 0;
}
