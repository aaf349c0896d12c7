// Automatic snapshot policies against a real SQLite store: the round due in the current hour
// snapshots every disk the policy is applied to, once; other hours and days do nothing;
// snapshots past their retention are deleted unless a disk was made from them.
#include "service/snapshot_policy_service.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "service/cloud_test_fixture.h"

namespace openecs {
namespace {

class SnapshotPolicyTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      for (const char* id : {"d-one", "d-two", "d-other"}) {
                        Disk d;
                        d.id = id;
                        d.account_id = "acct";
                        d.region_id = "local";
                        d.type = "data";
                        d.size_gib = 20;
                        d.host_id = "host-1";  // it has data: it can be snapshotted
                        txn.Put(d);
                      }
                      return Ok();
                    })
                    .ok());
  }
  std::vector<Snapshot> Snapshots() {
    return cloud_->Read<std::vector<Snapshot>>([](const State& s) {
      std::vector<Snapshot> out;
      for (const auto& [id, snap] : s.snapshots) out.push_back(snap);
      return out;
    });
  }
};

TEST_F(SnapshotPolicyTest, ListsParseAsEcsSendsThem) {
  EXPECT_EQ(*ParseNumberList(R"(["13","0"])", 0, 23, "timePoints"), (std::vector<int>{0, 13}));
  EXPECT_EQ(*ParseNumberList("[1,7]", 1, 7, "repeatWeekdays"), (std::vector<int>{1, 7}));
  for (const char* bad : {R"(["24"])", R"(["1","1"])", R"(["x"])", "1,2", R"([-1])", "{}"})
    EXPECT_FALSE(ParseNumberList(bad, 0, 23, "timePoints").ok()) << bad;
}

TEST_F(SnapshotPolicyTest, RunsOncePerDueHourAndKeepsSnapshotsForTheirRetention) {
  // The middle of this hour: "a minute later" must stay in it (at xx:59 the other policy's
  // hour came due, and CI saw 1 snapshot started instead of 0).
  int64_t now = NowSeconds() / 3600 * 3600 + 1800;
  int hour = static_cast<int>(now / 3600 % 24);
  SnapshotPolicyRequest r{"acct", "local", "nightly", {hour}, {1, 2, 3, 4, 5, 6, 7}, 2, {}};
  auto policy = CreateAutoSnapshotPolicy(*cloud_, r);
  ASSERT_TRUE(policy.ok());
  SnapshotPolicyRequest later = r;
  later.time_points = {(hour + 1) % 24};
  auto other = CreateAutoSnapshotPolicy(*cloud_, later);
  ASSERT_TRUE(ApplyAutoSnapshotPolicy(*cloud_, "acct", policy->id, {"d-one", "d-two"}).ok());
  ASSERT_TRUE(ApplyAutoSnapshotPolicy(*cloud_, "acct", other->id, {"d-other"}).ok());
  EXPECT_FALSE(ApplyAutoSnapshotPolicy(*cloud_, "acct", policy->id, {"d-nope"}).ok());
  EXPECT_FALSE(ApplyAutoSnapshotPolicy(*cloud_, "acct", "sp-nope", {"d-one"}).ok());

  PolicyRound first = RunSnapshotPolicies(*cloud_, now);
  EXPECT_EQ(first.started, 2);  // d-one and d-two; d-other's hour is not now
  EXPECT_EQ(RunSnapshotPolicies(*cloud_, now + 60).started, 0) << "once per hour";
  auto snaps = Snapshots();
  ASSERT_EQ(snaps.size(), 2u);
  for (const auto& s : snaps) {
    EXPECT_TRUE(s.automatic);
    EXPECT_EQ(s.retention_days, 2);
    EXPECT_EQ(s.name.rfind("auto_", 0), 0u) << s.name;
  }
  // Cancelled for d-two: the next day's round snapshots d-one only.
  ASSERT_TRUE(CancelAutoSnapshotPolicy(*cloud_, "acct", "", {"d-two"}).ok());
  // The host finished them; one of them becomes the source of a disk.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    for (auto& [id, s] : txn.state().snapshots) {
                      s.status = "accomplished";
                      txn.Touch(s);
                    }
                    Disk& d = txn.state().disks.at("d-other");
                    d.snapshot_id = snaps[0].id;
                    txn.Touch(d);
                    return Ok();
                  })
                  .ok());
  PolicyRound next_day = RunSnapshotPolicies(*cloud_, now + 86400);
  EXPECT_EQ(next_day.started, 1);
  EXPECT_EQ(next_day.expired, 0);
  // Three days on, the first round is past its two days: deleted, except the one a disk was
  // made from. The next day's snapshot is still progressing (never deleted while being made).
  PolicyRound later_round = RunSnapshotPolicies(*cloud_, now + 3 * 86400 + 7200);
  EXPECT_EQ(later_round.expired, 1);
  auto left = Snapshots();
  EXPECT_EQ(left.size(), 2u);  // the disk's source, and the progressing one
  // Deleting the policy takes it off its disks.
  ASSERT_TRUE(DeleteAutoSnapshotPolicy(*cloud_, "acct", policy->id).ok());
  EXPECT_TRUE(cloud_->Read<bool>(
      [](const State& s) { return s.disks.at("d-one").auto_snapshot_policy_id.empty(); }));
}

}  // namespace
}  // namespace openecs
