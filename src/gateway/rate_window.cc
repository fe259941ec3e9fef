#include "gateway/rate_window.h"

#include <algorithm>

namespace herd::gateway {

void RateWindow::advance(int64_t now_s) {
  if (now_s <= head_s_) return;  // the clock never moves a window back
  const int64_t gap = now_s - head_s_;
  if (gap >= kSeconds) {
    buckets_.fill(0);
  } else {
    for (int64_t s = head_s_ + 1; s <= now_s; ++s) buckets_[static_cast<size_t>(s % kSeconds)] = 0;
  }
  head_s_ = now_s;
}

int64_t RateWindow::used(int64_t now_s) {
  advance(now_s);
  int64_t sum = 0;
  for (int64_t b : buckets_) sum += b;
  return std::max<int64_t>(sum, 0);
}

void RateWindow::add(int64_t now_s, int64_t n) {
  advance(now_s);
  buckets_[static_cast<size_t>(std::max(head_s_, now_s) % kSeconds)] += n;
}

int64_t RateWindow::seconds_until_fits(int64_t now_s, int64_t need, int64_t limit) {
  if (need > limit) return kSeconds;
  int64_t in_window = used(now_s);
  // The bucket of second head-59 leaves first, one second from now; and so on.
  for (int64_t wait = 0; wait < kSeconds; ++wait) {
    if (in_window + need <= limit) return wait;
    in_window -= buckets_[static_cast<size_t>((head_s_ + 1 + wait) % kSeconds)];
  }
  return kSeconds;
}

int64_t RateWindow::seconds_until_empty(int64_t now_s) {
  advance(now_s);
  for (int64_t age = 0; age < kSeconds; ++age) {
    // The newest second still counting leaves last, after (60 - age) seconds.
    if (buckets_[static_cast<size_t>((head_s_ - age + kSeconds * 2) % kSeconds)] != 0) return kSeconds - age;
  }
  return 0;
}

}  // namespace herd::gateway
