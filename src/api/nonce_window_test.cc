#include "api/nonce_window.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace openecs {
using Outcome = NonceWindow::Outcome;

TEST(NonceWindow, ANonceIsUsedOnceAtItsSignedSecond) {
  NonceWindow w(900, 100);
  EXPECT_EQ(w.Admit(42, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(w.Admit(42, 1000, 1005), Outcome::kUsed);
  EXPECT_EQ(w.Admit(42, 999, 1005), Outcome::kFresh);  // signed at another time: another request
  EXPECT_EQ(w.Admit(0, 1000, 1005), Outcome::kFresh);  // a zero digest is a digest too
  EXPECT_EQ(w.Admit(0, 1000, 1005), Outcome::kUsed);
  EXPECT_EQ(w.size(), 3u);
}

TEST(NonceWindow, SecondsOutsideTheSkewAreRefusedAndForgotten) {
  NonceWindow w(10, 100);
  EXPECT_EQ(w.Admit(1, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(w.Admit(2, 989, 1000), Outcome::kOutside);
  EXPECT_EQ(w.Admit(3, 1011, 1000), Outcome::kOutside);
  EXPECT_EQ(w.Admit(4, 1010, 1000), Outcome::kFresh);
  EXPECT_EQ(w.Admit(1, 1000, 1010), Outcome::kUsed);  // still inside at now = 1010
  EXPECT_EQ(w.Admit(5, 1001, 1011), Outcome::kFresh);
  EXPECT_EQ(w.size(), 2u);  // second 1000 was forgotten at now = 1011
  EXPECT_EQ(w.Admit(1, 1000, 1011), Outcome::kOutside);
  EXPECT_EQ(w.Admit(6, 5000, 5000), Outcome::kFresh);  // a jump past the whole window
  EXPECT_EQ(w.size(), 1u);
}

TEST(NonceWindow, CapacityForgetsTheSecondsFarthestFromNow) {
  NonceWindow w(900, 4);
  for (uint64_t d : {1, 2}) EXPECT_EQ(w.Admit(d, 100, 100), Outcome::kFresh);
  for (uint64_t d : {3, 4}) EXPECT_EQ(w.Admit(d, 101, 101), Outcome::kFresh);
  std::vector<int64_t> forgotten;
  EXPECT_EQ(w.Admit(5, 102, 102, &forgotten), Outcome::kFresh);
  EXPECT_EQ(forgotten, std::vector<int64_t>{100});
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.forgotten_total(), 1u);
  // Second 100 is forgotten: its nonces, used or not, could be replays now.
  EXPECT_EQ(w.Admit(1, 100, 102), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(9, 100, 102), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(3, 101, 102), Outcome::kUsed);
  // A nonce signed farther from now than every kept second finds no room; nothing is forgotten.
  EXPECT_EQ(w.Admit(6, 102, 102), Outcome::kFresh);
  EXPECT_EQ(w.Admit(7, 90, 102), Outcome::kFull);
  EXPECT_EQ(w.forgotten_total(), 1u);
  // Only its own second kept: no room either.
  NonceWindow one(900, 2);
  EXPECT_EQ(one.Admit(1, 200, 200), Outcome::kFresh);
  EXPECT_EQ(one.Admit(2, 200, 200), Outcome::kFresh);
  EXPECT_EQ(one.Admit(3, 200, 200), Outcome::kFull);
  EXPECT_EQ(one.Admit(1, 200, 200), Outcome::kUsed);
  EXPECT_EQ(one.Admit(3, 201, 201), Outcome::kFresh);  // forgets 200
  EXPECT_EQ(one.Admit(4, 200, 201), Outcome::kForgotten);
  // Its own second the newest of those kept: the oldest goes.
  NonceWindow two(900, 2);
  EXPECT_EQ(two.Admit(1, 100, 1000), Outcome::kFresh);
  EXPECT_EQ(two.Admit(2, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(two.Admit(3, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(two.forgotten(), std::set<int64_t>{100});
}

TEST(NonceWindow, AFloodSignedAheadLosesItsOwnSecondsNotThoseOfAccurateClocks) {
  NonceWindow w(900, 4);
  for (uint64_t d : {1, 2}) EXPECT_EQ(w.Admit(d, 1900, 1000), Outcome::kFresh);
  for (uint64_t d : {3, 4}) EXPECT_EQ(w.Admit(d, 1899, 1000), Outcome::kFresh);
  for (uint64_t d = 10; d < 14; ++d) EXPECT_EQ(w.Admit(d, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(w.forgotten(), (std::set<int64_t>{1899, 1900}));
  EXPECT_EQ(w.Admit(1, 1900, 1000), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(3, 1899, 1000), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(10, 1000, 1000), Outcome::kUsed);
  // Behind now as well: the accurate second stays.
  NonceWindow behind(900, 2);
  EXPECT_EQ(behind.Admit(1, 100, 1000), Outcome::kFresh);
  EXPECT_EQ(behind.Admit(2, 1000, 1000), Outcome::kFresh);
  EXPECT_EQ(behind.Admit(3, 999, 1000), Outcome::kFresh);  // forgets 100
  EXPECT_EQ(behind.Admit(2, 1000, 1000), Outcome::kUsed);
  EXPECT_EQ(behind.forgotten(), std::set<int64_t>{100});
}

TEST(NonceWindow, AForgottenSecondStaysRefusedUntilItLeavesTheWindow) {
  NonceWindow w(10, 100);
  EXPECT_EQ(w.Admit(1, 1000, 1000), Outcome::kFresh);
  w.Forget(1000, 1000);
  w.Forget(995, 1000);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.Admit(1, 1000, 1005), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(2, 995, 1005), Outcome::kForgotten);
  EXPECT_EQ(w.Admit(2, 996, 1005), Outcome::kFresh);
  EXPECT_EQ(w.forgotten(), (std::set<int64_t>{995, 1000}));
  EXPECT_EQ(w.Admit(3, 1001, 1006), Outcome::kFresh);
  EXPECT_EQ(w.forgotten(), std::set<int64_t>{1000});  // 995 left the window at now = 1006
}

TEST(NonceWindow, ManyNoncesInOneSecondAreEachKnown) {
  NonceWindow w(900, 1 << 20);
  std::mt19937_64 rng(7);
  std::set<uint64_t> digests;
  while (digests.size() < 50000) digests.insert(rng());
  for (uint64_t d : digests) ASSERT_EQ(w.Admit(d, 1000, 1000), Outcome::kFresh);
  for (uint64_t d : digests) ASSERT_EQ(w.Admit(d, 1000, 1000), Outcome::kUsed);
  // Digests that agree in their low bits (one slot) still differ.
  for (uint64_t d = 1; d <= 1000; ++d) ASSERT_EQ(w.Admit(d << 40, 1001, 1000), Outcome::kFresh);
  for (uint64_t d = 1; d <= 1000; ++d) ASSERT_EQ(w.Admit(d << 40, 1001, 1000), Outcome::kUsed);
  EXPECT_EQ(w.size(), 51000u);
  std::map<int64_t, size_t> listed;
  w.ForEach([&](int64_t second, uint64_t) { ++listed[second]; });
  EXPECT_EQ(listed, (std::map<int64_t, size_t>{{1000, 50000}, {1001, 1000}}));
}

TEST(NonceWindow, TimeOnlyGoesForward) {
  NonceWindow w(10, 100);
  EXPECT_EQ(w.Admit(1, 990, 1000), Outcome::kFresh);
  EXPECT_EQ(w.Admit(2, 995, 1001), Outcome::kFresh);  // 990 expires
  // A caller that read the clock earlier (1000), or a clock stepped back: 990 is not admitted
  // again, though it lies within 1000 - 10.
  EXPECT_EQ(w.Admit(1, 990, 1000), Outcome::kOutside);
  EXPECT_EQ(w.Admit(2, 995, 990), Outcome::kUsed);
  EXPECT_EQ(w.Admit(3, 1005, 990), Outcome::kOutside);  // past that caller's now + skew
}

TEST(NonceWindow, AnySkewAndAnySecond) {
  NonceWindow w(1000000000, 4);  // the fuzz targets' window: ~31 years either side
  EXPECT_EQ(w.Admit(1, -5, 0), Outcome::kFresh);
  EXPECT_EQ(w.Admit(1, -5, 0), Outcome::kUsed);
  EXPECT_EQ(w.Admit(1, 999999999, 0), Outcome::kFresh);
  EXPECT_EQ(w.Admit(1, INT64_MAX, INT64_MAX), Outcome::kFresh);  // the others expire
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.Admit(1, INT64_MIN, INT64_MIN), Outcome::kOutside);
}

}  // namespace openecs
