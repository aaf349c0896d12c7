#include "model/guest_sample_text.h"

#include <gtest/gtest.h>

#include <limits>
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
  s.nics["eni-1"] = NicIo{100, 200, 3, 4, 5, 6, "203.0.113.9", 7, 8, 9, 10};
  s.nics["eni-2"] = NicIo{-1, std::numeric_limits<int64_t>::max(), 0, 0, 0, 0, "", 0, 0, 0, 0};
  return s;
}

std::vector<GuestSample> Parsed(std::string_view body) {
  auto r = ParseSamplesText(body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<GuestSample>{};
}

TEST(GuestSampleTextTest, ReadsBackWhatItWrites) {
  std::vector<GuestSample> samples = {Full(), GuestSample{}};
  samples[1].instance_id = "i-2";
  auto text = DumpSamplesText(samples);
  ASSERT_TRUE(text);
  EXPECT_EQ(json(Parsed(*text)), json(samples));
  EXPECT_EQ(text->substr(0, text->find('\n')), kSamplesTextHeader);
  EXPECT_TRUE(Parsed(*DumpSamplesText({})).empty());
  // Smaller than the JSON it replaces (what the server reads 10,000 of a second).
  EXPECT_LT(DumpSamplesText({Full()})->size() * 2, json({{"samples", {Full()}}}).dump().size());
}

// What a plain token cannot carry is not written: the caller sends JSON instead.
TEST(GuestSampleTextTest, IdsThatAreNotPlainTokensAreNotWritten) {
  for (const std::string& odd :
       std::vector<std::string>{"", "i 1", "i-\n", "i-\xc3\xa9", std::string(257, 'i')}) {
    GuestSample s = Full();
    s.instance_id = odd;
    EXPECT_FALSE(DumpSamplesText({s})) << odd;
    s = Full();
    s.disks[odd] = {};
    EXPECT_FALSE(DumpSamplesText({s})) << odd;
    s = Full();
    s.nics["eni-1"].public_ip = odd.empty() ? "-" : odd;
    EXPECT_FALSE(DumpSamplesText({s})) << odd;
  }
}

// An older writer's shorter lines keep the defaults; a newer writer's extra fields and kinds
// of line are passed over.
TEST(GuestSampleTextTest, ShorterLinesKeepDefaultsLongerOnesAndUnknownKindsArePassedOver) {
  auto back = Parsed(
      "openecs-samples 1\n"
      "s i-1 5 9\n"
      "d d-1 7\n"
      "x whatever may come 1 2 3\n"
      "n eni-1\n"
      "\n"
      "s i-2 6 10 2 1 99 extra\n"
      "n eni-2 198.51.100.1 1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].at_ms, 5);
  EXPECT_EQ(back[0].cpu_ns, 9);
  EXPECT_EQ(back[0].guest_agent, -1);
  EXPECT_EQ(back[0].disks.at("d-1").read_bytes, 7);
  EXPECT_EQ(back[0].disks.at("d-1").write_ns, 0);
  EXPECT_EQ(back[0].nics.at("eni-1").public_ip, "");
  EXPECT_EQ(back[1].vcpus, 2);
  EXPECT_EQ(back[1].guest_agent, 1);
  EXPECT_EQ(back[1].nics.at("eni-2").public_ip, "198.51.100.1");
  EXPECT_EQ(back[1].nics.at("eni-2").public_tx_packets, 10);
}

TEST(GuestSampleTextTest, WhatIsNotSuchTextIsRefusedWhole) {
  for (std::string_view bad : {
           "", "\n", "openecs-samples 2\n", "{\"samples\":[]}",
           "openecs-samples 1\nd d-1 1\n",                      // a device before any sample
           "openecs-samples 1\ns\n",                            // no id
           "openecs-samples 1\ns  1\n",                         // an empty id
           "openecs-samples 1\ns i-1 x\n",                      // not a number
           "openecs-samples 1\ns i-1 1.5\n",                    // not an integer
           "openecs-samples 1\ns i-1 +1\n",                     // not as written
           "openecs-samples 1\ns i-1 99999999999999999999\n",   // beyond int64
           "openecs-samples 1\ns i-1 1 2 2147483648\n",         // vcpus beyond int
           "openecs-samples 1\ns i-1 1\r\n",                    // CRLF
           "openecs-samples 1\ns i-1 1\nn eni-1 \x01 1\n",      // an address with a control byte
           "openecs-samples 1\ns i-1 1\nd d-1 1 2 3 4 5 -x\n",  // the last number
       }) {
    auto r = ParseSamplesText(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidParameter) << bad;
    }
  }
}

}  // namespace
}  // namespace openecs
