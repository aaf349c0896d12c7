#pragma once
// Wall-clock time as the API shows it. Time is int64 seconds since the Unix epoch (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openecs {

int64_t NowSeconds();
int64_t NowMillis();
// "2026-11-27T04:26:56Z"
std::string FormatIso(int64_t epoch_seconds);
// "2026-11-27T04:26Z" (the minute precision many ECS responses use)
std::string FormatIsoMinutes(int64_t epoch_seconds);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (also "...:SS.sssZ" and "...THH:MMZ"); nullopt if malformed.
std::optional<int64_t> ParseIso(std::string_view s);

}  // namespace openecs
