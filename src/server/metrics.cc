#include "server/metrics.h"

#include <cstdio>

namespace herd::server {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void header(std::string_view name, std::string_view help, std::string_view type, std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string_view name, std::string_view type, std::string_view help, double value, std::string* out) {
  header(name, help, type, out);
  out->append(name).append(" ").append(number(value)).append("\n");
}

// Label values escape backslash, quote and newline.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// Seconds: from a fast token (1 ms) to a slow prompt (a minute).
std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[i];
  sum_ += value;
  ++count_;
}

int64_t Histogram::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

void Histogram::render(std::string_view name, std::string_view help, std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  header(name, help, "histogram", out);
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out->append(name).append("_bucket{le=\"").append(le).append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out->append(name).append("_sum ").append(number(sum_)).append("\n");
  out->append(name).append("_count ").append(std::to_string(count_)).append("\n");
}

ServerMetrics::ServerMetrics() : ttft_(latency_buckets()), inter_token_(latency_buckets()), duration_(latency_buckets()) {}

void ServerMetrics::count_request(std::string_view endpoint, int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(endpoint), http_status}];
}

void ServerMetrics::count_tokens(int64_t prompt, int64_t completion) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += prompt;
  completion_tokens_ += completion;
}

std::string ServerMetrics::render(const std::optional<EngineStats>& engine) const {
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    header("herd_requests_total", "HTTP requests answered, by endpoint and status code.", "counter", &out);
    for (const auto& [key, count] : requests_) {
      out += "herd_requests_total{endpoint=\"" + label_value(key.first) + "\",status=\"" + std::to_string(key.second) +
             "\"} " + std::to_string(count) + "\n";
    }
    sample("herd_prompt_tokens_total", "counter", "Prompt tokens of finished completion requests.",
           static_cast<double>(prompt_tokens_), &out);
    sample("herd_completion_tokens_total", "counter", "Tokens generated for finished completion requests.",
           static_cast<double>(completion_tokens_), &out);
  }
  sample("herd_requests_in_flight", "gauge", "Completion requests being answered now.",
         static_cast<double>(in_flight_.load(std::memory_order_relaxed)), &out);
  ttft_.render("herd_time_to_first_token_seconds", "From submission to the first generated token.", &out);
  inter_token_.render("herd_inter_token_latency_seconds", "Between consecutive tokens of one choice.", &out);
  duration_.render("herd_request_duration_seconds", "From submission to the end of a completion request.", &out);
  if (engine) {
    const EngineStats& s = *engine;
    sample("herd_queue_depth", "gauge", "Sequences waiting for the engine (a request with n choices counts n).", s.n_waiting, &out);
    sample("herd_sequences_running", "gauge", "Sequences holding KV blocks.", s.n_running, &out);
    sample("herd_kv_blocks_total", "gauge", "KV cache blocks in the pool.", s.kv_blocks_total, &out);
    sample("herd_kv_blocks_in_use", "gauge", "KV cache blocks referenced by running sequences.", s.kv_blocks_used, &out);
    sample("herd_kv_blocks_cached", "gauge", "Unreferenced KV blocks kept for the prefix cache.", s.kv_blocks_cached,
           &out);
    // Bytes as exact integers (%.9g would round past 1 GB).
    header("herd_kv_cache_bytes", "KV cache memory of the blocks the pool has grown to.", "gauge", &out);
    out += "herd_kv_cache_bytes " + std::to_string(s.kv_cache_bytes) + "\n";
    header("herd_kv_cache_capacity_bytes", "KV cache memory of the whole pool (its budget).", "gauge", &out);
    out += "herd_kv_cache_capacity_bytes " + std::to_string(s.kv_cache_capacity_bytes) + "\n";
    header("herd_kv_cache_info", "KV cache element types.", "gauge", &out);
    out += "herd_kv_cache_info{type_k=\"" + label_value(s.kv_type_k) + "\",type_v=\"" + label_value(s.kv_type_v) +
           "\"} 1\n";
    sample("herd_preemptions_total", "counter", "Sequences preempted for lack of KV blocks.",
           static_cast<double>(s.n_preemptions), &out);
    sample("herd_engine_prompt_tokens_total", "counter", "Prompt tokens evaluated (prefix-cache hits excluded).",
           static_cast<double>(s.prompt_tokens_total), &out);
    sample("herd_engine_cached_tokens_total", "counter", "Prompt tokens served from the prefix cache.",
           static_cast<double>(s.cached_tokens_total), &out);
    sample("herd_engine_generated_tokens_total", "counter", "Tokens generated by the engine.",
           static_cast<double>(s.generated_tokens_total), &out);
    sample("herd_engine_steps_total", "counter", "Engine steps (batches evaluated).", static_cast<double>(s.steps_total),
           &out);
  }
  return out;
}

RequestTimer::RequestTimer(ServerMetrics* metrics, int32_t n_choices, Clock::time_point start)
    : metrics_(metrics), start_(start), last_(static_cast<size_t>(n_choices < 1 ? 1 : n_choices)) {}

void RequestTimer::on_delta(int32_t index, size_t n_tokens, Clock::time_point now) {
  if (n_tokens == 0 || index < 0 || static_cast<size_t>(index) >= last_.size()) return;
  std::optional<Clock::time_point>& last = last_[static_cast<size_t>(index)];
  if (!first_seen_) {
    first_seen_ = true;
    ttft_s_ = std::chrono::duration<double>(now - start_).count();
    metrics_->observe_ttft(ttft_s_);
  }
  if (!last) {
    // A choice's first token has no gap before it, and tokens that arrive with it have
    // no time of their own: neither is an inter-token sample.
    last = now;
    return;
  }
  const double each = std::chrono::duration<double>(now - *last).count() / static_cast<double>(n_tokens);
  for (size_t i = 0; i < n_tokens; ++i) metrics_->observe_inter_token(each);
  last = now;
}

void RequestTimer::on_end(Clock::time_point now) {
  metrics_->observe_request_duration(std::chrono::duration<double>(now - start_).count());
}

}  // namespace herd::server
