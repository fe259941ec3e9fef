#include "cli/pull_progress.h"

#include <cmath>

namespace herd::cli {
namespace {

constexpr auto kTerminalRedraw = std::chrono::milliseconds(100);
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 24;

std::string format_duration(double seconds) {
  const long s = std::lround(seconds);
  if (s >= 3600) return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
  if (s >= 60) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s) + "s";
}

}  // namespace

std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

void PullProgress::message(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(out_, "%s\n", text.c_str());
}

void PullProgress::blob_started(const std::string& label, std::optional<uint64_t> size) {
  std::lock_guard<std::mutex> lock(mu_);
  label_ = label;
  total_ = size;
  done_ = resumed_ = 0;
  started_ = last_draw_ = Clock::now();
  last_decile_ = -1;
  printed_ = UINT64_MAX;
}

void PullProgress::bytes(uint64_t n, bool resumed) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ += n;
  if (resumed) resumed_ += n;
  draw(false);
}

void PullProgress::blob_finished() {
  std::lock_guard<std::mutex> lock(mu_);
  draw(true);
}

std::string PullProgress::line() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - resumed_) / elapsed : 0;
  std::string s = "pulling " + label_ + " ";
  if (total_ && *total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(*total_));
    if (terminal_) {
      const int filled = static_cast<int>(frac * kBarWidth);
      s += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
    }
    s += std::to_string(static_cast<int>(frac * 100)) + "% " + format_bytes(static_cast<double>(done_)) + "/" +
         format_bytes(static_cast<double>(*total_));
    if (rate > 0 && done_ < *total_) {
      s += " " + format_bytes(rate) + "/s ETA " + format_duration(static_cast<double>(*total_ - done_) / rate);
    }
  } else {
    s += format_bytes(static_cast<double>(done_));
    if (rate > 0) s += " " + format_bytes(rate) + "/s";
  }
  return s;
}

void PullProgress::draw(bool final) {
  const auto now = Clock::now();
  if (terminal_) {
    if (!final && now - last_draw_ < kTerminalRedraw) return;
    last_draw_ = now;
    // \033[K clears what a longer earlier line left behind.
    std::fprintf(out_, "\r%s\033[K%s", line().c_str(), final ? "\n" : "");
    std::fflush(out_);
    return;
  }
  const int decile = total_ && *total_ > 0 ? static_cast<int>(done_ * 10 / *total_) : -1;
  if (done_ == printed_) return;  // nothing new since the last line
  if (final || decile > last_decile_ || now - last_draw_ >= kLogInterval) {
    last_decile_ = std::max(decile, last_decile_);
    last_draw_ = now;
    printed_ = done_;
    std::fprintf(out_, "%s\n", line().c_str());
  }
}

}  // namespace herd::cli
