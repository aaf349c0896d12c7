#pragma once
// The body of a host's monitoring report, {"samples": [GuestSample, ...]}: written by the
// agent (agent/http_channel.cc) and read by the server (api/agent_endpoint.cc) without a JSON
// tree. A thousand hosts send one sample per running guest every few seconds; at 100,000 guests
// building nlohmann's tree of it (a map node per key) and converting that was a fifth of a quiet
// ecsd's CPU, and building the tree to write it a tenth of the simulating agent's.
//
// The text is what GuestSample's to_json (model/agent_protocol_json.h) writes, and read by the
// same rules, so either side may be the older: unknown keys are skipped, a missing key keeps the
// field's default, and a value of the wrong type or a number an integer field cannot hold
// refuses the whole body (as a tree's get<> throws).
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace openecs {

std::string DumpSamples(const std::vector<GuestSample>& samples);
// InvalidParameter (with where it went wrong) for a body that is not JSON or not samples.
Result<std::vector<GuestSample>> ParseSamples(std::string_view body);

}  // namespace openecs
