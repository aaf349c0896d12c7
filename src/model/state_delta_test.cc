// Desired-state deltas (model/state_delta.h): what a delta carries, and that applying it to the
// state it was made against gives the new state, for hand-made and random changes.
#include "model/state_delta.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace openecs {
namespace {

using json = nlohmann::json;

json Vm(const std::string& id, const std::string& desired) {
  return {{"instance_id", id}, {"desired", desired}, {"cpu", 1}};
}

json State() {
  return {{"revision", 10},
          {"changed", true},
          {"vms", {Vm("i-1", "running"), Vm("i-2", "running"), Vm("i-3", "stopped")}},
          {"remote", {{{"vpc", "v-1"}, {"address", "10.0.0.2"}}}},
          {"pool_disks", {"d-1", "d-2"}}};
}

TEST(StateDelta, AnUnchangedStateGivesAnEmptyDelta) {
  EXPECT_EQ(MakeStateDelta(State(), State()), json::object());
  EXPECT_EQ(*ApplyStateDelta(State(), json::object()), State());
}

TEST(StateDelta, AListCarriesOnlyItsChangedElementsAndTheOrder) {
  json after = State();
  after["vms"] = {Vm("i-3", "stopped"), Vm("i-1", "stopped"), Vm("i-4", "running")};
  json delta = MakeStateDelta(State(), after);
  ASSERT_TRUE(delta.contains("lists"));
  EXPECT_FALSE(delta.contains("set"));
  const json& vms = delta["lists"]["vms"];
  EXPECT_EQ(vms["key"], "instance_id");
  EXPECT_EQ(vms["order"], json({"i-3", "i-1", "i-4"}));
  EXPECT_EQ(vms["upsert"], json({Vm("i-1", "stopped"), Vm("i-4", "running")}));  // not i-3
  EXPECT_EQ(*ApplyStateDelta(State(), delta), after);
}

TEST(StateDelta, OtherMembersGoWholeAndAMemberGoneIsNull) {
  json after = State();
  after["remote"].push_back({{"vpc", "v-1"}, {"address", "10.0.0.3"}});
  after["pool_disks"] = json::array();
  after["revision"] = 11;
  after.erase("changed");
  json delta = MakeStateDelta(State(), after);
  EXPECT_EQ(delta["set"]["remote"], after["remote"]);
  EXPECT_EQ(delta["set"]["pool_disks"], json::array());
  EXPECT_TRUE(delta["set"]["changed"].is_null());
  EXPECT_FALSE(delta.contains("lists"));
  EXPECT_EQ(*ApplyStateDelta(State(), delta), after);
}

TEST(StateDelta, ADeltaThatDoesNotFitIsRefused) {
  json after = State();
  after["vms"][0]["desired"] = "stopped";
  json delta = MakeStateDelta(State(), after);
  json other = State();
  other["vms"] = {Vm("i-9", "running")};  // has none of the ids the order names
  EXPECT_FALSE(ApplyStateDelta(other, delta).has_value());
  other.erase("vms");
  EXPECT_FALSE(ApplyStateDelta(other, delta).has_value());
  EXPECT_FALSE(ApplyStateDelta(State(), json{{"lists", {{"vms", 3}}}}).has_value());
  EXPECT_FALSE(ApplyStateDelta(State(), json::array()).has_value());
}

// Random states one after another: each delta applied to its "before" gives its "after".
TEST(StateDelta, RandomChangesRoundTrip) {
  std::mt19937 rng(20);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  json before = State();
  for (int step = 0; step < 500; ++step) {
    json after = before;
    int changes = 1 + pick(4);
    for (int c = 0; c < changes; ++c) {
      switch (pick(6)) {
        case 0:  // a new vm
          after["vms"].push_back(
              Vm("i-" + std::to_string(100 + pick(50)) + "-" + std::to_string(step), "running"));
          break;
        case 1:  // a vm gone
          if (!after["vms"].empty()) after["vms"].erase(pick(after["vms"].size()));
          break;
        case 2:  // a vm changed
          if (!after["vms"].empty()) after["vms"][pick(after["vms"].size())]["cpu"] = pick(64);
          break;
        case 3:  // the order
          if (after["vms"].size() > 1) std::swap(after["vms"][0], after["vms"][1]);
          break;
        case 4:
          after["remote"].push_back({{"vpc", "v-2"}, {"address", std::to_string(step)}});
          break;
        default:
          after["revision"] = step;
      }
    }
    json delta = MakeStateDelta(before, after);
    auto applied = ApplyStateDelta(before, delta);
    ASSERT_TRUE(applied.has_value()) << delta.dump();
    ASSERT_EQ(*applied, after) << "step " << step << ": " << delta.dump();
    before = after;
  }
}

}  // namespace
}  // namespace openecs
