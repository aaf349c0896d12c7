// The ownership helpers of cloud.h (OwnedBy, FindOwned, Owned) on plain State tables, and the
// rule they carry as services answer it: another account's record is as unknown as a missing
// one, with the same code and message.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "service/cloud.h"
#include "service/cloud_test_fixture.h"
#include "service/disk_service.h"
#include "service/network_service.h"

namespace openecs {
namespace {

Disk DiskOf(const std::string& id, const std::string& account_id) {
  Disk d;
  d.id = id;
  d.account_id = account_id;
  return d;
}

// d-1 and d-3 are a's, d-2 is b's.
State ThreeDisks() {
  State s;
  for (const auto& [id, account] :
       std::vector<std::pair<std::string, std::string>>{{"d-1", "a"}, {"d-2", "b"}, {"d-3", "a"}})
    s.disks[id] = DiskOf(id, account);
  return s;
}

std::vector<std::string> Ids(const auto& range) {
  std::vector<std::string> out;
  for (const auto& [id, record] : range) out.push_back(id);
  return out;
}

TEST(OwnedBy, ComparesTheRecordsAccount) {
  EXPECT_TRUE(OwnedBy(DiskOf("d-1", "a"), "a"));
  EXPECT_FALSE(OwnedBy(DiskOf("d-1", "a"), "b"));
  EXPECT_FALSE(OwnedBy(DiskOf("d-1", "a"), ""));
  EXPECT_FALSE(OwnedBy(DiskOf("d-1", ""), "a"));
}

TEST(FindOwned, FindsOnlyTheCallersRecord) {
  State s = ThreeDisks();
  Disk* d = FindOwned(s.disks, "d-1", "a");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d, &s.disks.at("d-1"));
  EXPECT_EQ(FindOwned(s.disks, "d-2", "a"), nullptr);  // b's: as if absent
  EXPECT_EQ(FindOwned(s.disks, "d-9", "a"), nullptr);  // absent
  EXPECT_EQ(FindOwned(s.disks, "d-1", ""), nullptr);
  EXPECT_EQ(FindOwned(s.vpcs, "d-1", "a"), nullptr);  // another table

  d->size_gib = 40;  // a mutable table gives a mutable record
  EXPECT_EQ(s.disks.at("d-1").size_gib, 40);
  const State& cs = s;
  const Disk* cd = FindOwned(cs.disks, "d-1", "a");
  static_assert(std::is_same_v<decltype(FindOwned(cs.disks, "d-1", "a")), const Disk*>);
  ASSERT_NE(cd, nullptr);
  EXPECT_EQ(cd->size_gib, 40);
}

TEST(Owned, ListsTheCallersRecordsInIdOrder) {
  State s = ThreeDisks();
  EXPECT_EQ(Ids(Owned(s.disks, "a")), (std::vector<std::string>{"d-1", "d-3"}));
  EXPECT_EQ(Ids(Owned(s.disks, "b")), (std::vector<std::string>{"d-2"}));
  EXPECT_TRUE(Ids(Owned(s.disks, "c")).empty());
  EXPECT_TRUE(Ids(Owned(s.vpcs, "a")).empty());  // an empty table

  // Foreign records first and last: skipped at both ends.
  s.disks["d-0"] = DiskOf("d-0", "b");
  s.disks["d-4"] = DiskOf("d-4", "b");
  EXPECT_EQ(Ids(Owned(s.disks, "a")), (std::vector<std::string>{"d-1", "d-3"}));
}

TEST(OwnedRecords, CopiesTheCallersRecordsInIdOrder) {
  State s = ThreeDisks();
  std::vector<Disk> mine = OwnedRecords(s.disks, "a");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].id, "d-1");
  EXPECT_EQ(mine[1].id, "d-3");
  EXPECT_TRUE(OwnedRecords(s.disks, "c").empty());
}

TEST(Owned, ChangesRecordsThroughAMutableTable) {
  State s = ThreeDisks();
  for (auto& [id, d] : Owned(s.disks, "a")) d.size_gib = 100;
  EXPECT_EQ(s.disks.at("d-1").size_gib, 100);
  EXPECT_EQ(s.disks.at("d-2").size_gib, 0);  // b's is untouched
  EXPECT_EQ(s.disks.at("d-3").size_gib, 100);
}

TEST(Owned, KeepsACopyOfATemporaryAccountId) {
  State s = ThreeDisks();
  int n = 0;
  for (const auto& [id, d] : Owned(std::as_const(s).disks, std::string("a") + "")) {
    static_assert(std::is_const_v<std::remove_reference_t<decltype(d)>>);
    EXPECT_EQ(d.account_id, "a");
    ++n;
  }
  EXPECT_EQ(n, 2);
}

// Services through a real store: a foreign id answers exactly what an unknown id answers.
class OwnedServiceTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    ASSERT_TRUE(cloud_
                    ->Write([](Txn& txn) -> Status {
                      Disk d = DiskOf("d-a", "acct-a");
                      d.region_id = "local";
                      d.zone_id = "local-a";
                      d.type = "data";
                      d.category = "cloud_essd";
                      d.size_gib = 20;
                      d.status = "Available";
                      txn.Put(d);
                      Vpc vpc;
                      vpc.id = "vpc-a";
                      vpc.account_id = "acct-a";
                      vpc.region_id = "local";
                      vpc.cidr_block = "192.168.0.0/16";
                      txn.Put(vpc);
                      return Ok();
                    })
                    .ok());
  }
};

TEST_F(OwnedServiceTest, ForeignDiskIsNotFoundWithTheSameMessage) {
  Status foreign = AttachDisk(*cloud_, "acct-b", "d-a", "i-x", std::nullopt);
  Status missing = AttachDisk(*cloud_, "acct-b", "d-none", "i-x", std::nullopt);
  ASSERT_FALSE(foreign.ok());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalidDiskIdNotFound);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidDiskIdNotFound);
  EXPECT_EQ(foreign.error().message, "The specified disk d-a does not exist.");
  EXPECT_EQ(missing.error().message, "The specified disk d-none does not exist.");
  // The owner gets past the disk: it is the instance that is unknown.
  Status own = AttachDisk(*cloud_, "acct-a", "d-a", "i-x", std::nullopt);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, ErrorCode::kInvalidInstanceIdNotFound);
}

TEST_F(OwnedServiceTest, ForeignVpcIsNotFoundAndStays) {
  Status foreign = DeleteVpc(*cloud_, "acct-b", "vpc-a", false);
  Status missing = DeleteVpc(*cloud_, "acct-b", "vpc-none", false);
  ASSERT_FALSE(foreign.ok());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalidVpcIdNotFound);
  EXPECT_EQ(foreign.error().code, missing.error().code);
  EXPECT_EQ(foreign.error().message, missing.error().message);
  EXPECT_TRUE(cloud_->Read<bool>([](const State& s) { return s.vpcs.count("vpc-a") == 1; }));
  EXPECT_TRUE(DeleteVpc(*cloud_, "acct-a", "vpc-a", true).error().code ==
              ErrorCode::kDryRunOperation);  // the owner would delete it
}

}  // namespace
}  // namespace openecs
