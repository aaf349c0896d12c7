#pragma once
// JSON helpers shared by the model's codecs (records and the agent protocol): the enums'
// stable string forms and OPENECS_JSON, which defines to_json/from_json for a struct where
// missing keys take the struct's defaults (older documents and older peers still load) and a
// number an integer field cannot hold is refused (an exception, as for a wrong type).
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <vector>

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

// Throws json's out_of_range (406) if `v` is a number with a fraction part or exponent that an
// integer T cannot hold: nlohmann converts it with a plain cast, which is undefined behaviour
// out of range ({"vcpus": 1e300}; found by tests/fuzz/fuzz_agent_protocol). Integers that do
// not fit wrap, as nlohmann's conversion has them do (defined; not checked here).
template <typename T>
struct IsJsonVector : std::false_type {};
template <typename T, typename A>
struct IsJsonVector<std::vector<T, A>> : std::true_type {};

template <typename T>
void CheckJsonNumberFits(const nlohmann::json& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!v.is_number_float()) return;
    double d = v.get<double>();
    if (!(d > static_cast<double>(std::numeric_limits<T>::min()) - 1.0 &&
          d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0))
      throw nlohmann::json::out_of_range::create(406, "number out of range: " + v.dump(), &v);
  } else if constexpr (IsJsonVector<T>::value) {
    if (v.is_array())
      for (const auto& e : v) CheckJsonNumberFits<typename T::value_type>(e);
  }
}

// One field of OPENECS_JSON's from_json: nlohmann's j.value(key, default), numbers checked.
template <typename T>
void FromJsonField(const nlohmann::json& j, const char* key, T& field, const T& def) {
  if (j.is_object())
    if (auto it = j.find(key); it != j.end()) CheckJsonNumberFits<T>(*it);
  field = j.value(key, def);
}

#define OPENECS_JSON_FROM(v1) \
  FromJsonField(nlohmann_json_j, #v1, nlohmann_json_t.v1, nlohmann_json_default_obj.v1);

#define OPENECS_JSON(Type, ...)                                                  \
  void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))     \
  }                                                                              \
  void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) { \
    const Type nlohmann_json_default_obj{};                                      \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(OPENECS_JSON_FROM, __VA_ARGS__))    \
  }

// A struct with more fields than one OPENECS_JSON takes (nlohmann's macros stop at 63): each
// OPENECS_JSON_PART names some fields, OPENECS_JSON_JOIN makes to_json/from_json of the parts.
#define OPENECS_JSON_PART(Part, Type, ...)                                                   \
  static void Part##ToJson(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {   \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                 \
  }                                                                                          \
  static void Part##FromJson(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) { \
    const Type nlohmann_json_default_obj{};                                                  \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(OPENECS_JSON_FROM, __VA_ARGS__))                \
  }
#define OPENECS_JSON_JOIN(Type, A, B)                \
  void to_json(nlohmann::json& j, const Type& t) {   \
    A##ToJson(j, t);                                 \
    B##ToJson(j, t);                                 \
  }                                                  \
  void from_json(const nlohmann::json& j, Type& t) { \
    A##FromJson(j, t);                               \
    B##FromJson(j, t);                               \
  }

}  // namespace openecs
