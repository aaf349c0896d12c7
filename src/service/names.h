#pragma once
// The ECS naming rule for user-given resource names (instances, VPCs, vSwitches, security
// groups): 2-128 characters, starting with a letter (or a non-ASCII character, e.g. Chinese),
// and not starting with http:// or https://; no control characters (a NUL, an escape sequence or
// a line break in a name reaches terminals, logs and the guest's metadata). An empty name means
// "not given" and is valid.
#include <cctype>
#include <string>

namespace openecs {

inline bool ValidResourceName(const std::string& n) {
  if (n.empty()) return true;
  if (n.size() < 2 || n.size() > 128) return false;
  unsigned char first = static_cast<unsigned char>(n[0]);
  if (first < 0x80 && !std::isalpha(first)) return false;
  for (unsigned char c : n)
    if (c < 0x20 || c == 0x7f) return false;
  return n.rfind("http://", 0) != 0 && n.rfind("https://", 0) != 0;
}

}  // namespace openecs
