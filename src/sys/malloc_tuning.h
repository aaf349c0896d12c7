#pragma once
// glibc's allocator, tuned for a server's bursts of small objects.
//
// A request makes dozens of objects of one size (map nodes, short strings) before it frees any;
// glibc keeps only 7 freed chunks of a size per thread at hand (the tcache), so most of a
// request's allocations took the slow path (_int_malloc, _int_free, arena locks). Measured with
// bench/describe_regions.sh (min of 5 interleaved runs, ecsd CPU per request): 42-50 us with the
// default, 35-46 us with 100 chunks per size, and no further gain with 1,000.
//
// glibc reads its tunables (GLIBC_TUNABLES) only when a process starts, and mallopt() has no
// knob for the tcache, so ecsd sets the variable and executes itself again, once, before
// anything else (same pid, same arguments). An operator who sets glibc.malloc.tcache_count in
// GLIBC_TUNABLES keeps their value. If the new execution fails, ecsd goes on untuned. Other
// allocators (musl, ASan's) ignore the variable; it is inherited by the programs ecsd starts,
// where it does no harm. Only `ecsd dev` and `ecsd server` (the API) do it (ecsd_main.cc).
#include <optional>
#include <string>

namespace openecs {

inline constexpr int kTcacheCount = 100;

// The GLIBC_TUNABLES value to run with, given the current one (nullptr when unset), or nothing
// when it already names glibc.malloc.tcache_count.
std::optional<std::string> TunablesWithTcache(const char* current, int count = kTcacheCount);

// Sets GLIBC_TUNABLES and executes /proc/self/exe with `argv` again when TunablesWithTcache
// asks for it; returns (untuned) only if that execution failed or was not needed.
void TuneMallocByReexec(char** argv);

}  // namespace openecs
