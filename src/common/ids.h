#pragma once
// Resource identifiers in ECS style: "<prefix>-<20 chars of [a-z0-9]>". The first 11 characters
// encode creation time and a sequence number, so ids of one kind sort in creation order (which
// is the order Describe* lists them in); the rest is random.
#include <string>
#include <string_view>

namespace openecs {

std::string NewId(std::string_view prefix);
// Upper-case UUID-shaped request id, e.g. "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E".
std::string NewRequestId();
// A stable MAC address for a resource id, in Alibaba's 00:16:3e range (a hash of the id).
std::string MacForId(std::string_view id);

}  // namespace openecs
