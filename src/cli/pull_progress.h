// What `herd pull` shows while it works: on a terminal, one bar redrawn in place (bytes, rate,
// ETA); otherwise plain lines at every 10 % or every few seconds, for logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "store/model_pull.h"

namespace herd::cli {

class PullProgress : public store::PullObserver {
 public:
  PullProgress(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

  void message(const std::string& text) override;
  void blob_started(const std::string& label, std::optional<uint64_t> size) override;
  void bytes(uint64_t n, bool resumed) override;
  void blob_finished() override;

 private:
  using Clock = std::chrono::steady_clock;
  void draw(bool final);  // under mu_
  std::string line() const;

  std::FILE* out_;
  bool terminal_;
  std::mutex mu_;
  std::string label_;
  std::optional<uint64_t> total_;
  uint64_t done_ = 0;
  uint64_t resumed_ = 0;  // found on disk, so not part of the rate
  Clock::time_point started_;
  Clock::time_point last_draw_;
  int last_decile_ = -1;
  uint64_t printed_ = UINT64_MAX;  // done_ when the last plain line was printed
};

// "1.5 MiB"
std::string format_bytes(double bytes);

}  // namespace herd::cli
