#include "common/crypto.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "common/ids.h"

namespace openecs {

TEST(Crypto, Sha256OfEmpty) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// RFC 2202 and RFC 4231: a short key, and a key longer than the digest's block (hashed first).
TEST(Crypto, HmacMatchesTheRfcVectors) {
  const std::string long_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  EXPECT_EQ(HmacSha1Base64(std::string(20, '\x0b'), "Hi There"), "thcxhlUFcmTii8C2+zeMjvFGvgA=");
  EXPECT_EQ(HmacSha1Base64(std::string(80, '\xaa'), long_data), "qkrl4VJy0A6VcFY3zoo7Ve1AIRI=");
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'), long_data),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacSha256Hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Crypto, RequestIdsAreUuidShapedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 36u);
    for (size_t c = 0; c < id.size(); ++c) {
      if (c == 8 || c == 13 || c == 18 || c == 23)
        EXPECT_EQ(id[c], '-') << id;
      else
        EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(id[c])) ||
                    (id[c] >= 'A' && id[c] <= 'F'))
            << id;
    }
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
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

TEST(Crypto, SipHashMatchesThePapersVectors) {
  // Key 00 01 .. 0f; the message of length n is 00 01 .. n-1 (the reference's vectors.h).
  SipHashKey key;
  std::string message;
  for (int i = 0; i < 16; ++i) key[i] = static_cast<unsigned char>(i);
  for (int i = 0; i < 16; ++i) message += static_cast<char>(i);
  EXPECT_EQ(SipHash24(key, message.substr(0, 0)), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(SipHash24(key, message.substr(0, 1)), 0x74f839c593dc67fdULL);
  EXPECT_EQ(SipHash24(key, message.substr(0, 7)), 0xab0200f58b01d137ULL);
  EXPECT_EQ(SipHash24(key, message.substr(0, 8)), 0x93f5f5799a932462ULL);
  EXPECT_EQ(SipHash24(key, message.substr(0, 15)), 0xa129ca6149be45e5ULL);
  key[0] = 1;
  EXPECT_NE(SipHash24(key, message.substr(0, 15)), 0xa129ca6149be45e5ULL);
}

TEST(Crypto, HexDecodeUndoesHexEncodeAndRefusesOther) {
  std::string hex = RandomHex(16);
  auto bytes = HexDecode(hex);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 16u);
  EXPECT_EQ(HexEncode(*bytes), hex);
  EXPECT_EQ(HexDecode("00fFa1"), std::string("\x00\xff\xa1", 3));
  EXPECT_EQ(HexEncode(std::string("\x00\xff\xa1", 3)), "00ffa1");
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
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
