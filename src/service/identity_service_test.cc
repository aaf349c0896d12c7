// Identities against a real SQLite store with sealed secrets: account keys, RAM users' keys,
// STS sessions (a role's own and an instance's) and what each one stands for; secrets sealed
// in the store and opened again on load.
#include "service/identity_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "model/ram.h"
#include "service/account_service.h"
#include "service/agent_service.h"
#include "service/cloud_test_fixture.h"

namespace openecs {
namespace {

const char* kEcsTrust =
    R"({"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",)"
    R"("Principal":{"Service":["ecs.aliyuncs.com"]}}]})";

class IdentityTest : public CloudTest {
 protected:
  void SetUp() override {
    box_.emplace(SecretBox::WithKey(std::string(32, 'k')));
    CloudTest::SetUp();
  }
  CloudConfig Config() override {
    CloudConfig config;
    config.secrets = &*box_;
    return config;
  }
  std::string DbText() {
    std::ifstream in(dir_ + "/db", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::ifstream wal(dir_ + "/db-wal", std::ios::binary);
    ss << wal.rdbuf();
    return ss.str();
  }
  std::optional<SecretBox> box_;
};

TEST_F(IdentityTest, AnAccountMadeBesideTheServerIsKnownAtItsFirstRequest) {
  auto made = CreateAccount(*store_, &*box_, "team");
  ASSERT_TRUE(made.ok());
  auto cred = LookupCredential(*cloud_, made->access_key_id, "");
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_EQ(cred->secret, made->access_key_secret);
  EXPECT_EQ(cred->principal.type, Principal::Type::kRoot);
  EXPECT_EQ(cred->principal.account_id, made->id);
  EXPECT_EQ(LookupCredential(*cloud_, "LTAInothere", "").error().code,
            ErrorCode::kInvalidAccessKeyIdNotFound);
  // Sealed in the store, opened again after a restart.
  EXPECT_EQ(DbText().find(made->access_key_secret), std::string::npos);
  ReopenCloud();
  auto again = LookupCredential(*cloud_, made->access_key_id, "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->secret, made->access_key_secret);
}

TEST_F(IdentityTest, RamUserKeysStandForTheUserAndInactiveOnesAreRefused) {
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    RamUser u;
                    u.id = RamKey("acct", "alice");
                    u.account_id = "acct";
                    u.name = "alice";
                    u.user_id = "1234";
                    txn.Put(u);
                    AccessKey k;
                    k.id = "LTAIalice";
                    k.account_id = "acct";
                    k.user_name = "alice";
                    k.secret = "alice-secret-value";
                    txn.Put(k);
                    AccessKey off = k;
                    off.id = "LTAIoff";
                    off.status = "Inactive";
                    txn.Put(off);
                    return Ok();
                  })
                  .ok());
  auto cred = LookupCredential(*cloud_, "LTAIalice", "");
  ASSERT_TRUE(cred.ok());
  EXPECT_EQ(cred->principal.type, Principal::Type::kUser);
  EXPECT_EQ(cred->principal.user_name, "alice");
  EXPECT_EQ(cred->principal.user_id, "1234");
  EXPECT_EQ(LookupCredential(*cloud_, "LTAIoff", "").error().code,
            ErrorCode::kInvalidAccessKeyIdInactive);
  EXPECT_EQ(DbText().find("alice-secret-value"), std::string::npos);
}

TEST_F(IdentityTest, AnInstanceRoleGetsCredentialsOnlyOnItsHostAndTheyActAsTheRole) {
  ASSERT_TRUE(cloud_
                  ->Write([&](Txn& txn) -> Status {
                    RamRole r;
                    r.id = RamKey("acct", "reader");
                    r.account_id = "acct";
                    r.name = "reader";
                    r.role_id = "999";
                    r.assume_role_policy_document = kEcsTrust;
                    txn.Put(r);
                    Instance i;
                    i.id = "i-1";
                    i.account_id = "acct";
                    i.host_id = "host-a";
                    i.ram_role_name = "reader";
                    txn.Put(i);
                    return Ok();
                  })
                  .ok());
  AgentService agents(*cloud_);
  EXPECT_FALSE(agents.RoleCredentialsOf("host-b", "i-1").ok());  // not its guest
  auto creds = agents.RoleCredentialsOf("host-a", "i-1");
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ(creds->role_name, "reader");
  EXPECT_GT(creds->expiration, NowSeconds() + 5 * 3600);
  auto cred = LookupCredential(*cloud_, creds->access_key_id, creds->security_token);
  ASSERT_TRUE(cred.ok()) << cred.error().message;
  EXPECT_EQ(cred->secret, creds->access_key_secret);
  EXPECT_EQ(cred->principal.type, Principal::Type::kAssumedRole);
  EXPECT_EQ(cred->principal.role_name, "reader");
  EXPECT_EQ(cred->principal.session_name, "i-1");
  // The token is bound to its key, and missing or damaged tokens are refused.
  EXPECT_EQ(LookupCredential(*cloud_, creds->access_key_id, "").error().code,
            ErrorCode::kInvalidSecurityTokenMissing);
  EXPECT_EQ(LookupCredential(*cloud_, "STS.other", creds->security_token).error().code,
            ErrorCode::kInvalidSecurityTokenMismatch);
  EXPECT_EQ(
      LookupCredential(*cloud_, creds->access_key_id, "AAAA" + creds->security_token).error().code,
      ErrorCode::kInvalidSecurityTokenMalformed);
  // An expired session is refused.
  Principal old;
  old.type = Principal::Type::kAssumedRole;
  old.account_id = "acct";
  old.role_name = "reader";
  old.session_name = "s";
  auto stale = IssueStsCredentials(*StsBox(*cloud_), old, NowSeconds() - 1);
  EXPECT_EQ(LookupCredential(*cloud_, stale.access_key_id, stale.security_token).error().code,
            ErrorCode::kInvalidSecurityTokenExpired);
}

TEST(TrustPolicy, NamesTheCallerAndDenyWins) {
  EXPECT_TRUE(TrustAllows(kEcsTrust, {"ecs.aliyuncs.com"}, "Service"));
  EXPECT_FALSE(TrustAllows(kEcsTrust, {"acs:ram::1:root"}, "RAM"));
  std::string both =
      R"({"Version":"1","Statement":[)"
      R"({"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::1:root"}},)"
      R"({"Effect":"Deny","Action":"sts:*","Principal":{"RAM":["acs:ram::1:user/bob"]}}]})";
  EXPECT_TRUE(TrustAllows(both, {"acs:ram::1:root", "acs:ram::1:user/alice"}, "RAM"));
  EXPECT_FALSE(TrustAllows(both, {"acs:ram::1:root", "acs:ram::1:user/bob"}, "RAM"));
  EXPECT_FALSE(TrustAllows("not json", {"acs:ram::1:root"}, "RAM"));
}

}  // namespace
}  // namespace openecs
