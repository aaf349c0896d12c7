#include "common/crypto.h"

#include <gtest/gtest.h>

namespace openecs {

TEST(Crypto, Sha256OfEmpty) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, Base64RoundTripAndRejectsGarbage) {
  EXPECT_EQ(Base64Encode("#!/bin/sh\necho hi"), "IyEvYmluL3NoCmVjaG8gaGk=");
  EXPECT_EQ(*Base64Decode("IyEvYmluL3NoCmVjaG8gaGk="), "#!/bin/sh\necho hi");
  EXPECT_EQ(*Base64Decode("YQ=="), "a");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("not base64!").has_value());
  EXPECT_FALSE(Base64Decode("YQ=").has_value());
  EXPECT_FALSE(Base64Decode("Y=Q=").has_value());
}

TEST(Crypto, RandomHexLength) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

}  // namespace openecs
