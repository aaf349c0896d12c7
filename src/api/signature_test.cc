// The vectors are from shared/reference/ecs-api.md, computed with the official SDK's own
// OpenApiUtil.getAuthorization / getRPCSignature.
#include "api/signature.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace openecs {

TEST(Signature, Acs3Vector) {
  std::multimap<std::string, std::string> q = {{"RegionId", "cn-hangzhou"},
                                               {"InstanceName", "my vm*(1)!~"},
                                               {"Tag.1.Key", "env"},
                                               {"Tag.1.Value", ""},
                                               {"InstanceIds", R"(["i-abc","i-def"])"}};
  std::map<std::string, std::string> h = {
      {"host", "127.0.0.1:8080"},
      {"x-acs-action", "DescribeInstances"},
      {"x-acs-version", "2014-05-26"},
      {"x-acs-date", "2024-01-01T00:00:00Z"},
      {"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
      {"x-acs-content-sha256", Sha256Hex("")},
      {"accept", "application/json"}};
  std::vector<std::string> signed_headers = {
      "host",       "x-acs-action",          "x-acs-content-sha256",
      "x-acs-date", "x-acs-signature-nonce", "x-acs-version"};
  std::string creq = Acs3CanonicalRequest("POST", "/", q, h, signed_headers, Sha256Hex(""));
  EXPECT_EQ(Sha256Hex(creq), "0cdf9c6f08638b42d9e57f45c70b9aabae931df28960bd3dbbe11f75cac9924c");
  EXPECT_EQ(Acs3Signature(creq, "testSecret"),
            "ec7d8e6bb273971f5d1f897d01b1b7af4830b78778e5d8cdc6d7e55039a0f32c");
  EXPECT_NE(Acs3Signature(creq, "otherSecret"), Acs3Signature(creq, "testSecret"));
}

TEST(Signature, V1Vector) {
  std::multimap<std::string, std::string> p = {
      {"Action", "DescribeRegions"},
      {"Format", "JSON"},
      {"Version", "2014-05-26"},
      {"AccessKeyId", "testAK"},
      {"SignatureMethod", "HMAC-SHA1"},
      {"SignatureVersion", "1.0"},
      {"SignatureNonce", "3156853299f313e23d1673dc12e1703d"},
      {"Timestamp", "2024-01-01T00:00:00Z"},
      {"RegionId", "cn-hangzhou"},
      {"InstanceName", "my vm*(1)!~"}};
  std::string sts = V1StringToSign("GET", p);
  EXPECT_EQ(sts,
            "GET&%2F&AccessKeyId%3DtestAK%26Action%3DDescribeRegions%26Format%3DJSON%26InstanceName"
            "%3Dmy%2520vm%252A%25281%2529%2521~%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-"
            "SHA1%26SignatureNonce%3D3156853299f313e23d1673dc12e1703d%26SignatureVersion%3D1.0%"
            "26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2014-05-26");
  EXPECT_EQ(V1Signature(sts, "testSecret"), "ikEs0pKC+cjd4jGZ2dcS3LT3+tU=");
}

}  // namespace openecs
