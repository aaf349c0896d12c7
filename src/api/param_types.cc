#include "api/param_types.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/text.h"

namespace openecs {
namespace {

struct Entry {
  const char* version;
  const char* action;
  const char* name;
  char type;
};

constexpr Entry kTypes[] = {
#include "api/param_types.inc"
};

const std::unordered_map<std::string, char>& Table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string, char>();
    for (const Entry& e : kTypes)
      (*t)[std::string(e.version) + "/" + e.action + "/" + e.name] = e.type;
    return t;
  }();
  return *table;
}

Error Wrong(const std::string& name, const std::string& what) {
  // The automatic snapshot policy actions (lower-case parameters: regionId, timePoints) answer
  // ParameterInvalid where the others answer InvalidParameter.
  bool policy_style = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
  return MakeError(policy_style ? ErrorCode::kPolicyParameterInvalid : ErrorCode::kInvalidParameter,
                   "The specified parameter " + name + " is not valid: " + what + ".");
}

}  // namespace

Status CheckParamType(const std::string& version, const std::string& action,
                      const std::string& name, const std::string& value) {
  // Scripts and files (Cloud Assistant's CommandContent and SendFile's Content: 24 and 32 KB
  // once Base64-encoded, checked by their actions) may be longer too.
  bool long_text = name == "UserData" || name == "PublicKeyBody" || name == "CommandContent" ||
                   name == "Content";
  size_t max = long_text ? kMaxLongTextParam : kMaxTextParam;
  if (value.size() > max) return Wrong(name, "longer than " + std::to_string(max) + " bytes");
  const auto& table = Table();
  thread_local std::string key;  // built in place: a call checks every parameter it has
  key.assign(version).append(1, '/').append(action).append(1, '/').append(IndexPattern(name));
  auto it = table.find(key);
  if (it == table.end()) return Ok();
  switch (it->second) {
    case 'n': {
      double d = 0;
      const char* b = value.data();
      const char* e = b + value.size();
      auto [p, ec] = std::from_chars(b, e, d);
      if (value.empty() || ec != std::errc() || p != e || !std::isfinite(d))
        return Wrong(name, "expected a number");
      return Ok();
    }
    case 'b':
      if (!EqualsIgnoreCase(value, "true") && !EqualsIgnoreCase(value, "false"))
        return Wrong(name, "expected true or false");
      return Ok();
    case 'j': {
      auto j = nlohmann::json::parse(value, nullptr, false);
      // A list; or an object for the few JSON-string parameters that are maps (InvokeCommand's
      // Parameters), which their handlers check.
      if (j.is_discarded() || (!j.is_array() && !(j.is_object() && name == "Parameters")))
        return Wrong(name, "expected a JSON list");
      return Ok();
    }
  }
  return Ok();
}

}  // namespace openecs
