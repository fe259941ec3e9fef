// Benchmark statistics, and the shape of a tiny real run (never its timings).
#include "runtime/benchmark.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "../support/shared_data.h"

namespace herd {
namespace {

TEST(SampleStats, KnownValues) {
  const std::vector<double> v = {4, 1, 3, 2, 5};
  const SampleStats s = sample_stats(v);
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));  // sample stddev: sum sq 10 / (5 - 1)
}

TEST(SampleStats, EvenCountMedianSingleAndEmpty) {
  const std::vector<double> even = {10, 2, 4, 8};
  EXPECT_DOUBLE_EQ(sample_stats(even).median, 6.0);
  const std::vector<double> one = {7};
  const SampleStats s1 = sample_stats(one);
  EXPECT_DOUBLE_EQ(s1.median, 7.0);
  EXPECT_DOUBLE_EQ(s1.stddev, 0.0);
  const SampleStats s0 = sample_stats({});
  EXPECT_EQ(s0.n, 0);
  EXPECT_DOUBLE_EQ(s0.mean, 0.0);
}

TEST(PeakRss, IsReported) { EXPECT_GT(peak_rss_bytes(), 1u << 20); }

TEST(Benchmark, TinyRunOnStories260K) {
  const std::filesystem::path path = testing::shared_dir() / "models" / "stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(path)) << "no shared models";
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  BenchParams p;
  p.n_prompt = 16;
  p.n_gen = 8;
  p.n_threads = 2;
  p.repetitions = 3;
  p.measure_bandwidth = false;  // a 1 GiB probe has no place in a unit test
  int n_lines = 0;
  p.on_progress = [&](const std::string&) { ++n_lines; };
  auto tok = Tokenizer::from_gguf((*model)->gguf());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  Result<BenchReport> r = run_benchmark(**model, **tok, path.string(), p);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(n_lines, 2 * (3 + 1));  // with a warm-up each
  EXPECT_EQ(r->architecture, "llama");
  EXPECT_EQ(r->n_threads, 2);
  EXPECT_GT(r->n_params, 200000);
  EXPECT_GT(r->model_bytes, 0u);
  EXPECT_GT(r->peak_rss_bytes, 0u);
  ASSERT_EQ(r->tests.size(), 2u);
  EXPECT_EQ(r->tests[0].name, "pp16");
  EXPECT_EQ(r->tests[1].name, "tg8");
  for (const BenchTest& t : r->tests) {
    ASSERT_EQ(t.tokens_per_second.size(), 3u);
    for (double v : t.tokens_per_second) EXPECT_GT(v, 0.0);
    EXPECT_GT(t.stats.median, 0.0);
    EXPECT_LE(t.stats.min, t.stats.median);
    EXPECT_LE(t.stats.median, t.stats.max);
  }

  const std::string table = format_bench_table(*r);
  EXPECT_NE(table.find("| pp16 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| tg8 |"), std::string::npos) << table;
  const nlohmann::json j = nlohmann::json::parse(format_bench_json(*r));
  EXPECT_EQ(j["threads"], 2);
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["tests"][1]["name"], "tg8");
  EXPECT_EQ(j["tests"][1]["samples"].size(), 3u);
  EXPECT_GT(j["tests"][0]["tokens_per_second"]["median"].get<double>(), 0.0);

  // Every weight but the embedding rows a token does not use.
  EXPECT_GT(r->weight_bytes_per_token, r->model_bytes / 2);
  EXPECT_LT(r->weight_bytes_per_token, r->model_bytes);
  EXPECT_EQ(r->read_bandwidth, 0.0);
  EXPECT_EQ(r->bandwidth_fraction(r->tests[1]), 0.0) << "not measured";
  BenchReport with_bw = *r;
  with_bw.read_bandwidth = 1e9;
  EXPECT_DOUBLE_EQ(with_bw.bandwidth_fraction(with_bw.tests[1]),
                   with_bw.tests[1].stats.median * static_cast<double>(r->weight_bytes_per_token) / 1e9);
  EXPECT_EQ(with_bw.bandwidth_fraction(with_bw.tests[0]), 0.0) << "pp is not bandwidth-bound";
  EXPECT_NE(format_bench_table(with_bw).find("tg8 reads"), std::string::npos);
}

TEST(Benchmark, BadParameters) {
  const std::filesystem::path path = testing::shared_dir() / "models" / "stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(path)) << "no shared models";
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.ok());
  auto tok = Tokenizer::from_gguf((*model)->gguf());
  ASSERT_TRUE(tok.ok());
  BenchParams p;
  p.repetitions = 0;
  EXPECT_EQ(run_benchmark(**model, **tok, "", p).status().code(), StatusCode::kInvalidArgument);
  p.repetitions = 1;
  p.n_prompt = 0;
  p.n_gen = 0;
  EXPECT_EQ(run_benchmark(**model, **tok, "", p).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herd
