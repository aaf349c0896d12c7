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
  EXPECT_EQ(w.Admit(2, 989, 1000), Outcome::kTooOld);
  EXPECT_EQ(w.Admit(3, 1011, 1000), Outcome::kTooOld);
  EXPECT_EQ(w.Admit(4, 1010, 1000), Outcome::kFresh);
  EXPECT_EQ(w.Admit(1, 1000, 1010), Outcome::kUsed);  // still inside at now = 1010
  EXPECT_EQ(w.Admit(5, 1001, 1011), Outcome::kFresh);
  EXPECT_EQ(w.size(), 2u);  // second 1000 was forgotten at now = 1011
  EXPECT_EQ(w.Admit(1, 1000, 1011), Outcome::kTooOld);
  EXPECT_EQ(w.Admit(6, 5000, 5000), Outcome::kFresh);  // a jump past the whole ring
  EXPECT_EQ(w.size(), 1u);
}

TEST(NonceWindow, CapacityForgetsTheOldestSecondsAndRaisesTheFloor) {
  NonceWindow w(900, 4);
  for (uint64_t d : {1, 2}) EXPECT_EQ(w.Admit(d, 100, 100), Outcome::kFresh);
  for (uint64_t d : {3, 4}) EXPECT_EQ(w.Admit(d, 101, 101), Outcome::kFresh);
  EXPECT_EQ(w.floor(), INT64_MIN);
  EXPECT_EQ(w.Admit(5, 102, 102), Outcome::kFresh);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.floor(), 101);
  // Second 100 is forgotten: its nonces, used or not, could be replays now.
  EXPECT_EQ(w.Admit(1, 100, 102), Outcome::kTooOld);
  EXPECT_EQ(w.Admit(9, 100, 102), Outcome::kTooOld);
  EXPECT_EQ(w.Admit(3, 101, 102), Outcome::kUsed);
  // A request signed before the oldest second kept cannot make room by forgetting newer ones.
  NonceWindow full(900, 2);
  EXPECT_EQ(full.Admit(1, 200, 200), Outcome::kFresh);
  EXPECT_EQ(full.Admit(2, 200, 200), Outcome::kFresh);
  EXPECT_EQ(full.Admit(3, 200, 200), Outcome::kFull);
  EXPECT_EQ(full.Admit(3, 199, 200), Outcome::kFull);
  EXPECT_EQ(full.floor(), INT64_MIN);  // nothing was forgotten
  EXPECT_EQ(full.Admit(1, 200, 200), Outcome::kUsed);
  EXPECT_EQ(full.Admit(3, 201, 201), Outcome::kFresh);  // forgets 200
  EXPECT_EQ(full.floor(), 201);
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

TEST(NonceWindow, AClockSteppedBackReusesASlotCleanly) {
  NonceWindow w(10, 100);  // a ring of 22 seconds
  EXPECT_EQ(w.Admit(1, 1010, 1000), Outcome::kFresh);
  // Back by 50 s: second 944 shares 1010's slot, which no request can be signed at for now.
  EXPECT_EQ(w.Admit(2, 944, 950), Outcome::kFresh);
  EXPECT_EQ(w.Admit(1, 944, 950), Outcome::kFresh);
  EXPECT_EQ(w.Admit(2, 944, 950), Outcome::kUsed);
  EXPECT_EQ(w.size(), 2u);
}

}  // namespace openecs
