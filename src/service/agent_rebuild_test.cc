// AgentService::RebuildDue: a host's whole state is built again between half of
// kRebuildAfterMs and all of it after the last build, and hosts built together are not all
// due together.
#include <gtest/gtest.h>

#include <string>

#include "service/agent_service.h"

namespace openecs {
namespace {

TEST(AgentRebuildTest, HostsBuiltTogetherAreRebuiltSpreadOverTheSecondHalf) {
  const int64_t full = AgentService::kRebuildAfterMs, built = 123456789;
  int due_at_three_quarters = 0;
  for (int k = 0; k < 1000; ++k) {
    std::string host = "h-" + std::to_string(k);
    EXPECT_FALSE(AgentService::RebuildDue(host, built, built + full / 2 - 1)) << host;
    EXPECT_TRUE(AgentService::RebuildDue(host, built, built + full)) << host;
    due_at_three_quarters += AgentService::RebuildDue(host, built, built + full * 3 / 4);
  }
  // About half; the same host is spread differently at its next build.
  EXPECT_GT(due_at_three_quarters, 350);
  EXPECT_LT(due_at_three_quarters, 650);
  int moved = 0;
  for (int k = 0; k < 100; ++k) {
    std::string host = "h-" + std::to_string(k);
    for (int64_t at = built; at < built + full; at += 1000) {
      bool first = AgentService::RebuildDue(host, built, at);
      bool later = AgentService::RebuildDue(host, built + 1, at + 1);
      if (first != later) {
        ++moved;
        break;
      }
    }
  }
  EXPECT_GT(moved, 50);
}

}  // namespace
}  // namespace openecs
