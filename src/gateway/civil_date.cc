#include "gateway/civil_date.h"

#include <cstdio>

namespace herd::gateway {

// The proleptic Gregorian calendar repeats every 400 years (146097 days). Counting years
// from March makes February, with its leap day, the last month of a year, so the day of
// the year follows from the month by one linear formula.
namespace {
constexpr int64_t kDaysPerEra = 146'097;
constexpr int64_t kDaysFrom0000To1970 = 719'468;  // 0000-03-01 to 1970-01-01
}  // namespace

int64_t days_from_civil(const CivilDate& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = floor_div(y, 400);
  const int64_t year_of_era = y - era * 400;                      // [0, 399]
  const int64_t month_from_march = (date.month + 9) % 12;         // March = 0
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * kDaysPerEra + day_of_era - kDaysFrom0000To1970;
}

CivilDate civil_from_days(int64_t days) {
  const int64_t z = days + kDaysFrom0000To1970;
  const int64_t era = floor_div(z, kDaysPerEra);
  const int64_t day_of_era = z - era * kDaysPerEra;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDate out;
  out.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  out.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  out.year = year_of_era + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

std::string format_day(int64_t days) {
  const CivilDate d = civil_from_days(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(d.year), d.month, d.day);
  return buf;
}

std::string format_hour(int64_t hours) {
  const int64_t days = floor_div(hours, 24);
  char buf[8];
  std::snprintf(buf, sizeof buf, "T%02d", static_cast<int>(hours - days * 24));
  return format_day(days) + buf;
}

}  // namespace herd::gateway
