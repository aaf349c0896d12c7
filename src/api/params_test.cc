#include "api/params.h"

#include <gtest/gtest.h>

#include "api/param_types.h"

namespace openecs {

TEST(Params, DecodesQueryString) {
  std::map<std::string, std::string> m;
  ParseUrlEncoded("InstanceName=my%20vm*(1)!&Tag.1.Key=env&Empty=&Flag", false, &m);
  EXPECT_EQ(m["InstanceName"], "my vm*(1)!");
  EXPECT_EQ(m["Tag.1.Key"], "env");
  EXPECT_EQ(m["Empty"], "");
  EXPECT_EQ(m.count("Flag"), 1u);
  std::map<std::string, std::string> f;
  ParseUrlEncoded("Name=a+b", true, &f);
  EXPECT_EQ(f["Name"], "a b");
}

TEST(Params, TypedAccessorsReportMalformedInput) {
  Params p({{"Amount", "3"}, {"Bad", "3x"}, {"Big", "1000"}, {"DryRun", "TRUE"}, {"B", "yes"}});
  EXPECT_EQ(**p.Int("Amount", 1, 100), 3);
  EXPECT_FALSE(p.Int("Amount", 1, 100)->has_value() == false);
  EXPECT_EQ(p.Int("Bad", 1, 100).error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(p.Int("Big", 1, 100).error().code, ErrorCode::kInvalidParameter);
  EXPECT_FALSE(p.Int("Missing", 1, 100)->has_value());
  EXPECT_TRUE(*p.Bool("DryRun", false));
  EXPECT_EQ(p.Bool("B", false).error().code, ErrorCode::kInvalidParameter);
  EXPECT_EQ(p.Required("RegionId").error().code, ErrorCode::kMissingParameter);
  EXPECT_NE(p.Required("RegionId").error().message.find("RegionId"), std::string::npos);
}

TEST(Params, FlattenedListsAndObjects) {
  Params p({{"SecurityGroupIds.1", "sg-a"},
            {"SecurityGroupIds.10", "sg-c"},
            {"SecurityGroupIds.2", "sg-b"},
            {"Tag.1.Key", "env"},
            {"Tag.1.Value", "dev"},
            {"Tag.2.Key", "team"},
            {"DataDisk.1.Size", "20"},
            {"InstanceIds", R"(["i-a","i-b"])"},
            {"BadList", "i-a,i-b"}});
  EXPECT_EQ(p.RepeatList("SecurityGroupIds"), (std::vector<std::string>{"sg-a", "sg-b", "sg-c"}));
  auto tags = p.ObjectList("Tag");
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0]["Key"], "env");
  EXPECT_EQ(tags[0]["Value"], "dev");
  EXPECT_EQ(tags[1]["Key"], "team");
  EXPECT_EQ(tags[1].count("Value"), 0u);
  EXPECT_EQ(p.ObjectList("DataDisk")[0]["Size"], "20");
  EXPECT_EQ(*p.JsonList("InstanceIds"), (std::vector<std::string>{"i-a", "i-b"}));
  EXPECT_EQ(p.JsonList("BadList").error().code, ErrorCode::kInvalidParameter);
  EXPECT_TRUE(p.JsonList("Absent")->empty());
}

}  // namespace openecs

namespace openecs {
namespace {

// The catalogue's types hold for every parameter, read by a handler or not.
TEST(ParamTypes, TheCatalogueTypesAreCheckedAtTheEdge) {
  const std::string ecs = "2014-05-26";
  EXPECT_TRUE(CheckParamType(ecs, "RunInstances", "DataDisk.2.Size", "40").ok());
  EXPECT_FALSE(CheckParamType(ecs, "RunInstances", "DataDisk.2.Size", "forty").ok());
  EXPECT_FALSE(CheckParamType(ecs, "RunInstances", "DataDisk.2.Size", "nan").ok());
  EXPECT_TRUE(CheckParamType(ecs, "RunInstances", "DryRun", "TRUE").ok());
  EXPECT_FALSE(CheckParamType(ecs, "RunInstances", "DryRun", "yes").ok());
  EXPECT_TRUE(CheckParamType(ecs, "DeleteKeyPairs", "KeyPairNames", "[\"a\",\"b\"]").ok());
  EXPECT_FALSE(CheckParamType(ecs, "DeleteKeyPairs", "KeyPairNames", "{\"a\":1}").ok());
  auto policy = CheckParamType(ecs, "ApplyAutoSnapshotPolicy", "diskIds", "[\"d-1\"");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().code, ErrorCode::kPolicyParameterInvalid);
  EXPECT_TRUE(CheckParamType(ecs, "RunInstances", "InstanceName", std::string(1000, 'a')).ok());
  EXPECT_FALSE(CheckParamType(ecs, "RunInstances", "InstanceName", std::string(17000, 'a')).ok());
  EXPECT_TRUE(CheckParamType(ecs, "RunInstances", "UserData", std::string(40000, 'a')).ok());
  EXPECT_TRUE(CheckParamType(ecs, "NoSuchAction", "Whatever", "x").ok());  // not catalogued
}

}  // namespace
}  // namespace openecs
