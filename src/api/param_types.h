#pragma once
// The SDK catalogue's types, checked at the edge for every parameter of every action (numbers,
// booleans, JSON lists; param_types.inc is generated from the catalogue), and a length limit
// for text. A handler reads only the parameters OpenECS implements; the others used to be
// dropped unread whatever they held. Now a wrong type is refused (InvalidParameter) wherever
// it is, as ECS refuses it.
#include <optional>
#include <string>

#include "common/result.h"

namespace openecs {

// Longest text parameter; UserData and public keys may be longer.
inline constexpr size_t kMaxTextParam = 16 * 1024;
inline constexpr size_t kMaxLongTextParam = 64 * 1024;

// Ok, or InvalidParameter naming `name` and what it should be. `name` as sent
// ("DataDisk.2.Size"); list indexes match the catalogue's N.
Status CheckParamType(const std::string& version, const std::string& action,
                      const std::string& name, const std::string& value);

}  // namespace openecs
