#include "model/agent_protocol_json.h"

#include <gtest/gtest.h>

namespace openecs {

using json = nlohmann::json;

TEST(AgentProtocolJson, RefusesANumberAnIntegerFieldCannotHold) {
  // nlohmann casts a float to the field's integer type: undefined behaviour out of range
  // (found by tests/fuzz/fuzz_agent_protocol). Refused like a wrong type: the endpoint says 400.
  EXPECT_THROW(json::parse(R"({"name":"h","vcpus":1e300})").get<HostInfo>(),
               nlohmann::json::out_of_range);
  EXPECT_THROW(json::parse(R"({"memory_mb":-9.3e18})").get<HostInfo>(),
               nlohmann::json::out_of_range);
  EXPECT_THROW(json::parse(R"({"reboot_seq_done":1e19})").get<Observation>(),
               nlohmann::json::out_of_range);
  EXPECT_THROW(
      json::parse(R"({"vms":[{"disks":[{"size_gib":4294967296.5}]}]})").get<DesiredState>(),
      nlohmann::json::out_of_range);
}

TEST(AgentProtocolJson, TakesNumbersThatFit) {
  HostInfo h =
      json::parse(R"({"name":"h","vcpus":4.0,"memory_mb":2048.9,"gpus":-1})").get<HostInfo>();
  EXPECT_EQ(h.vcpus, 4);
  EXPECT_EQ(h.memory_mb, 2048);  // truncated, as before
  EXPECT_EQ(h.gpus, -1);
  Observation o = json::parse(R"({"instance_id":"i-1","reboot_seq_done":3})").get<Observation>();
  EXPECT_EQ(o.reboot_seq_done, 3);
}

}  // namespace openecs
