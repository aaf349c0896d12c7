#include "common/errors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace openecs {

TEST(Errors, EveryCodeHasAWireCodeStatusAndMessage) {
  int n = 0;
  const ErrorCode* all = AllErrorCodes(&n);
  ASSERT_GT(n, 10);
  std::set<std::string> seen;
  for (int i = 0; i < n; ++i) {
    const ErrorInfo& info = Describe(all[i]);
    EXPECT_FALSE(info.code.empty());
    EXPECT_FALSE(info.message.empty()) << info.code;
    EXPECT_TRUE(info.http_status >= 400 && info.http_status < 600) << info.code;
    // A wire code appears once per HTTP status (ECS answers ParameterInvalid with 403 for a bad
    // value and 404 for a missing policy: two entries, one code).
    EXPECT_TRUE(seen.insert(std::string(info.code) + "/" + std::to_string(info.http_status)).second)
        << "duplicate " << info.code;
    // Only genuine server faults may be 5xx: bad input must never look like a server error.
    if (info.http_status >= 500) {
      EXPECT_TRUE(all[i] == ErrorCode::kInternalError || all[i] == ErrorCode::kServiceUnavailable)
          << info.code;
    }
  }
}

TEST(Errors, KnownMappings) {
  EXPECT_EQ(Describe(ErrorCode::kIncorrectInstanceStatus).http_status, 403);
  EXPECT_EQ(Describe(ErrorCode::kInvalidInstanceIdNotFound).code, "InvalidInstanceId.NotFound");
  EXPECT_EQ(Describe(ErrorCode::kInvalidInstanceIdNotFound).http_status, 404);
  EXPECT_EQ(Describe(ErrorCode::kMissingParameter).http_status, 400);
  EXPECT_EQ(Describe(ErrorCode::kDeletionProtection).code, "InvalidOperation.DeletionProtection");
}

}  // namespace openecs
