// What /metrics reports, in Prometheus' text format (version 0.0.4): request counters, and
// per model (labelled model="ID"): latency histograms measured here from event arrival
// times, token counters, loads and evictions, and the engine's gauges (KV blocks, queue
// depth) read from its EngineStats at scrape time while it is loaded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/generation_service.h"
#include "runtime/model_pool.h"

namespace herd::server {

// A cumulative histogram: counts per upper bound, plus sum and count. Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // The _bucket{<labels>,le=...} lines (cumulative, ending at +Inf), _sum, _count; `labels`
  // is "" or e.g. model="x". The "# HELP" and "# TYPE" lines are the caller's.
  void render_samples(std::string_view name, std::string_view labels, std::string* out) const;
  int64_t count() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<int64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0.0;
  int64_t count_ = 0;
};

class ServerMetrics {
 public:
  ServerMetrics();

  // One HTTP request answered on `endpoint` with `http_status`.
  void count_request(std::string_view endpoint, int http_status);
  void count_tokens(const std::string& model, int64_t prompt, int64_t completion);
  void observe_ttft(const std::string& model, double seconds) { latency(model).ttft.observe(seconds); }
  void observe_inter_token(const std::string& model, double seconds) { latency(model).inter_token.observe(seconds); }
  void observe_request_duration(const std::string& model, double seconds) { latency(model).duration.observe(seconds); }
  void add_in_flight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  // The whole exposition: engine gauges for the models that are loaded.
  std::string render(const std::vector<PooledModelStats>& models) const;

  // Samples in a model's histograms (0 for a model never seen).
  int64_t ttft_count(const std::string& model) const;
  int64_t inter_token_count(const std::string& model) const;

  struct Latency {
    Latency();
    Histogram ttft, inter_token, duration;
  };

 private:
  Latency& latency(const std::string& model);  // created on first use
  const Latency* find_latency(const std::string& model) const;

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;  // (endpoint, status) -> count
  std::map<std::string, std::pair<int64_t, int64_t>> tokens_;  // model -> (prompt, completion)
  std::map<std::string, std::unique_ptr<Latency>> latency_;    // model -> its histograms
  std::atomic<int64_t> in_flight_{0};
};

// Times one request from its submission: the first token gives TTFT, each later token
// of a choice the gap since that choice's previous one (a delta of k tokens counts as k
// gaps of a k-th of the time, as the engine may batch them).
class RequestTimer {
 public:
  using Clock = std::chrono::steady_clock;
  RequestTimer(ServerMetrics* metrics, std::string model, int32_t n_choices, Clock::time_point start = Clock::now());
  void on_delta(int32_t index, size_t n_tokens, Clock::time_point now = Clock::now());
  void on_end(Clock::time_point now = Clock::now());
  // Seconds from the start to the first token; < 0 before it.
  double ttft_s() const { return first_seen_ ? ttft_s_ : -1.0; }

 private:
  ServerMetrics* metrics_;
  std::string model_;
  Clock::time_point start_;
  bool first_seen_ = false;
  double ttft_s_ = -1.0;
  std::vector<std::optional<Clock::time_point>> last_;  // per choice
};

}  // namespace herd::server
