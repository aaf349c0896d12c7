#include "sys/malloc_tuning.h"

#include <unistd.h>

#include <cstdlib>

#include "common/text.h"

namespace openecs {

std::optional<std::string> TunablesWithTcache(const char* current, int count) {
  std::string setting = "glibc.malloc.tcache_count=" + std::to_string(count);
  if (current == nullptr || *current == '\0') return setting;
  // The variable is a colon-separated list of name=value.
  for (const std::string& item : Split(current, ':'))
    if (item.starts_with("glibc.malloc.tcache_count=")) return std::nullopt;
  return std::string(current) + ":" + setting;
}

void TuneMallocByReexec(char** argv) {
  auto tunables = TunablesWithTcache(std::getenv("GLIBC_TUNABLES"));
  if (!tunables) return;
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Not executed again (no /proc?): go on as we are; the variable stays for child programs.
}

}  // namespace openecs
