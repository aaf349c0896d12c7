#include "api/paging.h"

#include <gtest/gtest.h>

namespace openecs {
using M = std::map<std::string, std::string>;

TEST(Paging, PageNumberAndSize) {
  Params p(M{{"PageNumber", "3"}, {"PageSize", "10"}});
  auto page = *Paginate(p, 25, PageSpec{});
  EXPECT_EQ(page.begin, 20u);
  EXPECT_EQ(page.end, 25u);
  auto beyond = *Paginate(Params(M{{"PageNumber", "9"}}), 25, PageSpec{});
  EXPECT_EQ(beyond.begin, beyond.end);
  EXPECT_FALSE(Paginate(Params(M{{"PageSize", "101"}}), 25, PageSpec{}).ok());
  EXPECT_FALSE(Paginate(Params(M{{"PageNumber", "0"}}), 25, PageSpec{}).ok());
}

TEST(Paging, TokensWalkEveryItemOnce) {
  size_t total = 23, seen = 0;
  std::string token;
  int pages = 0;
  do {
    Params p(M{{"MaxResults", "10"}});
    if (!token.empty()) p.Set("NextToken", token);
    auto page = *Paginate(p, total, PageSpec{});
    EXPECT_TRUE(page.token_mode);
    seen += page.end - page.begin;
    token = page.next_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, total);
  EXPECT_EQ(pages, 3);
  EXPECT_FALSE(Paginate(Params(M{{"NextToken", "garbage"}}), total, PageSpec{}).ok());
  // MaxResults is clamped to the action's range, as ECS does.
  EXPECT_EQ(Paginate(Params(M{{"MaxResults", "1000"}}), 500, PageSpec{})->end, 100u);
}

}  // namespace openecs
