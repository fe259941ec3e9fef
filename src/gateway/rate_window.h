// A sliding one-minute window of counts (requests, tokens) for one key's limits: 60 one-
// second buckets, so "in the last minute" is exact to the second and old counts leave
// second by second rather than all at once at a minute's turn. The counts themselves live
// in the database (rate_seconds); admit() loads a key's last minute into one of these for
// the arithmetic (does it fit, retry-after, reset). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace herd::gateway {

class RateWindow {
 public:
  static constexpr int kSeconds = 60;

  // The sum over the last minute ending at `now_s` (inclusive).
  int64_t used(int64_t now_s);
  // Adds `n` (may be negative, to return an estimate's unused part) at `now_s`.
  void add(int64_t now_s, int64_t n);
  // Seconds from `now_s` until `need` more would fit under `limit` as counts leave the
  // window; 0 when it fits now, kSeconds when it never can (need > limit).
  int64_t seconds_until_fits(int64_t now_s, int64_t need, int64_t limit);
  // Seconds until the window is empty again (the x-ratelimit-reset value).
  int64_t seconds_until_empty(int64_t now_s);

 private:
  void advance(int64_t now_s);
  std::array<int64_t, kSeconds> buckets_{};
  int64_t head_s_ = 0;  // the second the newest bucket counts
};

}  // namespace herd::gateway
