#pragma once
// Serialises JSON without ever throwing: a string that is not valid UTF-8 (a guest's console, a
// name from a record written before the API checked it) has its bad bytes replaced by U+FFFD
// instead of nlohmann::json throwing type_error 316 on a thread nobody catches on. Every dump
// of data that came from outside goes through here.
#include <nlohmann/json.hpp>
#include <string>

namespace openecs {

inline std::string DumpJson(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace openecs
