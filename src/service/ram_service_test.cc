// RAM against a real SQLite store: console passwords (only a salted hash is kept, and it checks),
// the policy documents the authorizer reads for a user and a role, and the rules that guard
// deletion, AccessKey limits, renames and trust policies.
#include "service/ram_service.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "iam/policy.h"
#include "service/cloud_test_fixture.h"

namespace openecs {
namespace {

const char* kAllowEcs =
    R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]})";
const char* kAllowVpc =
    R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "vpc:*", "Resource": "*"}]})";
const char* kTrust =
    R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"RAM": ["acs:ram::acct:root"]}}]})";

class RamServiceTest : public CloudTest {
 protected:
  void MakeUser(const std::string& name, const std::string& account = "acct") {
    ASSERT_TRUE(CreateRamUser(*cloud_, account, {.name = name}).ok());
  }
  template <typename R>
  R Read(const std::function<R(const State&)>& fn) {
    return cloud_->Read<R>(fn);
  }
};

TEST_F(RamServiceTest, ConsolePasswordIsKeptOnlyAsASaltedHashAndChecks) {
  MakeUser("alice");
  MakeUser("bob");
  ASSERT_TRUE(CreateLoginProfile(*cloud_, "acct", "alice", "Correct-Horse-1", true, false).ok());
  ASSERT_TRUE(CreateLoginProfile(*cloud_, "acct", "bob", "Correct-Horse-1", false, false).ok());
  auto alice = Read<RamUser>([](const State& s) { return s.ram_users.at("acct/alice"); });
  auto bob = Read<RamUser>([](const State& s) { return s.ram_users.at("acct/bob"); });
  EXPECT_TRUE(alice.login_profile.present);
  EXPECT_TRUE(alice.login_profile.password_reset_required);
  EXPECT_EQ(alice.login_profile.iterations, 20000);
  EXPECT_EQ(alice.login_profile.password_salt.size(), 32u);  // 16 bytes, hex
  EXPECT_EQ(alice.login_profile.password_hash.size(), 64u);  // SHA-256, hex
  // The same password, another salt: another hash.
  EXPECT_NE(alice.login_profile.password_salt, bob.login_profile.password_salt);
  EXPECT_NE(alice.login_profile.password_hash, bob.login_profile.password_hash);
  // Nowhere in the stored record.
  nlohmann::json j = alice;
  EXPECT_EQ(j.dump().find("Correct-Horse-1"), std::string::npos);

  auto check = [&](const std::string& user, const std::string& password) {
    return Read<bool>(
        [&](const State& s) { return CheckConsolePassword(s, "acct", user, password); });
  };
  EXPECT_TRUE(check("alice", "Correct-Horse-1"));
  EXPECT_FALSE(check("alice", "Correct-Horse-2"));
  EXPECT_FALSE(check("alice", ""));
  EXPECT_FALSE(check("carol", "Correct-Horse-1"));
  EXPECT_FALSE(Read<bool>(
      [](const State& s) { return CheckConsolePassword(s, "other", "alice", "Correct-Horse-1"); }));

  ASSERT_TRUE(UpdateLoginProfile(*cloud_, "acct", "alice", {.password = "Battery-Staple-2"}).ok());
  EXPECT_FALSE(check("alice", "Correct-Horse-1"));
  EXPECT_TRUE(check("alice", "Battery-Staple-2"));
  ASSERT_TRUE(DeleteLoginProfile(*cloud_, "acct", "alice").ok());
  EXPECT_FALSE(check("alice", "Battery-Staple-2"));
}

TEST_F(RamServiceTest, PasswordPolicy) {
  MakeUser("alice");
  for (const char* bad :
       {"short1!", "has space 123", "x\x01yyyyyyyy", "0123456789012345678901234567890123"}) {
    auto r = CreateLoginProfile(*cloud_, "acct", "alice", bad, false, false);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kRamPasswordTooWeak) << bad;
  }
  EXPECT_TRUE(CheckPasswordPolicy("abcdefgh").ok());
  EXPECT_TRUE(CheckPasswordPolicy("~!@#$%^&*()_+{}|:<>?").ok());
}

TEST_F(RamServiceTest, PolicyDocumentsOfUserComeFromTheUserAndItsGroups) {
  MakeUser("alice");
  ASSERT_TRUE(CreateRamGroup(*cloud_, "acct", "ops", "").ok());
  ASSERT_TRUE(AddUserToGroup(*cloud_, "acct", "alice", "ops").ok());
  ASSERT_TRUE(CreateRamPolicy(*cloud_, "acct", "net", "", kAllowVpc, {}).ok());
  ASSERT_TRUE(
      AttachRamPolicy(*cloud_, "acct", RamEntity::kUser, "alice", RamPolicyType::kCustom, "net")
          .ok());
  ASSERT_TRUE(AttachRamPolicy(*cloud_, "acct", RamEntity::kGroup, "ops", RamPolicyType::kSystem,
                              "AliyunECSReadOnlyAccess")
                  .ok());
  auto docs = [&](const std::string& user) {
    return Read<std::vector<std::string>>(
        [&](const State& s) { return PolicyDocumentsOfUser(s, "acct", user); });
  };
  auto got = docs("alice");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], kAllowVpc);
  EXPECT_EQ(got[1], FindSystemPolicy("AliyunECSReadOnlyAccess")->document);
  EXPECT_TRUE(docs("nobody").empty());
  EXPECT_TRUE(Read<std::vector<std::string>>([](const State& s) {
                return PolicyDocumentsOfUser(s, "other", "alice");
              }).empty());

  // The default version is the one that applies.
  auto v2 = CreateRamPolicyVersion(*cloud_, "acct", "net", kAllowEcs, false, RotateStrategy::kNone);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version_id, "v2");
  EXPECT_EQ(docs("alice")[0], kAllowVpc);
  ASSERT_TRUE(SetDefaultRamPolicyVersion(*cloud_, "acct", "net", "v2").ok());
  EXPECT_EQ(docs("alice")[0], kAllowEcs);

  // Leaving the group drops its policies.
  ASSERT_TRUE(RemoveUserFromGroup(*cloud_, "acct", "alice", "ops").ok());
  EXPECT_EQ(docs("alice").size(), 1u);
}

TEST_F(RamServiceTest, PolicyDocumentsOfRole) {
  RamRoleInput in{.name = "Deployer", .assume_role_policy_document = kTrust};
  auto role = CreateRamRole(*cloud_, "acct", in);
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->role_id.size(), 16u);
  EXPECT_EQ(RoleArn("acct", "Deployer"), "acs:ram::acct:role/deployer");
  ASSERT_TRUE(AttachRamPolicy(*cloud_, "acct", RamEntity::kRole, "Deployer", RamPolicyType::kSystem,
                              "AliyunECSFullAccess")
                  .ok());
  auto docs = Read<std::vector<std::string>>(
      [](const State& s) { return PolicyDocumentsOfRole(s, "acct", "Deployer"); });
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_TRUE(ParsedPolicy::Parse(docs[0]).ok());
  EXPECT_TRUE(
      Read<bool>([](const State& s) { return FindRole(s, "acct", "Deployer") != nullptr; }));
  EXPECT_FALSE(
      Read<bool>([](const State& s) { return FindRole(s, "other", "Deployer") != nullptr; }));
  auto del = DeleteRamRole(*cloud_, "acct", "Deployer");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, ErrorCode::kRamDeleteConflictRolePolicy);
}

TEST_F(RamServiceTest, AccessKeysAreLimitedAndFollowARename) {
  MakeUser("alice");
  auto k1 = CreateRamAccessKey(*cloud_, "acct", "alice");
  auto k2 = CreateRamAccessKey(*cloud_, "acct", "alice");
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_EQ(k1->id.size(), 24u);
  EXPECT_EQ(k1->id.rfind("LTAI", 0), 0u);
  EXPECT_EQ(k1->secret.size(), 30u);
  auto k3 = CreateRamAccessKey(*cloud_, "acct", "alice");
  ASSERT_FALSE(k3.ok());
  EXPECT_EQ(k3.error().code, ErrorCode::kRamLimitExceededAccessKey);

  ASSERT_TRUE(UpdateRamUser(*cloud_, "acct", "alice", {.new_name = "alicia"}).ok());
  std::string owner = Read<std::string>([&](const State& s) {
    const AccessKey* k = FindAccessKey(s, k1->id);
    return k ? k->user_name : std::string();
  });
  EXPECT_EQ(owner, "alicia");
  auto del = DeleteRamUser(*cloud_, "acct", "alicia");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, ErrorCode::kRamDeleteConflictUserAccessKey);
  ASSERT_TRUE(DeleteRamAccessKey(*cloud_, "acct", "alicia", k1->id).ok());
  ASSERT_TRUE(DeleteRamAccessKey(*cloud_, "acct", "alicia", k2->id).ok());
  EXPECT_TRUE(DeleteRamUser(*cloud_, "acct", "alicia").ok());
}

TEST_F(RamServiceTest, RootKeysCountTheAccountsOriginalKey) {
  ASSERT_TRUE(cloud_
                  ->Write([](Txn& txn) -> Status {
                    Account a;
                    a.id = "acct";
                    a.access_key_id = "LTAIoriginal";
                    a.access_key_secret = "s";
                    txn.Put(a);
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(CreateRamAccessKey(*cloud_, "acct", "").ok());
  auto third = CreateRamAccessKey(*cloud_, "acct", "");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::kRamLimitExceededAccessKey);
  auto keys = Read<Result<std::vector<AccessKeyView>>>(
      [](const State& s) { return ListRamAccessKeys(s, "acct", ""); });
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "LTAIoriginal");
  auto del = DeleteRamAccessKey(*cloud_, "acct", "", "LTAIoriginal");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, ErrorCode::kForbidden);
}

TEST_F(RamServiceTest, PolicyVersionsRotateAndTheDefaultStays) {
  ASSERT_TRUE(CreateRamPolicy(*cloud_, "acct", "p", "", kAllowEcs, {}).ok());
  for (int i = 2; i <= 5; ++i)
    ASSERT_TRUE(
        CreateRamPolicyVersion(*cloud_, "acct", "p", kAllowVpc, false, RotateStrategy::kNone).ok());
  auto sixth =
      CreateRamPolicyVersion(*cloud_, "acct", "p", kAllowVpc, false, RotateStrategy::kNone);
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code, ErrorCode::kRamLimitExceededPolicyVersion);
  auto rotated =
      CreateRamPolicyVersion(*cloud_, "acct", "p", kAllowVpc, true,
                             RotateStrategy::kDeleteOldestNonDefaultVersionWhenLimitExceeded);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->version_id, "v6");
  auto versions = Read<Result<std::vector<RamPolicyVersionView>>>(
      [](const State& s) { return ListRamPolicyVersions(s, "acct", RamPolicyType::kCustom, "p"); });
  ASSERT_TRUE(versions.ok());
  std::vector<std::string> ids;
  for (const auto& v : *versions) ids.push_back(v.version_id);
  // v1 was the default, so v2 (the oldest other) went.
  EXPECT_EQ(ids, (std::vector<std::string>{"v1", "v3", "v4", "v5", "v6"}));
  auto del = DeleteRamPolicyVersion(*cloud_, "acct", "p", "v6");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, ErrorCode::kRamDeleteConflictPolicyVersionDefault);
  auto bad = CreateRamPolicy(*cloud_, "acct", "q", "", R"({"Version": "1"})", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformedPolicyDocument);
}

TEST_F(RamServiceTest, DeleteConflictsAndCascade) {
  MakeUser("alice");
  ASSERT_TRUE(CreateRamGroup(*cloud_, "acct", "ops", "").ok());
  ASSERT_TRUE(CreateRamPolicy(*cloud_, "acct", "p", "", kAllowEcs, {}).ok());
  ASSERT_TRUE(AddUserToGroup(*cloud_, "acct", "alice", "ops").ok());
  ASSERT_TRUE(
      AttachRamPolicy(*cloud_, "acct", RamEntity::kGroup, "ops", RamPolicyType::kCustom, "p").ok());
  EXPECT_EQ(DeleteRamUser(*cloud_, "acct", "alice").error().code,
            ErrorCode::kRamDeleteConflictUserGroup);
  EXPECT_EQ(DeleteRamGroup(*cloud_, "acct", "ops").error().code,
            ErrorCode::kRamDeleteConflictGroupUser);
  EXPECT_EQ(DeleteRamPolicy(*cloud_, "acct", "p", false).error().code,
            ErrorCode::kRamDeleteConflictPolicyGroup);
  ASSERT_TRUE(DeleteRamPolicy(*cloud_, "acct", "p", true).ok());
  EXPECT_TRUE(
      Read<bool>([](const State& s) { return s.ram_groups.at("acct/ops").policies.empty(); }));
  // A group rename moves its members with it.
  ASSERT_TRUE(UpdateRamGroup(*cloud_, "acct", "ops", "sre", std::nullopt).ok());
  auto groups = Read<Result<std::vector<GroupMembership>>>(
      [](const State& s) { return ListGroupsForUser(s, "acct", "alice"); });
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0].group.name, "sre");
}

TEST_F(RamServiceTest, NamesAndTrustPolicies) {
  EXPECT_EQ(CreateRamUser(*cloud_, "acct", {.name = "bad name"}).error().code,
            ErrorCode::kRamUserNameInvalidChars);
  EXPECT_EQ(CreateRamUser(*cloud_, "acct", {.name = std::string(65, 'a')}).error().code,
            ErrorCode::kRamUserNameLength);
  EXPECT_EQ(CreateRamUser(*cloud_, "acct", {.name = "a", .email = "nope"}).error().code,
            ErrorCode::kRamEmailFormat);
  EXPECT_EQ(CreateRamUser(*cloud_, "acct", {.name = "a", .mobile_phone = "123"}).error().code,
            ErrorCode::kRamMobilePhoneFormat);
  EXPECT_EQ(CreateRamGroup(*cloud_, "acct", "a/b", "").error().code,
            ErrorCode::kRamGroupNameInvalidChars);
  EXPECT_EQ(CreateRamPolicy(*cloud_, "acct", "a_b", "", kAllowEcs, {}).error().code,
            ErrorCode::kRamPolicyNameInvalidChars);
  EXPECT_TRUE(CheckTrustPolicy(kTrust).ok());
  EXPECT_TRUE(CheckTrustPolicy(R"({"Version": "1", "Statement": {"Effect": "Allow",
      "Action": ["sts:AssumeRole"], "Principal": {"Service": "ecs.aliyuncs.com"}}})")
                  .ok());
  for (const char* bad : {
           "not json",
           R"({"Statement": []})",
           R"({"Version": "1", "Statement": []})",
           R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*",
               "Principal": {"RAM": ["x"]}}]})",
           R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})",
           R"({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
               "Principal": {"RAM": []}}]})",
           R"({"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "sts:AssumeRole",
               "Principal": {"RAM": "x"}}]})",
       }) {
    auto st = CheckTrustPolicy(bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::kMalformedPolicyDocument) << bad;
  }
}

}  // namespace
}  // namespace openecs
