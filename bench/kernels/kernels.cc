// Kernel micro-benchmarks per variant: dot products per weight type, matmul 2048x2048
// with 1 and 64 tokens, prompt-processing shapes with 512 tokens, attention over a cache.
//   ./build/bench/bench_kernels --benchmark_filter=matmul_pp/Q4_0
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/attention.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "tensor/dtype.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<uint8_t> quantize_rows(DType type, int64_t rows, int64_t n, uint32_t seed) {
  const std::vector<float> f = random_vec(static_cast<size_t>(rows * n), seed);
  const size_t rb = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(n)));
  std::vector<uint8_t> out(rb * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) quantize_row_ref(type, f.data() + r * n, out.data() + r * rb, n);
  return out;
}

const DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0,
                        DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                        DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS};

// One weight row times one activation row, n = 4096 (all in L1/L2: compute bound).
void vec_dot(benchmark::State& state, KernelVariant v, DType type) {
  const int64_t n = 4096;
  const std::vector<uint8_t> w = quantize_rows(type, 1, n, 1);
  const std::vector<uint8_t> a = quantize_rows(matmul_act_type(type), 1, n, 2);
  const VecDotFn dot = kernel_table(v)->of(type).vec_dot;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dot(w.data(), a.data(), n));
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// y = W x for a 2048 x 2048 weight, n_tokens tokens, through the public matmul.
void matmul_2048(benchmark::State& state, KernelVariant v, DType type, int64_t n_tokens, int n_threads) {
  const int64_t n = 2048;
  const std::vector<uint8_t> w = quantize_rows(type, n, n, 3);
  WeightMatrix m;
  m.type = type;
  m.data = w.data();
  m.n_cols = n;
  m.n_rows = n;
  m.row_bytes = w.size() / static_cast<size_t>(n);
  const std::vector<float> x = random_vec(static_cast<size_t>(n * n_tokens), 4);
  std::vector<float> y(static_cast<size_t>(n * n_tokens));
  ThreadPool pool(n_threads);
  select_kernels(v);
  for (auto _ : state) {
    matmul(m, x.data(), n_tokens, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(n * n * n_tokens) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// Prompt processing: y = W x for an n_rows x n_cols weight (TinyLlama's 2048 x 2048
// attention and 5632 x 2048 FFN shapes) and n_tokens tokens. GFLOP/s counts 2 ops
// per multiply-add, as for the int8 products.
void matmul_shape(benchmark::State& state, KernelVariant v, DType type, int64_t n_rows, int64_t n_cols,
                  int64_t n_tokens, int n_threads) {
  const std::vector<uint8_t> w = quantize_rows(type, n_rows, n_cols, 3);
  WeightMatrix m;
  m.type = type;
  m.data = w.data();
  m.n_cols = n_cols;
  m.n_rows = n_rows;
  m.row_bytes = w.size() / static_cast<size_t>(n_rows);
  const std::vector<float> x = random_vec(static_cast<size_t>(n_cols * n_tokens), 4);
  std::vector<float> y(static_cast<size_t>(n_rows * n_tokens));
  ThreadPool pool(n_threads);
  select_kernels(v);
  for (auto _ : state) {
    matmul(m, x.data(), n_tokens, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(n_rows * n_cols * n_tokens) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

// One query head over 1024 cached keys, head_dim 128.
void attention(benchmark::State& state, KernelVariant v) {
  const int64_t n_keys = 1024;
  const int32_t d = 128;
  const std::vector<float> k = random_vec(static_cast<size_t>(n_keys * d), 5);
  const std::vector<float> val = random_vec(static_cast<size_t>(n_keys * d), 6);
  const std::vector<float> q = random_vec(static_cast<size_t>(d), 7);
  std::vector<float> out(static_cast<size_t>(d));
  AttentionSpan s;
  s.k = k.data();
  s.k_stride = d;
  s.v = val.data();
  s.v_stride = d;
  s.n_keys = n_keys;
  s.head_dim = d;
  s.scale = 0.088f;
  const auto fn = kernel_table(v)->attention_head;
  for (auto _ : state) {
    fn(q.data(), s, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n_keys);
}

void register_all() {
  for (KernelVariant v : supported_variants()) {
    const std::string vn(kernel_variant_name(v));
    for (DType t : kTypes) {
      const std::string tn(dtype_name(t));
      benchmark::RegisterBenchmark(("vec_dot/" + tn + "/" + vn).c_str(), vec_dot, v, t);
    }
    for (DType t : {DType::kF32, DType::kF16, DType::kQ4_0, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                    DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS}) {
      const std::string tn(dtype_name(t));
      for (int64_t tokens : {1, 64}) {
        for (int threads : {1, 2}) {
          benchmark::RegisterBenchmark(("matmul_2048/" + tn + "/tokens:" + std::to_string(tokens) + "/threads:" +
                                        std::to_string(threads) + "/" + vn)
                                           .c_str(),
                                       matmul_2048, v, t, tokens, threads)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
    for (DType t : {DType::kF16, DType::kQ4_0, DType::kQ8_0, DType::kQ4_K, DType::kQ6_K}) {
      const std::string tn(dtype_name(t));
      for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{2048, 2048}, {5632, 2048}}) {
        for (int threads : {1, 2}) {
          benchmark::RegisterBenchmark(("matmul_pp/" + tn + "/" + std::to_string(rows) + "x" + std::to_string(cols) +
                                        "/tokens:512/threads:" + std::to_string(threads) + "/" + vn)
                                           .c_str(),
                                       matmul_shape, v, t, rows, cols, int64_t{512}, threads)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
      }
    }
    benchmark::RegisterBenchmark(("attention_1024x128/" + vn).c_str(), attention, v);
  }
}

}  // namespace
}  // namespace herd

int main(int argc, char** argv) {
  herd::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
