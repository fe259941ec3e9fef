#include "runner.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace herd::load {
namespace {

constexpr uint64_t kRoundKeyStride = 1'000'000;
constexpr uint64_t kWarmupKeyBase = uint64_t(1) << 40;

}  // namespace

RoundResult run_round(const RunConfig& config, const PromptSource& prompts, int round,
                      const Progress& progress) {
  RoundResult out;
  out.results.resize(config.requests);
  std::atomic<int> next{0};
  std::mutex progress_mutex;
  int done = 0;

  auto worker = [&] {
    for (int i = next++; i < config.requests; i = next++) {
      const uint64_t key = uint64_t(round) * kRoundKeyStride + uint64_t(i);
      out.results[i] = run_stream(config.target, request_body(config.body, prompts.make(key)));
      std::lock_guard lock(progress_mutex);
      ++done;
      if (progress) progress(done, config.requests);
    }
  };

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < config.concurrency; ++w) workers.emplace_back(worker);
  for (auto& t : workers) t.join();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<StreamResult> run_warmup(const RunConfig& config, const PromptSource& prompts, int n) {
  std::vector<StreamResult> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(run_stream(config.target,
                             request_body(config.body, prompts.make(kWarmupKeyBase + i))));
  }
  return out;
}

}  // namespace herd::load
