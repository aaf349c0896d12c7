#include "model/guest_sample_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/agent_protocol_json.h"

namespace openecs {
namespace {

using json = nlohmann::json;

GuestSample Full() {
  GuestSample s;
  s.instance_id = "i-0123456789abcdef0123";
  s.at_ms = 1'700'000'000'123;
  s.vcpus = 4;
  s.cpu_ns = 98'765'432'100;
  s.guest_agent = 1;
  s.disks["d-sys"] = {1, 2, 3, 4, 5, 6};
  s.disks["d-data"] = {10, 20, 30, 40, 50, 60};
  NicIo nic{100, 200, 3, 4, 5, 6, "203.0.113.9", 7, 8, 9, 10};
  s.nics["eni-1"] = nic;
  s.nics["eni-\"odd\"\n"] = NicIo{};  // escaped on the way out
  return s;
}

std::vector<GuestSample> Parsed(const std::string& body) {
  auto r = ParseSamples(body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<GuestSample>{};
}

// The text is GuestSample's JSON, so an older server or agent reads it.
TEST(GuestSampleJsonTest, WritesWhatTheTreeWritesAndReadsItBack) {
  std::vector<GuestSample> samples = {Full(), GuestSample{}};
  samples[1].instance_id = "i-2";
  std::string text = DumpSamples(samples);
  EXPECT_EQ(json::parse(text), json({{"samples", samples}}));
  std::vector<GuestSample> back = Parsed(text);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(json(back), json(samples));
  // What the tree writes (an older agent) reads the same.
  EXPECT_EQ(json(Parsed(json({{"samples", samples}}).dump())), json(samples));
  EXPECT_TRUE(Parsed(R"({"samples":[]})").empty());
}

// A newer peer's keys are passed over, whatever their values; a missing key keeps its default.
TEST(GuestSampleJsonTest, UnknownKeysAreSkippedAndMissingOnesKeepTheirDefaults) {
  auto back = Parsed(R"({"v":2,"samples":[{"instance_id":"i-1","new":{"a":[1,{"b":null}],"c":"x"},
      "disks":{"d-1":{"read_bytes":5,"queue":[1,2]}},"cpu_ns":9,"nics":{"eni-1":{"x":true}}}],
      "more":[{"samples":1}]})");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].instance_id, "i-1");
  EXPECT_EQ(back[0].cpu_ns, 9);
  EXPECT_EQ(back[0].guest_agent, -1);
  EXPECT_EQ(back[0].disks.at("d-1").read_bytes, 5);
  EXPECT_EQ(back[0].disks.at("d-1").write_bytes, 0);
  EXPECT_TRUE(back[0].nics.count("eni-1"));
  // A whole float that fits is taken, as the tree takes it.
  EXPECT_EQ(Parsed(R"({"samples":[{"at_ms":12.0,"vcpus":2.5}]})")[0].vcpus, 2);
}

// What the tree's get<> refuses is refused, the whole body.
TEST(GuestSampleJsonTest, WrongTypesAndNumbersThatDoNotFitAreRefused) {
  for (const char* bad : {
           "",
           "[]",
           "{}",
           R"({"samples":{}})",
           R"({"samples":[1]})",
           R"({"samples":[{"instance_id":5}]})",
           R"({"samples":[{"at_ms":"5"}]})",
           R"({"samples":[{"vcpus":null}]})",
           R"({"samples":[{"cpu_ns":true}]})",
           R"({"samples":[{"vcpus":1e300}]})",
           R"({"samples":[{"at_ms":1e19}]})",
           R"({"samples":[{"disks":[]}]})",
           R"({"samples":[{"disks":{"d-1":5}}]})",
           R"({"samples":[{"nics":{"eni-1":{"public_ip":5}}}]})",
           R"({"samples":[{"nics":{"eni-1":{"rx_bytes":"x"}}}]})",
           R"({"samples":[]} trailing)",
           R"({"samples":[{"instance_id":"i-1"})",
       }) {
    auto r = ParseSamples(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidParameter) << bad;
    }
    EXPECT_ANY_THROW(json::parse(bad).at("samples").get<std::vector<GuestSample>>()) << bad;
  }
}

}  // namespace
}  // namespace openecs
