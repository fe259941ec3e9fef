// Keep-alive durations, as `--keep-alive` and a request's `keep_alive` give them (the
// Ollama convention): how long a model stays in memory once no request uses it.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"

namespace herd {

// Negative: forever (never unloaded for idleness); zero: unloaded as soon as it is idle.
inline constexpr std::chrono::milliseconds kKeepForever{-1};

// "5m", "30s", "1h30m", "250ms", "90" (seconds), "0", "-1" (any negative: forever).
// Units ms, s, m, h; a bare number is seconds. kInvalidArgument names the text.
Result<std::chrono::milliseconds> parse_keep_alive(const std::string& text);
// A JSON number is seconds (fractions allowed; negative: forever).
Result<std::chrono::milliseconds> keep_alive_from_seconds(double seconds);

}  // namespace herd
