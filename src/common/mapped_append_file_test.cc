#include "common/mapped_append_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace openecs {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a reader of the journal keeps: whole lines, up to the padding or a torn last line.
std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;
    out.push_back(line);
  }
  return out;
}

class MappedAppendFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mapped_append_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "journal").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(MappedAppendFileTest, AppendsAreInTheFileWhileItIsOpen) {
  auto f = MappedAppendFile::Open(path_);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("1 a\n"));
  ASSERT_TRUE((*f)->Append("2 b\n"));
  // Another reader sees them now (the page cache), before any close: what a killed process
  // leaves. The rest of the reserved file is NUL padding, which the reader stops at.
  EXPECT_EQ(Lines(path_), (std::vector<std::string>{"1 a", "2 b"}));
  std::string raw = ReadAll(path_);
  EXPECT_GE(raw.size(), 4096u);
  EXPECT_EQ(raw.substr(0, 8), "1 a\n2 b\n");
  EXPECT_EQ(raw[8], '\0');
  (*f)->Close();
  EXPECT_EQ(ReadAll(path_), "1 a\n2 b\n");  // the padding is cut on close
  EXPECT_FALSE((*f)->Append("3 c\n"));
}

TEST_F(MappedAppendFileTest, ReopeningAppendsAfterTheDataNotThePadding) {
  {
    auto f = MappedAppendFile::Open(path_);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("1 a\n2 tor"));  // a line torn by a kill
  }
  // A file a killed process left: data, then NULs.
  std::filesystem::resize_file(path_, 4096);
  auto f = MappedAppendFile::Open(path_);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->size(), 9u);
  ASSERT_TRUE((*f)->Append("\n3 c\n"));
  (*f)->Close();
  EXPECT_EQ(Lines(path_), (std::vector<std::string>{"1 a", "2 tor", "3 c"}));
}

TEST_F(MappedAppendFileTest, GrowsPastItsFirstReservation) {
  auto f = MappedAppendFile::Open(path_);
  ASSERT_TRUE(f.ok());
  std::string line(999, 'x');
  line += '\n';
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE((*f)->Append(line)) << i;  // 3 MB
  EXPECT_EQ((*f)->size(), 3000u * 1000u);
  (*f)->Close();
  auto lines = Lines(path_);
  ASSERT_EQ(lines.size(), 3000u);
  EXPECT_EQ(lines.back(), std::string(999, 'x'));
}

}  // namespace
}  // namespace openecs
