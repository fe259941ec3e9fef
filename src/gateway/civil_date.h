// UTC calendar arithmetic on day numbers (days since 1970-01-01), with no timezone calls:
// budget periods and usage groups are calendar days and months in UTC.
#pragma once

#include <cstdint>
#include <string>

namespace herd::gateway {

struct CivilDate {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

inline constexpr int64_t kSecondsPerDay = 86'400;
inline constexpr int64_t kMicrosPerHour = 3'600'000'000;

// Division rounding toward negative infinity (times before 1970 stay on the right day).
constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t days_from_civil(const CivilDate& date);
CivilDate civil_from_days(int64_t days);

// "2026-12-07" for a day number; "2026-12-07T13" for an hour number (hours since 1970).
std::string format_day(int64_t days);
std::string format_hour(int64_t hours);

}  // namespace herd::gateway
