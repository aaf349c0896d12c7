#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace openecs {

TEST(JsonWriter, WritesWhatNlohmannReadsBack) {
  JsonWriter w;
  w.BeginObject()
      .Field("Name", "a \"quoted\"\nline\x01")
      .Field("Count", 3)
      .Field("Ratio", 0.5)
      .Field("On", true)
      .Key("Items")
      .BeginObject()
      .Key("Item")
      .BeginArray()
      .String("x")
      .Int(-2)
      .BeginObject()
      .EndObject()
      .Raw(R"({"k":[1,2]})")
      .EndArray()
      .EndObject()
      .Key("Empty")
      .BeginArray()
      .EndArray()
      .EndObject();
  auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j["Name"], "a \"quoted\"\nline\x01");
  EXPECT_EQ(j["Count"], 3);
  EXPECT_EQ(j["Ratio"], 0.5);
  EXPECT_EQ(j["On"], true);
  EXPECT_EQ(j["Items"]["Item"].size(), 4u);
  EXPECT_EQ(j["Items"]["Item"][3]["k"][1], 2);
  EXPECT_TRUE(j["Empty"].is_array());
}

}  // namespace openecs
