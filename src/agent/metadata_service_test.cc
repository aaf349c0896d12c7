#include "agent/metadata_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/text.h"

namespace openecs {
namespace {

int64_t fake_now = 1000;
int64_t FakeNow() { return fake_now; }

DesiredVm Vm(const std::string& id, const std::string& vpc, const std::string& ip) {
  DesiredVm vm;
  vm.instance_id = id;
  vm.desired = DesiredPower::kRunning;
  vm.host_name = "host-" + id;
  vm.image_id = "debian_12_tiny_x64_openecs";
  vm.instance_type = "ecs.t6-c1m1.large";
  vm.instance_name = "name-" + id;
  vm.region_id = "cn-hangzhou";
  vm.zone_id = "cn-hangzhou-a";
  vm.public_key = "ssh-ed25519 AAAAkey " + id;
  vm.user_data = Base64Encode("#!/bin/sh\necho hi\n");
  DesiredNic nic;
  nic.eni_id = "eni-" + id;
  nic.mac = "00:16:3e:00:00:01";
  nic.ip = ip;
  nic.vpc_id = vpc;
  nic.vswitch_id = "vsw-1";
  nic.cidr = "10.1.1.0/24";
  nic.gateway = "10.1.1.253";
  vm.nics.push_back(nic);
  return vm;
}

class MetadataTest : public ::testing::Test {
 protected:
  MetadataTest() : md_("secret") {
    md_.SetClockForTest(&FakeNow);
    fake_now = 1000;
    md_.Update({Vm("i-a", "vpc-1", "10.1.1.10"), Vm("i-b", "vpc-2", "10.1.1.10")});
  }
  HttpResponse Get(const std::string& vpc, const std::string& ip, const std::string& path,
                   std::map<std::string, std::string> headers = {}) {
    HttpRequest r;
    r.method = "GET";
    r.target = path;
    r.remote_address = ip;
    r.headers = std::move(headers);
    return md_.Handle(vpc, r);
  }
  HttpResponse PutToken(const std::string& ttl, std::map<std::string, std::string> headers = {}) {
    HttpRequest r;
    r.method = "PUT";
    r.target = "/latest/api/token";
    r.remote_address = "10.1.1.10";
    r.headers = std::move(headers);
    if (!ttl.empty()) r.headers["x-aliyun-ecs-metadata-token-ttl-seconds"] = ttl;
    return md_.Handle("vpc-1", r);
  }
  MetadataService md_;
};

TEST_F(MetadataTest, AnswersOnlyTheCallersOwnInstance) {
  // The same address in two VPCs is two different instances.
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id").body, "i-a");
  EXPECT_EQ(Get("vpc-2", "10.1.1.10", "/latest/meta-data/instance-id").body, "i-b");
  EXPECT_EQ(Get("vpc-1", "10.1.1.99", "/latest/meta-data/instance-id").status, 404);
}

TEST_F(MetadataTest, ServesTheAliyunLayout) {
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/2016-01-01/meta-data/hostname").body, "host-i-a");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/private-ipv4").body, "10.1.1.10");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance/instance-type").body,
            "ecs.t6-c1m1.large");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/public-keys/").body, "0/");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/public-keys/0/openssh-key").body,
            "ssh-ed25519 AAAAkey i-a");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/user-data").body, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10",
                "/latest/meta-data/network/interfaces/macs/00:16:3e:00:00:01/netmask")
                .body,
            "255.255.255.0");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/eipv4").status, 404);
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/nothing").status, 404);
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/v9/meta-data/instance-id").status, 404);
}

TEST_F(MetadataTest, EveryListedEntryIsFetchable) {
  // cloud-init discards all metadata when one listed entry fails: walk the whole tree.
  std::vector<std::string> todo = {"/latest/"};
  int leaves = 0;
  while (!todo.empty()) {
    std::string dir = todo.back();
    todo.pop_back();
    auto res = Get("vpc-1", "10.1.1.10", dir);
    ASSERT_EQ(res.status, 200) << dir;
    for (const auto& entry : Split(res.body, '\n')) {
      if (!entry.empty() && entry.back() == '/') {
        todo.push_back(dir + entry);
      } else {
        EXPECT_EQ(Get("vpc-1", "10.1.1.10", dir + entry).status, 200) << dir + entry;
        ++leaves;
      }
    }
  }
  EXPECT_GT(leaves, 20);
}

TEST_F(MetadataTest, TokensAreBoundToTheInstanceAndExpire) {
  EXPECT_EQ(PutToken("").status, 400);
  EXPECT_EQ(PutToken("0").status, 400);
  EXPECT_EQ(PutToken("21601").status, 400);
  EXPECT_EQ(PutToken("60", {{"x-forwarded-for", "1.2.3.4"}}).status, 403);
  auto token = PutToken("60");
  ASSERT_EQ(token.status, 200);
  const char* h = "x-aliyun-ecs-metadata-token";
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id", {{h, token.body}}).body,
            "i-a");
  // Another instance cannot use it; a forged one is refused; it expires.
  EXPECT_EQ(Get("vpc-2", "10.1.1.10", "/latest/meta-data/instance-id", {{h, token.body}}).status,
            401);
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id", {{h, "v1.99999.00"}}).status,
            401);
  fake_now += 61;
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id", {{h, token.body}}).status,
            401);
}

// The agent keeps its secret on disk, so a token outlives an agent restart (a new service with
// the same secret), and a service with another secret refuses it.
TEST_F(MetadataTest, TokensOutliveARestartWithTheSameSecret) {
  auto token = PutToken("60");
  ASSERT_EQ(token.status, 200);
  HttpRequest r;
  r.method = "GET";
  r.target = "/latest/meta-data/instance-id";
  r.remote_address = "10.1.1.10";
  r.headers["x-aliyun-ecs-metadata-token"] = token.body;
  for (const char* secret : {"secret", "another"}) {
    MetadataService restarted(secret);
    restarted.SetClockForTest(&FakeNow);
    restarted.Update({Vm("i-a", "vpc-1", "10.1.1.10")});
    EXPECT_EQ(restarted.Handle("vpc-1", r).status, std::string(secret) == "secret" ? 200 : 401);
  }
}

TEST_F(MetadataTest, HardenedModeAndDisabledEndpoint) {
  DesiredVm a = Vm("i-a", "vpc-1", "10.1.1.10");
  a.metadata_tokens_required = true;
  md_.Update({a});
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id").status, 401);
  auto token = PutToken("60");
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id",
                {{"x-aliyun-ecs-metadata-token", token.body}})
                .body,
            "i-a");
  a.metadata_enabled = false;
  md_.Update({a});
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id").status, 403);
}

// HttpPutResponseHopLimit is the TTL the token's answer travels with (the HTTP server sets it
// on the socket): with 1 it reaches the guest and not a container routed behind it.
TEST_F(MetadataTest, TheTokenAnswerCarriesTheHopLimitAsItsTtl) {
  EXPECT_EQ(PutToken("60").ip_ttl, 1);
  DesiredVm a = Vm("i-a", "vpc-1", "10.1.1.10");
  a.metadata_hop_limit = 3;
  md_.Update({a});
  EXPECT_EQ(PutToken("60").ip_ttl, 3);
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/instance-id").ip_ttl, 0);  // only tokens
}

TEST_F(MetadataTest, RamRoleCredentialsAreFetchedWhenAskedAndKeptUntilAnHourIsLeft) {
  int fetches = 0;
  md_.SetCredentialSource([&](const std::string& id) -> Result<RoleCredentials> {
    ++fetches;
    if (id != "i-a") return MakeError(ErrorCode::kInvalidInstanceIdNotFound);
    return RoleCredentials{
        "reader", "STS.key" + std::to_string(fetches), "secret", "token", fake_now + 6 * 3600,
        fake_now};
  });
  // Without a role there is nothing under ram/.
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/").status, 404);
  DesiredVm a = Vm("i-a", "vpc-1", "10.1.1.10");
  a.ram_role_name = "reader";
  md_.Update({a, Vm("i-b", "vpc-2", "10.1.1.10")});
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/").body,
            "reader");
  EXPECT_NE(Get("vpc-1", "10.1.1.10", "/latest/meta-data/").body.find("ram/"), std::string::npos);
  auto first = Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/reader");
  ASSERT_EQ(first.status, 200);
  auto j = nlohmann::json::parse(first.body);
  EXPECT_EQ(j["AccessKeyId"], "STS.key1");
  EXPECT_EQ(j["SecurityToken"], "token");
  EXPECT_EQ(j["Code"], "Success");
  EXPECT_EQ(j["Expiration"], FormatIso(1000 + 6 * 3600));
  // Asked again: the same, not fetched again.
  Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/reader");
  EXPECT_EQ(fetches, 1);
  // Another role name, or another instance's role, is not found.
  EXPECT_EQ(Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/admin").status,
            404);
  EXPECT_EQ(Get("vpc-2", "10.1.1.10", "/latest/meta-data/ram/security-credentials/reader").status,
            404);
  // Less than an hour left: fetched anew.
  fake_now += 5 * 3600 + 1;
  auto renewed = Get("vpc-1", "10.1.1.10", "/latest/meta-data/ram/security-credentials/reader");
  EXPECT_EQ(nlohmann::json::parse(renewed.body)["AccessKeyId"], "STS.key2");
  EXPECT_EQ(fetches, 2);
}

}  // namespace
}  // namespace openecs
