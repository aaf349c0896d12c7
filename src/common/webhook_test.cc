#include "common/webhook.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/http_server.h"

namespace openecs {
namespace {

// Refusals happen before any connection: these send nothing anywhere.
TEST(PostForm, RefusesSpecialAddressesUnlessAllowedAndNonHttpUrls) {
  for (const char* url :
       {"http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/",
        "http://100.100.100.200/latest", "http://192.168.0.1:8080/x"}) {
    auto r = PostForm(url, {{"a", "b"}}, {});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kForbidden) << url << ": " << r.error().message;
  }
  EXPECT_EQ(PostForm("ftp://example.com/", {}, {}).error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(PostForm("https://127.0.0.1/", {}, {}).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(PostForm("http://:80/", {}, {}).error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(PostForm("http://host:port/", {}, {}).error().code, ErrorCode::kInvalidParameter);
  // An allow-list admits what it names (the connection to a closed loopback port then fails,
  // but not for the filter's sake).
  auto allow = ParseAddressAllowList("127.0.0.0/8");
  ASSERT_TRUE(allow.ok());
  auto r = PostForm("http://127.0.0.1:1/hook", {}, *allow, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().code, ErrorCode::kForbidden) << r.error().message;
}

// https: the form reaches a TLS server on loopback (allowed), whose certificate names
// "localhost" (the URL's host, though the connection goes to the address it resolved to); a
// client that does not trust the certificate posts nothing.
TEST(PostForm, PostsOverTlsCheckingTheUrlsHostName) {
  auto identity = MakeSelfSigned({});
  ASSERT_TRUE(identity.ok());
  std::string got;
  auto server = HttpServer::Start(
      "127.0.0.1:0", 1,
      [&](const HttpRequest& req) {
        got = req.body;
        HttpResponse r;
        r.status = 204;
        return r;
      },
      1, "", {}, &*identity);
  ASSERT_TRUE(server.ok()) << server.error().message;
  auto allow = ParseAddressAllowList("127.0.0.0/8");
  ASSERT_TRUE(allow.ok());
  std::string url = "https://localhost:" + std::to_string((*server)->port()) + "/hook";
  std::string ca = ::testing::TempDir() + "webhook-ca.pem";
  {
    std::ofstream f(ca);
    f << identity->cert_pem;
  }
  TlsTrust trust;
  trust.ca_file = ca;  // the name is checked (a pinned fingerprint would not check it)
  auto ok = PostForm(url, {{"alertState", "ALERT"}}, *allow, 5000, trust);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, 204);
  EXPECT_EQ(got, "alertState=ALERT");
  // The system's CAs do not know a self-signed certificate.
  auto refused = PostForm(url, {{"a", "b"}}, *allow, 5000);
  EXPECT_FALSE(refused.ok());
  (*server)->Stop();
}

}  // namespace
}  // namespace openecs
