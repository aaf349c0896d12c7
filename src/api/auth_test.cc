#include "api/auth.h"

#include <gtest/gtest.h>

namespace openecs {

TEST(Acs3Authorization, ParsesWhatTheSdkSends) {
  auto a = ParseAcs3Authorization(
      "ACS3-HMAC-SHA256 Credential=LTAIabc,SignedHeaders=host;x-acs-date,Signature=0a1b");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->algorithm, "ACS3-HMAC-SHA256");
  EXPECT_EQ(a->credential, "LTAIabc");
  EXPECT_EQ(a->signed_headers, "host;x-acs-date");
  EXPECT_EQ(a->signature, "0a1b");
  auto spaced = ParseAcs3Authorization("ACS3-X Credential=a,  SignedHeaders=h,\tSignature=ff");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->signed_headers, "h");
}

TEST(Acs3Authorization, RefusesWhatIsNotOne) {
  for (const char* bad :
       {"", "ACS3-", "ACS3- Credential=a,SignedHeaders=h,Signature=ff",
        "ACS3-hmac Credential=a,SignedHeaders=h,Signature=ff",
        "ACS3-X Credential=,SignedHeaders=h,Signature=ff",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=FF",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=ff,", "ACS3-X Credential=a,SignedHeaders=h",
        "ACS3-X SignedHeaders=h,Credential=a,Signature=ff",
        "ACS3-X Credential=a,SignedHeaders=h,Signature=ff extra"})
    EXPECT_FALSE(ParseAcs3Authorization(bad)) << bad;
}

TEST(Acs3Authorization, AHugeHeaderIsOnlyLong) {
  // A 1 MB credential (the regex this replaced recursed per character and overflowed).
  std::string huge = "ACS3-HMAC-SHA256 Credential=" + std::string(1 << 20, 'a') +
                     ",SignedHeaders=host,Signature=00";
  auto a = ParseAcs3Authorization(huge);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->credential.size(), size_t{1} << 20);
  EXPECT_FALSE(ParseAcs3Authorization(huge + "," + std::string(1 << 20, ',')));
}

}  // namespace openecs
