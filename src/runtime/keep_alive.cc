#include "runtime/keep_alive.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace herd {
namespace {

// A year: far enough to mean "a long time", small enough that adding it to a clock
// cannot overflow.
constexpr double kMaxMs = 365.0 * 24 * 3600 * 1000;

Status bad(const std::string& text) {
  return invalid_argument("not a keep-alive duration: \"" + text + "\" (e.g. 5m, 30s, 0, -1)");
}

}  // namespace

Result<std::chrono::milliseconds> keep_alive_from_seconds(double seconds) {
  if (!std::isfinite(seconds)) return invalid_argument("keep_alive must be a finite number of seconds");
  if (seconds < 0) return kKeepForever;
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(seconds * 1000.0, kMaxMs)));
}

Result<std::chrono::milliseconds> parse_keep_alive(const std::string& text) {
  if (text.empty() || text.size() > 64) return bad(text.substr(0, 64));
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative || text[0] == '+') ++i;
  if (i == text.size()) return bad(text);
  double total_ms = 0;
  while (i < text.size()) {
    // Digits and a point only: strtod alone would also take "1e3", "inf" or hex.
    size_t number_end = i;
    while (number_end < text.size() && (std::isdigit(static_cast<unsigned char>(text[number_end])) || text[number_end] == '.')) {
      ++number_end;
    }
    const std::string number = text.substr(i, number_end - i);
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value)) return bad(text);
    i = number_end;
    size_t unit_end = i;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) ++unit_end;
    const std::string unit = text.substr(i, unit_end - i);
    double scale = 0;
    if (unit.empty()) {
      if (i != text.size() || total_ms != 0) return bad(text);  // a bare number stands alone
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else {
      return bad(text);
    }
    total_ms += value * scale;
    i = unit_end;
  }
  if (negative && total_ms > 0) return kKeepForever;
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(total_ms, kMaxMs)));
}

}  // namespace herd
