// TunablesWithTcache (sys/malloc_tuning.h): what ecsd sets GLIBC_TUNABLES to before it executes
// itself again, and when it leaves the variable alone (so that it executes itself only once).
#include "sys/malloc_tuning.h"

#include <gtest/gtest.h>

namespace openecs {
namespace {

TEST(MallocTuning, UnsetOrEmptyGetsTheTcacheSetting) {
  EXPECT_EQ(TunablesWithTcache(nullptr, 100), "glibc.malloc.tcache_count=100");
  EXPECT_EQ(TunablesWithTcache("", 100), "glibc.malloc.tcache_count=100");
}

TEST(MallocTuning, OtherTunablesAreKeptAndTheSettingAppended) {
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.arena_max=2", 100),
            "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=100");
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.tcache_count_x=1", 100),
            "glibc.malloc.tcache_count_x=1:glibc.malloc.tcache_count=100");
}

TEST(MallocTuning, AnOperatorsOwnTcacheCountIsLeftAsItIs) {
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.tcache_count=7", 100), std::nullopt);
  EXPECT_EQ(TunablesWithTcache("glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0", 100),
            std::nullopt);
  // What the first execution set: the second one does not execute again.
  auto once = TunablesWithTcache(nullptr, 100);
  ASSERT_TRUE(once);
  EXPECT_EQ(TunablesWithTcache(once->c_str(), 100), std::nullopt);
}

}  // namespace
}  // namespace openecs
