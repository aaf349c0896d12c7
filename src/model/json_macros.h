#pragma once
// JSON helpers shared by the model's codecs (records and the agent protocol): the enums'
// stable string forms and OPENECS_JSON, which defines to_json/from_json for a struct where
// missing keys take the struct's defaults (older documents and older peers still load).
#include <nlohmann/json.hpp>

#include "model/instance_state.h"

namespace openecs {

NLOHMANN_JSON_SERIALIZE_ENUM(InstanceStatus, {{InstanceStatus::kPending, "Pending"},
                                              {InstanceStatus::kStarting, "Starting"},
                                              {InstanceStatus::kRunning, "Running"},
                                              {InstanceStatus::kStopping, "Stopping"},
                                              {InstanceStatus::kStopped, "Stopped"}})
NLOHMANN_JSON_SERIALIZE_ENUM(InstanceTask, {{InstanceTask::kNone, "none"},
                                            {InstanceTask::kCreating, "creating"},
                                            {InstanceTask::kStarting, "starting"},
                                            {InstanceTask::kStopping, "stopping"},
                                            {InstanceTask::kRebooting, "rebooting"},
                                            {InstanceTask::kReleasing, "releasing"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PowerState, {{PowerState::kUnknown, "unknown"},
                                          {PowerState::kAbsent, "absent"},
                                          {PowerState::kShutoff, "shutoff"},
                                          {PowerState::kRunning, "running"}})
NLOHMANN_JSON_SERIALIZE_ENUM(DesiredPower, {{DesiredPower::kRunning, "running"},
                                            {DesiredPower::kStopped, "stopped"},
                                            {DesiredPower::kAbsent, "absent"}})

#define OPENECS_JSON(Type, ...)                                                             \
  void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {              \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                \
  }                                                                                         \
  void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {            \
    const Type nlohmann_json_default_obj{};                                                 \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__)) \
  }

}  // namespace openecs
