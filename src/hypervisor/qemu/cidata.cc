#include "hypervisor/qemu/cidata.h"

#include "common/crypto.h"

namespace openecs {
namespace {
// YAML single-quoted scalar.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else if (c != '\n' && c != '\r')
      out += c;
  }
  return out + "'";
}
}  // namespace

std::map<std::string, std::string> BuildNoCloud(const DesiredVm& vm) {
  std::string meta = "instance-id: " + vm.instance_id + "\n";
  meta += "local-hostname: " + Quote(vm.host_name) + "\n";
  if (!vm.public_key.empty()) meta += "public-keys:\n  - " + Quote(vm.public_key) + "\n";
  std::string user;
  if (!vm.user_data.empty()) {
    auto decoded = Base64Decode(vm.user_data);
    if (decoded) user = *decoded;
  }
  std::string vendor = "#cloud-config\n";
  if (!vm.password.empty()) vendor += "password: " + Quote(vm.password) + "\n";
  return {{"meta-data", meta}, {"user-data", user}, {"vendor-data", vendor}};
}

}  // namespace openecs
