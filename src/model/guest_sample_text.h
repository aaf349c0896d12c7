#pragma once
// The body of a host's monitoring report as lines of text: what the agent sends since stop 46
// (guest_sample_json.h is the JSON it sent before, which the server still reads).
//
// Why not JSON: a thousand hosts send one sample per running guest every 10 s. At 100,000
// guests that was 10,000 samples (~6 MB of JSON) a second, and reading them with nlohmann's
// SAX parser was 14 % of a busy ecsd's CPU (perf, 1,000 simulated hosts on a 2-core machine),
// more than turning them into points; reading this text was 4-9 % under a lighter load.
//
//   openecs-samples 1
//   s <instance_id> <at_ms> <cpu_ns> <vcpus> <guest_agent>
//   d <disk_id> <read_bytes> <write_bytes> <read_ops> <write_ops> <read_ns> <write_ns>
//   n <eni_id> <public_ip or -> <rx_bytes> <tx_bytes> <rx_packets> <tx_packets> <rx_dropped>
//     <tx_dropped> <public_rx_bytes> <public_tx_bytes> <public_rx_packets> <public_tx_packets>
//
// One line each (the `n` line wraps here only), fields separated by one space, numbers in
// decimal. `d` and `n` lines belong to the `s` line before them. Either side may be the older:
// a line with fewer fields than these keeps the rest at their defaults, one with more has the
// extra passed over, and a line of an unknown kind is passed over. A number that is not one or
// does not fit its field, a device line before any sample, or a first line other than the
// header refuses the whole body.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

inline constexpr std::string_view kSamplesTextHeader = "openecs-samples 1";

// nullopt when an id or address is not a plain token (empty, longer than 256 bytes, or holding
// a space, a control character or a byte above 0x7e): send those as JSON.
std::optional<std::string> DumpSamplesText(const std::vector<GuestSample>& samples);
// InvalidParameter (with the line where it went wrong) for a body that is not such text.
Result<std::vector<GuestSample>> ParseSamplesText(std::string_view body);

}  // namespace openecs
