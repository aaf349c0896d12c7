// TLS between OpenECS's own server and client, on loopback: a pinned certificate is trusted and
// any other refused; CAs check the name; a plain client gets nothing from a TLS listener.
#include "common/tls.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/http_client.h"
#include "common/http_server.h"

namespace openecs {
namespace {

TEST(Tls, FingerprintsAreNormalised) {
  std::string hex(64, 'a');
  EXPECT_EQ(*NormalizeFingerprint("sha256:" + hex), "sha256:" + hex);
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += std::string(i ? ":" : "") + "AA";
  EXPECT_EQ(*NormalizeFingerprint(colons), "sha256:" + hex);
  EXPECT_FALSE(NormalizeFingerprint("sha256:abc").ok());
  EXPECT_FALSE(NormalizeFingerprint(std::string(63, 'a') + "g").ok());
  EXPECT_FALSE(NormalizeFingerprint("").ok());
}

TEST(Tls, ASelfSignedIdentityHoldsTogetherAndAForeignKeyIsRefused) {
  auto a = MakeSelfSigned({"10.0.0.1", "api.example"});
  auto b = MakeSelfSigned({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->fingerprint, b->fingerprint);
  EXPECT_TRUE(TlsIdentityFromPem(a->cert_pem, a->key_pem).ok());
  auto mixed = TlsIdentityFromPem(a->cert_pem, b->key_pem);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("not the certificate's"), std::string::npos);
  EXPECT_FALSE(TlsIdentityFromPem("garbage", a->key_pem).ok());
}

class TlsLink : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = MakeSelfSigned({});
    ASSERT_TRUE(id.ok());
    identity_ = *id;
    server_ = Serve("127.0.0.1");
    ASSERT_TRUE(server_);
  }
  std::unique_ptr<HttpServer> Serve(const std::string& address) {
    auto server = HttpServer::Start(
        address + ":0", 1,
        [](const HttpRequest& r) {
          HttpResponse out;
          out.body = r.secure ? "secure" : "plain";
          return out;
        },
        1, "", {}, &identity_);
    EXPECT_TRUE(server.ok()) << server.error().message;
    return server.ok() ? std::move(*server) : nullptr;
  }
  Result<HttpClientResponse> Call(const std::string& host, TlsTrust trust,
                                  HttpServer* server = nullptr) {
    HttpClientRequest req;
    req.endpoint =
        "https://" + host + ":" + std::to_string((server ? server : server_.get())->port());
    req.tls = std::move(trust);
    req.timeout_ms = 5000;
    return HttpCall(req);
  }
  std::string CaFile() {
    std::string path = ::testing::TempDir() + "/openecs-tls-test-ca.pem";
    std::ofstream(path) << identity_.cert_pem;
    return path;
  }
  TlsIdentity identity_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsLink, APinnedCertificateIsTrustedAndAnotherIsNot) {
  auto ok = Call("127.0.0.1", {identity_.fingerprint, ""});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->body, "secure");
  auto wrong = Call("127.0.0.1", {"sha256:" + std::string(64, '0'), ""});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("its certificate is " + identity_.fingerprint),
            std::string::npos)
      << wrong.error().message;
}

TEST_F(TlsLink, CasCheckTheNameAndTheSystemsCasDoNotKnowASelfSignedServer) {
  std::string ca = CaFile();
  auto named = Call("127.0.0.1", {"", ca});  // 127.0.0.1 is in the certificate
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_EQ(named->body, "secure");
  // The same certificate served at 127.0.0.2, which it does not name: a pin does not care.
  auto unnamed = Serve("127.0.0.2");
  ASSERT_TRUE(unnamed);
  EXPECT_FALSE(Call("127.0.0.2", {"", ca}, unnamed.get()).ok());
  EXPECT_TRUE(Call("127.0.0.2", {identity_.fingerprint, ""}, unnamed.get()).ok());
  EXPECT_FALSE(Call("127.0.0.1", {}).ok());
  std::remove(ca.c_str());
}

TEST_F(TlsLink, APlainClientGetsNoAnswerFromATlsListener) {
  HttpClientRequest req;
  req.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
  req.timeout_ms = 3000;
  auto r = HttpCall(req);
  EXPECT_FALSE(r.ok() && r->body == "plain");
}

}  // namespace
}  // namespace openecs
