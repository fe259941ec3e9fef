#include "runtime/benchmark.h"

#include "base/read_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <variant>

#include "runtime/engine.h"

namespace herd {
namespace {

using Clock = std::chrono::steady_clock;

std::string fmt(const char* f, double a, double b) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, a, b);
  return buf;
}

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", n / double(1ull << 30));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", n / double(1ull << 20));
  }
  return buf;
}

std::string human_count(int64_t n) {
  char buf[32];
  if (n >= 1000000000) {
    std::snprintf(buf, sizeof(buf), "%.2f B", n / 1e9);
  } else if (n >= 1000000) {
    std::snprintf(buf, sizeof(buf), "%.2f M", n / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f K", n / 1e3);
  }
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// Runs one request to its end through the engine: the seconds from submit to its
// first token, and from there to the end.
struct Timed {
  double to_first = 0.0;
  double after_first = 0.0;
};

Result<Timed> time_request(Engine& engine, std::vector<int32_t> prompt, int32_t n_tokens) {
  GenerationRequest req;
  req.prompt = std::move(prompt);
  req.max_tokens = n_tokens;
  req.ignore_eos = true;  // exactly n_tokens, whatever they are
  req.sampling.temperature = 0.0f;
  const Clock::time_point t0 = Clock::now();
  HERD_ASSIGN_OR_RETURN(std::shared_ptr<RequestStream> stream, engine.submit(std::move(req)));
  Clock::time_point first = t0;
  for (;;) {
    std::optional<RequestEvent> e = stream->next(std::chrono::hours(1));
    if (!e) return internal_error("the engine sent nothing for an hour");
    if (auto* failed = std::get_if<RequestFailed>(&*e)) return failed->status;
    if (std::holds_alternative<RequestDone>(*e)) break;
    if (first == t0) first = Clock::now();
  }
  const Clock::time_point end = Clock::now();
  return Timed{.to_first = std::chrono::duration<double>(first - t0).count(),
               .after_first = std::chrono::duration<double>(end - first).count()};
}

// Weight bytes read per generated token (see BenchReport::weight_bytes_per_token).
uint64_t weight_bytes_per_token(const Model& model) {
  uint64_t total = 0, embd = 0;
  bool tied = true;
  for (const GgufTensor& t : model.gguf().tensors()) {
    total += t.n_bytes;
    if (t.name == "token_embd.weight") embd = t.n_bytes;
    if (t.name == "output.weight") tied = false;
  }
  const uint64_t n_vocab = static_cast<uint64_t>(std::max(model.hparams().n_vocab, 1));
  return tied ? total : total - embd + embd / n_vocab;
}

}  // namespace

double BenchReport::bandwidth_fraction(const BenchTest& test) const {
  if (read_bandwidth <= 0.0 || test.name.rfind("tg", 0) != 0) return 0.0;
  return test.stats.median * static_cast<double>(weight_bytes_per_token) / read_bandwidth;
}

SampleStats sample_stats(std::span<const double> values) {
  SampleStats s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  double sum = 0.0;
  for (double x : v) sum += x;
  s.mean = sum / v.size();
  if (v.size() > 1) {
    double sq = 0.0;
    for (double x : v) sq += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(sq / (v.size() - 1));
  }
  return s;
}

uint64_t peak_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream ss(line.substr(6));
      uint64_t kb = 0;
      ss >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

Result<BenchReport> run_benchmark(const Model& model, const Tokenizer& tokenizer, const std::string& model_path,
                                  const BenchParams& params) {
  if (params.n_prompt < 0 || params.n_gen < 0) return invalid_argument("token counts must not be negative");
  if (params.repetitions < 1) return invalid_argument("repetitions must be at least 1");
  if (params.n_prompt == 0 && params.n_gen == 0) return invalid_argument("nothing to run: -p and -n are both 0");
  const ModelInfo info = model_info(model);
  BenchReport report;
  report.model_path = model_path;
  report.architecture = info.architecture;
  report.file_type = info.file_type;
  report.model_bytes = info.file_bytes;
  report.n_params = info.n_params;
  report.repetitions = params.repetitions;

  // Through the serving engine, one sequence at a time: "pp" is a prompt of n_prompt
  // ids evaluated as one batch (and one token sampled), "tg" n_gen decode steps
  // after a 1-token prompt, timed from its first token. Every run has a new first
  // token, so the prefix cache never serves one from another.
  EngineParams ep;
  ep.n_parallel = 1;
  ep.n_ctx = std::max(params.n_prompt + 1, params.n_gen + 2);
  ep.max_batch_tokens = std::max(params.n_prompt, 1);
  ep.n_threads = params.n_threads;
  ep.kv_type_k = params.kv_type_k;
  ep.kv_type_v = params.kv_type_v;
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::create(model, tokenizer, ep));
  report.n_threads = engine->n_threads();

  // Random ids away from the first few (often control tokens); tiny vocabularies use all.
  const int32_t n_vocab = model.hparams().n_vocab;
  const int32_t lo = n_vocab > 16 ? 3 : 0;
  std::mt19937_64 rng(params.seed);
  std::uniform_int_distribution<int32_t> pick(lo, n_vocab - 1);
  int32_t first_token = lo;
  auto random_prompt = [&](int32_t n) {
    std::vector<int32_t> tokens(static_cast<size_t>(n));
    for (int32_t& t : tokens) t = pick(rng);
    tokens[0] = first_token;
    first_token = first_token + 1 < n_vocab ? first_token + 1 : lo;
    return tokens;
  };

  struct Spec {
    std::string name;
    int32_t n;
    bool prompt;
  };
  std::vector<Spec> specs;
  if (params.n_prompt > 0) specs.push_back({"pp" + std::to_string(params.n_prompt), params.n_prompt, true});
  if (params.n_gen > 0) specs.push_back({"tg" + std::to_string(params.n_gen), params.n_gen, false});
  for (const Spec& spec : specs) {
    BenchTest test;
    test.name = spec.name;
    test.n_tokens = spec.n;
    for (int r = params.warmup ? -1 : 0; r < params.repetitions; ++r) {
      HERD_ASSIGN_OR_RETURN(Timed t, spec.prompt ? time_request(*engine, random_prompt(spec.n), 1)
                                                 : time_request(*engine, random_prompt(1), spec.n + 1));
      const double secs = spec.prompt ? t.to_first : t.after_first;
      const double tps = secs > 0 ? spec.n / secs : 0.0;
      if (r >= 0) test.tokens_per_second.push_back(tps);
      if (params.on_progress) {
        const std::string what = r < 0 ? "warm-up" : "run " + std::to_string(r + 1) + "/" + std::to_string(params.repetitions);
        params.on_progress(spec.name + " " + what + ": " + fmt("%.3f s, %.2f tokens/s", secs, tps));
      }
    }
    test.stats = sample_stats(test.tokens_per_second);
    report.tests.push_back(std::move(test));
  }
  report.peak_rss_bytes = peak_rss_bytes();
  report.weight_bytes_per_token = weight_bytes_per_token(model);
  if (params.n_gen > 0 && params.measure_bandwidth) {
    ThreadPool pool(report.n_threads);
    if (params.on_progress) params.on_progress("read bandwidth: 1 GiB x 5 with " + std::to_string(report.n_threads) + " threads");
    report.read_bandwidth = measure_read_bandwidth(pool, size_t{1} << 30, 5);
  }
  return report;
}

std::string format_bench_table(const BenchReport& r) {
  std::string s;
  char line[512];
  s += "| model | type | size | params | threads | test | t/s (median) | mean ± stddev | min … max |\n";
  s += "| ----- | ---- | ---: | -----: | ------: | ---- | -----------: | ------------: | --------: |\n";
  for (const BenchTest& t : r.tests) {
    std::snprintf(line, sizeof(line), "| %s | %s | %s | %s | %d | %s | %.2f | %.2f ± %.2f | %.2f … %.2f |\n",
                  r.architecture.c_str(), r.file_type.empty() ? "?" : r.file_type.c_str(),
                  human_bytes(r.model_bytes).c_str(), human_count(r.n_params).c_str(), r.n_threads, t.name.c_str(),
                  t.stats.median, t.stats.mean, t.stats.stddev, t.stats.min, t.stats.max);
    s += line;
  }
  std::snprintf(line, sizeof(line), "\n%s · %d repetitions · peak RSS %s\n", r.model_path.c_str(), r.repetitions,
                r.peak_rss_bytes ? human_bytes(r.peak_rss_bytes).c_str() : "unknown");
  s += line;
  for (const BenchTest& t : r.tests) {
    const double f = r.bandwidth_fraction(t);
    if (f <= 0.0) continue;
    std::snprintf(line, sizeof(line), "%s reads %.2f GB/s of weights (%s per token): %.0f %% of the measured read bandwidth %.2f GB/s\n",
                  t.name.c_str(), t.stats.median * r.weight_bytes_per_token / 1e9, human_bytes(r.weight_bytes_per_token).c_str(),
                  100.0 * f, r.read_bandwidth / 1e9);
    s += line;
  }
  return s;
}

std::string format_bench_json(const BenchReport& r) {
  std::string s = "{\n";
  s += "  \"model\": " + json_string(r.model_path) + ",\n";
  s += "  \"architecture\": " + json_string(r.architecture) + ",\n";
  s += "  \"type\": " + json_string(r.file_type) + ",\n";
  s += "  \"model_bytes\": " + std::to_string(r.model_bytes) + ",\n";
  s += "  \"n_params\": " + std::to_string(r.n_params) + ",\n";
  s += "  \"threads\": " + std::to_string(r.n_threads) + ",\n";
  s += "  \"repetitions\": " + std::to_string(r.repetitions) + ",\n";
  s += "  \"peak_rss_bytes\": " + std::to_string(r.peak_rss_bytes) + ",\n";
  s += "  \"weight_bytes_per_token\": " + std::to_string(r.weight_bytes_per_token) + ",\n";
  s += "  \"read_bandwidth_bytes_per_s\": " + json_number(r.read_bandwidth) + ",\n";
  s += "  \"tests\": [";
  for (size_t i = 0; i < r.tests.size(); ++i) {
    const BenchTest& t = r.tests[i];
    s += i ? ",\n    {" : "\n    {";
    s += "\"name\": " + json_string(t.name) + ", \"n_tokens\": " + std::to_string(t.n_tokens);
    s += ", \"tokens_per_second\": {\"median\": " + json_number(t.stats.median) +
         ", \"mean\": " + json_number(t.stats.mean) + ", \"stddev\": " + json_number(t.stats.stddev) +
         ", \"min\": " + json_number(t.stats.min) + ", \"max\": " + json_number(t.stats.max) + "}";
    s += ", \"bandwidth_fraction\": " + json_number(r.bandwidth_fraction(t));
    s += ", \"samples\": [";
    for (size_t k = 0; k < t.tokens_per_second.size(); ++k) {
      s += (k ? ", " : "") + json_number(t.tokens_per_second[k]);
    }
    s += "]}";
  }
  s += r.tests.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return s;
}

}  // namespace herd
