#include "common/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace openecs {
namespace {

TEST(SecretBox, SealsAndOpensWithoutShowingThePlaintext) {
  auto box = SecretBox::WithKey(std::string(32, 'k'));
  std::string sealed = box.Seal("my-secret-value");
  EXPECT_TRUE(SecretBox::IsSealed(sealed));
  EXPECT_EQ(sealed.find("my-secret-value"), std::string::npos);
  EXPECT_NE(sealed, box.Seal("my-secret-value"));  // a fresh nonce each time
  auto opened = box.Open(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "my-secret-value");
  EXPECT_EQ(*box.Open(box.Seal("")), "");
}

TEST(SecretBox, PlaintextFromBeforeSealingReadsAsItIs) {
  auto box = SecretBox::WithKey(std::string(32, 'k'));
  EXPECT_EQ(*box.Open("old-plain"), "old-plain");
}

TEST(SecretBox, AnotherKeyOrDamageIsRefused) {
  auto a = SecretBox::WithKey(std::string(32, 'a'));
  auto b = SecretBox::WithKey(std::string(32, 'b'));
  std::string sealed = a.Seal("value");
  EXPECT_FALSE(b.Open(sealed).ok());
  std::string flipped = sealed;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(a.Open(flipped).ok());
  EXPECT_FALSE(a.Open("sealed:v1:!!").ok());
}

TEST(SecretBox, KeyFileIsMadeOnceOwnerOnlyAndReused) {
  char dir[] = "/tmp/secretbox-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/secrets.key";
  auto first = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(first.ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(st.st_size, 32);
  auto second = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second->Open(first->Seal("x")), "x");
  std::ofstream(path, std::ios::trunc) << "short";
  EXPECT_FALSE(SecretBox::LoadOrCreate(path).ok());
  unlink(path.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace openecs
