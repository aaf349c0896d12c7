// AddressSet (service/address_set.h) against the plain model it replaces, a count per address:
// the same addresses held, runs that are exactly the maximal stretches of held addresses, and
// FirstFreeFrom the lowest unheld address at or after any point; then IpPool::Next over it.
#include "service/address_set.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "common/ipv4.h"
#include "service/network_service.h"

namespace openecs {
namespace {

// The runs a plain count map implies.
std::map<uint32_t, uint32_t> RunsOf(const std::map<uint32_t, int>& refs) {
  std::map<uint32_t, uint32_t> out;
  for (const auto& [ip, n] : refs) {
    if (!out.empty() && uint64_t{std::prev(out.end())->second} + 1 == ip)
      std::prev(out.end())->second = ip;
    else
      out.emplace(ip, ip);
  }
  return out;
}

TEST(AddressSetTest, RunsMergeAndSplitAsAddressesComeAndGo) {
  AddressSet a;
  for (uint32_t ip : {10u, 12u, 11u, 20u}) a.Add(ip, +1);
  EXPECT_EQ(a.runs(), (std::map<uint32_t, uint32_t>{{10, 12}, {20, 20}}));
  EXPECT_EQ(a.FirstFreeFrom(10), 13u);
  EXPECT_EQ(a.FirstFreeFrom(13), 13u);
  EXPECT_EQ(a.FirstFreeFrom(20), 21u);
  EXPECT_EQ(a.FirstFreeFrom(5), 5u);
  a.Add(11, +1);  // two records hold .11: one leaving keeps it held
  a.Add(11, -1);
  EXPECT_TRUE(a.Holds(11));
  a.Add(11, -1);
  EXPECT_FALSE(a.Holds(11));
  EXPECT_EQ(a.runs(), (std::map<uint32_t, uint32_t>{{10, 10}, {12, 12}, {20, 20}}));
  EXPECT_EQ(a.FirstFreeFrom(10), 11u);
  EXPECT_EQ(a.size(), 3u);
  a.Add(7, -1);  // never held: nothing changes
  EXPECT_EQ(a.size(), 3u);
  a.Add(0xffffffffu, +1);
  EXPECT_EQ(a.FirstFreeFrom(0xffffffffu), uint64_t{1} << 32);
}

TEST(AddressSetTest, AgreesWithACountPerAddressThroughRandomChanges) {
  std::mt19937 rng(20);
  AddressSet a;
  std::map<uint32_t, int> model;
  for (int step = 0; step < 20000; ++step) {
    uint32_t ip = rng() % 300;
    int sign = rng() % 3 == 0 ? -1 : +1;
    a.Add(ip, sign);
    if ((model[ip] += sign) <= 0) model.erase(ip);
    if (step % 97 == 0) {
      ASSERT_EQ(a.size(), model.size());
      ASSERT_EQ(a.runs(), RunsOf(model)) << "step " << step;
      for (uint32_t from = 0; from < 310; ++from) {
        uint64_t free = from;
        while (model.count(static_cast<uint32_t>(free))) ++free;
        ASSERT_EQ(a.FirstFreeFrom(from), free) << "from " << from;
      }
    }
  }
}

// What a launch sees in a busy vSwitch: the lowest free address, a hole left by a released
// instance first, then past the dense block; an address released in the same Write is free
// again there, and one taken in it is not.
TEST(AddressSetTest, APoolTakesTheLowestFreeAddressAcrossRunsAndItsOwnChanges) {
  AddressSet held;
  Cidr block = *ParseCidr("10.0.0.0/16", true);
  for (uint32_t k = 1; k <= 5000; ++k) held.Add(block.first() + k, +1);
  held.Add(block.first() + 1234, -1);  // an instance released
  IpPool pool;
  pool.cidr = block;
  pool.held = &held;
  EXPECT_EQ(pool.Next(), block.first() + 1234);
  EXPECT_EQ(pool.Next(), block.first() + 5001);
  pool.Release(block.first() + 17);  // this Write moves an instance off .17
  EXPECT_EQ(pool.Next(), block.first() + 17);
  EXPECT_EQ(pool.Next(), block.first() + 5002);
  EXPECT_EQ(pool.InUseCount(), 4999 + 3);  // .17 was held before the Write and is again
}

TEST(AddressSetTest, AFullPoolHasNoNextAddress) {
  AddressSet held;
  Cidr block = *ParseCidr("10.0.0.0/28", true);  // usable: .1 .. .12
  for (uint32_t k = 1; k <= 11; ++k) held.Add(block.first() + k, +1);
  IpPool pool;
  pool.cidr = block;
  pool.held = &held;
  EXPECT_EQ(pool.Next(), block.first() + 12);
  EXPECT_EQ(pool.Next(), std::nullopt);
}

}  // namespace
}  // namespace openecs
