#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
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

TEST(JsonWriter, ReplacesBytesThatAreNotText) {
  // A name kept from before the API checked UTF-8: the reply must still parse (it did not, and
  // Format=XML parses the reply again: 500). Found by tests/fuzz/fuzz_render.
  JsonWriter w;
  w.BeginObject().Field("InstanceName", "a\xff\xc3").Field("Ok\xfe", "\xc3\xa9").EndObject();
  auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j["InstanceName"], "a\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(j["Ok\xef\xbf\xbd"], "\xc3\xa9");
}

TEST(JsonWriter, WritesTheLargestDoublesSoTheyReadBack) {
  // %.15g rounds them up past DBL_MAX: JSON no reader takes (found by tests/fuzz/fuzz_render).
  double max = std::numeric_limits<double>::max();
  JsonWriter w;
  w.BeginArray().Double(max).Double(-max).Double(0.1).EndArray();
  auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j[0].get<double>(), max);
  EXPECT_EQ(j[1].get<double>(), -max);
  EXPECT_EQ(w.str(), "[1.7976931348623157e+308,-1.7976931348623157e+308,0.1]");
}

}  // namespace openecs
