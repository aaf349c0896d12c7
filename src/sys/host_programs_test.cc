#include "sys/host_programs.h"

#include <gtest/gtest.h>

#include <set>

namespace openecs {
namespace {

bool OnlyIp(const std::string& program) { return program == "ip"; }

TEST(HostPrograms, ParsesTheTableAndNamesThePackageOfEachMissingProgram) {
  auto table = ParseHostPrograms(
      "# comment\n\nqemu-img   qemu-utils  qemu  # trailing\nip iproute2 vpc\n"
      "nft nftables vpc\nbroken-line\n");
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].program, "qemu-img");
  EXPECT_EQ(table[0].package, "qemu-utils");
  EXPECT_EQ(table[0].need, "qemu");
  EXPECT_EQ(MissingPrograms(table, "vpc", OnlyIp),
            std::vector<std::string>{"nft (Debian package nftables)"});
  EXPECT_EQ(MissingPrograms(table, "qemu", OnlyIp),
            std::vector<std::string>{"qemu-img (Debian package qemu-utils)"});
}

TEST(HostPrograms, TheEmbeddedTableHasWhatTheDriversRun) {
  // What src/ runs must be in scripts/host-programs, or a clean machine lacks it.
  std::set<std::string> qemu, vpc;
  for (const auto& p : HostPrograms()) (p.need == "qemu" ? qemu : vpc).insert(p.program);
  for (const char* prog : {"qemu-system-x86_64", "qemu-img"}) EXPECT_TRUE(qemu.count(prog)) << prog;
  for (const char* prog : {"ip", "nft", "dnsmasq", "tc"}) EXPECT_TRUE(vpc.count(prog)) << prog;
}

}  // namespace
}  // namespace openecs
