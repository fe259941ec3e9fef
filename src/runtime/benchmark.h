// `herd bench`: llama-bench style throughput of one model, through the serving engine
// (the one generation loop). "pp" evaluates a prompt of n_prompt random token ids as
// one batch; "tg" decodes n_gen single tokens after a 1-token prompt. Each test runs
// once to warm up, then `repetitions` timed times; speeds are reported as tokens/s
// statistics.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace herd {

// Summary statistics of a sample (stddev is the sample standard deviation, n - 1).
struct SampleStats {
  int n = 0;
  double mean = 0.0, stddev = 0.0, median = 0.0, min = 0.0, max = 0.0;
};
SampleStats sample_stats(std::span<const double> values);

struct BenchParams {
  int32_t n_prompt = 512;   // 0: no pp test
  int32_t n_gen = 128;      // 0: no tg test
  int n_threads = 0;        // 0: all hardware threads
  int repetitions = 5;
  bool warmup = true;
  uint64_t seed = 1234;     // for the random prompt ids
  DType kv_type_k = DType::kF16;  // KV cache element types
  DType kv_type_v = DType::kF16;
  std::function<void(const std::string&)> on_progress;  // optional, one line per run
  // With a tg test: also measure the machine's read bandwidth (after the peak RSS is
  // taken: the probe's buffer is not the model's memory).
  bool measure_bandwidth = true;
};

struct BenchTest {
  std::string name;   // "pp512", "tg128"
  int32_t n_tokens = 0;
  std::vector<double> tokens_per_second;  // one per repetition
  SampleStats stats;
};

struct BenchReport {
  std::string model_path;
  std::string architecture;
  std::string file_type;     // "Q4_0", …
  uint64_t model_bytes = 0;
  int64_t n_params = 0;
  int n_threads = 0;
  int repetitions = 0;
  uint64_t peak_rss_bytes = 0;  // VmHWM after the runs (0 when unknown)
  // Weight bytes one generated token reads: every tensor but the token embedding,
  // of which one row (unless the output projection is tied to it).
  uint64_t weight_bytes_per_token = 0;
  double read_bandwidth = 0.0;  // bytes/s measured with the same threads; 0: not measured
  std::vector<BenchTest> tests;

  // For a tg test: the share of the bandwidth bound its median reaches (0 if unknown).
  double bandwidth_fraction(const BenchTest& test) const;
};

// kInvalidArgument for negative counts or no repetitions.
Result<BenchReport> run_benchmark(const Model& model, const Tokenizer& tokenizer, const std::string& model_path,
                                  const BenchParams& params);

// A markdown table in the style of llama-bench, plus the peak RSS line.
std::string format_bench_table(const BenchReport& report);
// One JSON object: the model facts and a "tests" array with every sample.
std::string format_bench_json(const BenchReport& report);

// The process's peak resident set size from /proc/self/status (VmHWM); 0 if unknown.
uint64_t peak_rss_bytes();

}  // namespace herd
