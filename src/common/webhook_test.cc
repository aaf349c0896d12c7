#include "common/webhook.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(PostForm("https://example.com/", {}, {}).error().code, ErrorCode::kInvalidParameter);
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

}  // namespace
}  // namespace openecs
