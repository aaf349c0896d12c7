// Key pairs against a real SQLite store: names are unique per account only (two accounts each
// have their own "deploy", and every lookup by name stays in the caller's account), and records
// stored by older versions (keyed by the name alone, no `name` field) are re-keyed at startup.
#include "service/keypair_service.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/text.h"
#include "service/agent_service.h"
#include "service/cloud_test_fixture.h"
#include "service/resource_group_service.h"
#include "service/tag_service.h"

namespace openecs {
namespace {

class KeyPairServiceTest : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    auto a = GenerateSshRsaKeyPair(1024);
    auto b = GenerateSshRsaKeyPair(1024);
    ASSERT_TRUE(a && b);
    key_a_ = a->public_openssh;
    key_b_ = b->public_openssh;
  }
  Result<KeyPair> Import(const std::string& account, const std::string& name,
                         const std::string& key) {
    return ImportKeyPair(*cloud_, account, "local", name, key, {}, std::nullopt);
  }
  void PutInstance(const std::string& id, const std::string& account,
                   const std::string& key_pair_name) {
    ASSERT_TRUE(cloud_
                    ->Write([&](Txn& txn) -> Status {
                      Instance i;
                      i.id = id;
                      i.account_id = account;
                      i.status = InstanceStatus::kStopped;
                      i.host_id = "h-1";
                      i.key_pair_name = key_pair_name;
                      txn.Put(i);
                      return Ok();
                    })
                    .ok());
  }
  std::set<std::string> Keys() {
    return cloud_->Read<std::set<std::string>>([](const State& s) {
      std::set<std::string> out;
      for (const auto& [key, k] : s.key_pairs) out.insert(key);
      return out;
    });
  }

  std::string key_a_, key_b_;
};

TEST_F(KeyPairServiceTest, TwoAccountsEachHaveTheirOwnName) {
  auto a = Import("acct-a", "deploy", key_a_);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->id, "acct-a/deploy");
  EXPECT_EQ(a->name, "deploy");
  auto b = Import("acct-b", "deploy", key_b_);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_NE(a->fingerprint, b->fingerprint);
  EXPECT_EQ(Import("acct-a", "deploy", key_b_).error().code, ErrorCode::kKeyPairAlreadyExist);
  EXPECT_EQ(Keys(), (std::set<std::string>{"acct-a/deploy", "acct-b/deploy"}));

  // Deleting B's leaves A's; deleting a name B never had is a no-op, not A's.
  ASSERT_TRUE(DeleteKeyPairs(*cloud_, "acct-b", {"deploy", "only-a"}).ok());
  ASSERT_TRUE(Import("acct-a", "only-a", key_a_).ok());
  ASSERT_TRUE(DeleteKeyPairs(*cloud_, "acct-b", {"only-a"}).ok());
  EXPECT_EQ(Keys(), (std::set<std::string>{"acct-a/deploy", "acct-a/only-a"}));
}

TEST_F(KeyPairServiceTest, LookupsByNameStayInTheCallersAccount) {
  ASSERT_TRUE(Import("acct-a", "deploy", key_a_).ok());
  PutInstance("i-b", "acct-b", "");
  EXPECT_EQ(BindKeyPair(*cloud_, "acct-b", "deploy", {"i-b"}, true).error().code,
            ErrorCode::kInvalidKeyPairNameNotFound);
  EXPECT_EQ(TagResources(*cloud_, "acct-b", "keypair", {"deploy"}, {{"k", "v"}}).error().code,
            ErrorCode::kInvalidResourceIdNotFound);
  EXPECT_EQ(MoveToResourceGroup(*cloud_, "acct-b", "keypair", "deploy", "").error().code,
            ErrorCode::kInvalidResourceIdNotFound);

  // A's own lookups find it, and tag listings name it by its name.
  PutInstance("i-a", "acct-a", "");
  auto bound = BindKeyPair(*cloud_, "acct-a", "deploy", {"i-a"}, true);
  ASSERT_TRUE(bound.ok());
  EXPECT_FALSE((*bound)[0].error.has_value());
  ASSERT_TRUE(TagResources(*cloud_, "acct-a", "keypair", {"deploy"}, {{"k", "v"}}).ok());
  auto tagged = ListTagResources(*cloud_, "acct-a", "keypair", {}, {});
  ASSERT_TRUE(tagged.ok());
  ASSERT_EQ(tagged->size(), 1u);
  EXPECT_EQ((*tagged)[0].resource_id, "deploy");
  EXPECT_TRUE(MoveToResourceGroup(*cloud_, "acct-a", "keypair", "deploy", "").ok());
}

TEST_F(KeyPairServiceTest, AGuestGetsItsOwnAccountsKey) {
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    Host h;
                    h.id = "h-1";
                    txn.Put(h);
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(Import("acct-a", "deploy", key_a_).ok());
  PutInstance("i-b", "acct-b", "deploy");  // names A's key pair; B has none by that name
  AgentService agent(*cloud_);
  auto desired = agent.Pull("h-1", 0, 0);
  ASSERT_TRUE(desired.ok());
  ASSERT_EQ(desired->vms.size(), 1u);
  EXPECT_EQ(desired->vms[0].public_key, "");

  ASSERT_TRUE(Import("acct-b", "deploy", key_b_).ok());
  desired = agent.Pull("h-1", 0, 0);
  ASSERT_TRUE(desired.ok());
  ASSERT_EQ(desired->vms.size(), 1u);
  EXPECT_EQ(desired->vms[0].public_key, Trim(key_b_));
}

TEST_F(KeyPairServiceTest, RecordsKeyedByNameAloneAreReKeyedAtStartup) {
  // As an older version stored them: keyed by the name, no name field.
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    for (const char* account : {"acct-a", "acct-b"}) {
                      KeyPair k;
                      k.id = std::string("old-") + account;
                      k.account_id = account;
                      k.key_pair_id = std::string("kp-") + account;
                      k.public_key = key_a_;
                      k.tags = {{"team", account}};
                      txn.Put(k);
                    }
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(Import("acct-a", "new", key_a_).ok());
  ReopenStore();
  ASSERT_TRUE(UpgradeKeyPairRecords(*cloud_).ok());
  std::set<std::string> want = {"acct-a/old-acct-a", "acct-b/old-acct-b", "acct-a/new"};
  EXPECT_EQ(Keys(), want);

  // Durable: a restart finds them under the new keys, and upgrading again changes nothing.
  ReopenStore();
  EXPECT_EQ(Keys(), want);
  ASSERT_TRUE(UpgradeKeyPairRecords(*cloud_).ok());
  EXPECT_EQ(Keys(), want);
  cloud_->Read<int>([&](const State& s) {
    const KeyPair& k = s.key_pairs.at("acct-b/old-acct-b");
    EXPECT_EQ(k.id, "acct-b/old-acct-b");
    EXPECT_EQ(k.name, "old-acct-b");
    EXPECT_EQ(k.key_pair_id, "kp-acct-b");
    EXPECT_EQ(k.tags.size(), 1u);
    return 0;
  });

  // And they answer to their names, in their own account only.
  EXPECT_EQ(Import("acct-a", "old-acct-a", key_b_).error().code, ErrorCode::kKeyPairAlreadyExist);
  ASSERT_TRUE(Import("acct-b", "old-acct-a", key_b_).ok());
  ASSERT_TRUE(DeleteKeyPairs(*cloud_, "acct-a", {"old-acct-a"}).ok());
  EXPECT_EQ(Keys(),
            (std::set<std::string>{"acct-b/old-acct-a", "acct-b/old-acct-b", "acct-a/new"}));
}

}  // namespace
}  // namespace openecs
