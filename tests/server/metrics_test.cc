#include "server/metrics.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

namespace herd::server {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

TEST(Histogram, CumulativeBucketsSumAndCount) {
  Histogram h({0.1, 1.0});
  h.observe(0.05);
  h.observe(0.1);  // on the bound: counts in that bucket (le means <=)
  h.observe(0.5);
  h.observe(7.0);
  std::string out;
  h.render_samples("x_seconds", "", &out);
  EXPECT_TRUE(has_line(out, "x_seconds_bucket{le=\"0.1\"} 2")) << out;
  EXPECT_TRUE(has_line(out, "x_seconds_bucket{le=\"1\"} 3")) << out;
  EXPECT_TRUE(has_line(out, "x_seconds_bucket{le=\"+Inf\"} 4")) << out;
  EXPECT_TRUE(has_line(out, "x_seconds_sum 7.65")) << out;
  EXPECT_TRUE(has_line(out, "x_seconds_count 4")) << out;
  EXPECT_EQ(h.count(), 4);
  std::string labelled;
  h.render_samples("x_seconds", "model=\"a\"", &labelled);
  EXPECT_TRUE(has_line(labelled, "x_seconds_bucket{model=\"a\",le=\"+Inf\"} 4")) << labelled;
  EXPECT_TRUE(has_line(labelled, "x_seconds_count{model=\"a\"} 4")) << labelled;
}

TEST(ServerMetrics, TextFormat) {
  ServerMetrics m;
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/chat/completions", 200);
  m.count_request("/v1/completions", 429);
  m.count_tokens("m1", 10, 4);
  m.add_in_flight(2);
  m.observe_ttft("m1", 0.02);
  EngineStats s;
  s.n_waiting = 3;
  s.kv_blocks_used = 7;
  s.kv_blocks_total = 100;
  s.generated_tokens_total = 55;
  s.kv_cache_bytes = 3'000'000'123;  // exact: past %.9g's digits
  s.kv_cache_capacity_bytes = 12'000'000'000;
  s.kv_type_k = "q8_0";
  s.kv_type_v = "f16";
  PooledModelStats loaded{"m1", true, 2, 1, s};
  PooledModelStats idle{"m\"2", false, 1, 3, std::nullopt};  // label values are escaped
  const std::string out = m.render({loaded, idle});
  EXPECT_TRUE(has_line(out, "# TYPE herd_requests_total counter")) << out;
  EXPECT_TRUE(has_line(out, "herd_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 2")) << out;
  EXPECT_TRUE(has_line(out, "herd_requests_total{endpoint=\"/v1/completions\",status=\"429\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_prompt_tokens_total{model=\"m1\"} 10")) << out;
  EXPECT_TRUE(has_line(out, "herd_completion_tokens_total{model=\"m1\"} 4")) << out;
  EXPECT_TRUE(has_line(out, "herd_requests_in_flight 2")) << out;
  EXPECT_TRUE(has_line(out, "herd_time_to_first_token_seconds_count{model=\"m1\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_time_to_first_token_seconds_bucket{model=\"m1\",le=\"0.025\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "# TYPE herd_inter_token_latency_seconds histogram")) << out;
  EXPECT_TRUE(has_line(out, "herd_queue_depth{model=\"m1\"} 3")) << out;
  EXPECT_TRUE(has_line(out, "herd_kv_blocks_in_use{model=\"m1\"} 7")) << out;
  EXPECT_TRUE(has_line(out, "herd_kv_blocks_total{model=\"m1\"} 100")) << out;
  EXPECT_TRUE(has_line(out, "herd_engine_generated_tokens_total{model=\"m1\"} 55")) << out;
  EXPECT_TRUE(has_line(out, "herd_kv_cache_bytes{model=\"m1\"} 3000000123")) << out;
  EXPECT_TRUE(has_line(out, "herd_kv_cache_capacity_bytes{model=\"m1\"} 12000000000")) << out;
  EXPECT_TRUE(has_line(out, "herd_kv_cache_info{model=\"m1\",type_k=\"q8_0\",type_v=\"f16\"} 1")) << out;
  // The pool's series: every model, loaded or not; engine series only for loaded ones.
  EXPECT_TRUE(has_line(out, "herd_models_loaded 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_model_loads_total{model=\"m1\"} 2")) << out;
  EXPECT_TRUE(has_line(out, "herd_model_evictions_total{model=\"m1\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_model_evictions_total{model=\"m\\\"2\"} 3")) << out;
  EXPECT_EQ(out.find("herd_queue_depth{model=\"m\\\"2\"}"), std::string::npos) << out;
  // Each metric's HELP and TYPE come once, before all its samples.
  EXPECT_EQ(out.find("# TYPE herd_queue_depth"), out.rfind("# TYPE herd_queue_depth")) << out;
  // Every line is a comment or "name{labels} value".
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInf]+$)");
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(l, sample)) << l;
  }
  EXPECT_EQ(m.render({}).find("herd_queue_depth{"), std::string::npos);
}

TEST(RequestTimer, FirstTokenAndGaps) {
  ServerMetrics m;
  using namespace std::chrono_literals;
  const auto t0 = RequestTimer::Clock::now();
  RequestTimer timer(&m, "m1", 2, t0);
  timer.on_delta(0, 0, t0 + 1ms);    // no tokens: nothing
  timer.on_delta(0, 1, t0 + 50ms);   // first token: TTFT 50 ms
  timer.on_delta(1, 1, t0 + 60ms);   // choice 1's first: no gap
  timer.on_delta(0, 2, t0 + 70ms);   // two tokens over 20 ms: two gaps of 10 ms
  timer.on_end(t0 + 100ms);
  EXPECT_EQ(m.ttft_count("m1"), 1);
  EXPECT_EQ(m.inter_token_count("m1"), 2);
  EXPECT_EQ(m.ttft_count("other"), 0);
  RequestTimer other(&m, "m2", 1, t0);
  other.on_delta(0, 1, t0 + 2s);
  other.on_end(t0 + 3s);
  const std::string out = m.render({});
  EXPECT_TRUE(has_line(out, "herd_time_to_first_token_seconds_bucket{model=\"m1\",le=\"0.05\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_time_to_first_token_seconds_bucket{model=\"m2\",le=\"0.05\"} 0")) << out;
  EXPECT_TRUE(has_line(out, "herd_time_to_first_token_seconds_bucket{model=\"m2\",le=\"2.5\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_inter_token_latency_seconds_bucket{model=\"m1\",le=\"0.01\"} 2")) << out;
  EXPECT_TRUE(has_line(out, "herd_request_duration_seconds_count{model=\"m1\"} 1")) << out;
  EXPECT_TRUE(has_line(out, "herd_request_duration_seconds_count{model=\"m2\"} 1")) << out;
  // One HELP and one TYPE per histogram, whatever the number of models.
  EXPECT_EQ(out.find("# TYPE herd_time_to_first_token_seconds histogram"), out.rfind("# TYPE herd_time_to_first_token_seconds histogram"));
}

}  // namespace
}  // namespace herd::server
