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

TEST(Crypto, SshRsaKeyPairsInTheFormsSshReads) {
  auto a = GenerateSshRsaKeyPair();
  auto b = GenerateSshRsaKeyPair();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->private_pem.rfind("-----BEGIN RSA PRIVATE KEY-----\n", 0), 0u) << a->private_pem;
  // "ssh-rsa", then e = 65537 as an mpint: the prefix every OpenSSH RSA key shares.
  EXPECT_EQ(a->public_openssh.rfind("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB", 0), 0u);
  auto blob = Base64Decode(a->public_openssh.substr(8));
  ASSERT_TRUE(blob);
  // 11 + 7 (e) + 4 + 257 (n: 2048 bits with its high bit set, so a leading zero byte)
  EXPECT_EQ(blob->size(), 279u);
  EXPECT_NE(a->public_openssh, b->public_openssh);
}

}  // namespace openecs
