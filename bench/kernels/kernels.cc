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

// The same 1024 keys through attention_tile in decode shape: one token, the 8 query
// heads of a GQA group (items: keys x heads).
void attention_decode_tile(benchmark::State& state, KernelVariant v) {
  const int64_t n_keys = 1024;
  const int32_t d = 128, heads = 8;
  const std::vector<float> k = random_vec(static_cast<size_t>(n_keys * d), 5);
  const std::vector<float> val = random_vec(static_cast<size_t>(n_keys * d), 6);
  const std::vector<float> q = random_vec(static_cast<size_t>(heads * d), 7);
  std::vector<float> out(q.size());
  AttentionSpan s;
  s.k = k.data();
  s.k_stride = d;
  s.v = val.data();
  s.v_stride = d;
  s.head_dim = d;
  s.scale = 0.088f;
  AttentionTile tile;
  tile.n_tokens = 1;
  tile.n_heads = heads;
  tile.q[0] = q.data();
  tile.out[0] = out.data();
  tile.n_keys[0] = n_keys;
  const auto fn = kernel_table(v)->attention_tile;
  for (auto _ : state) {
    fn(tile, s);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n_keys * heads);
}

// Causal prefill of one layer of TinyLlama's shape on one thread: 512 tokens, 32 query
// heads sharing 4 KV heads, head_dim 64, interleaved cache rows. `tiled`: 8 positions x
// 8 heads per attention_tile call (as Context::attention does); else one attention_head
// call per (token, head), the engine's former path. Items: query rows.
void attention_prefill(benchmark::State& state, KernelVariant v, bool tiled) {
  const int32_t n_tok = 512, n_head = 32, n_head_kv = 4, d = 64, group = n_head / n_head_kv, tile_tokens = 8;
  const int64_t kv_stride = static_cast<int64_t>(n_head_kv) * d;
  const std::vector<float> k = random_vec(static_cast<size_t>(n_tok * kv_stride), 5);
  const std::vector<float> val = random_vec(static_cast<size_t>(n_tok * kv_stride), 6);
  const std::vector<float> q = random_vec(static_cast<size_t>(n_tok) * n_head * d, 7);
  std::vector<float> out(q.size());
  AttentionSpan s;
  s.k_stride = s.v_stride = kv_stride;
  s.head_dim = d;
  s.scale = 0.125f;
  const KernelTable& kt = *kernel_table(v);
  for (auto _ : state) {
    for (int32_t kvh = 0; kvh < n_head_kv; ++kvh) {
      s.k = k.data() + kvh * d;
      s.v = val.data() + kvh * d;
      for (int32_t t0 = 0; t0 < n_tok; t0 += tile_tokens) {
        AttentionTile tile;
        tile.n_tokens = tile_tokens;
        tile.n_heads = group;
        for (int32_t i = 0; i < tile_tokens; ++i) {
          const size_t off = (static_cast<size_t>(t0 + i) * n_head + static_cast<size_t>(kvh) * group) * d;
          tile.q[i] = q.data() + off;
          tile.out[i] = out.data() + off;
          tile.n_keys[i] = t0 + i + 1;
        }
        if (tiled) {
          kt.attention_tile(tile, s);
          continue;
        }
        for (int32_t i = 0; i < tile_tokens; ++i) {
          s.n_keys = tile.n_keys[i];
          for (int32_t h = 0; h < group; ++h) kt.attention_head(tile.q[i] + h * d, s, tile.out[i] + h * d);
        }
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n_tok * n_head);
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
    benchmark::RegisterBenchmark(("attention_tile_1024x128/heads:8/" + vn).c_str(), attention_decode_tile, v);
    for (bool tiled : {false, true}) {
      benchmark::RegisterBenchmark(
          ("attention_prefill_512x32x4x64/" + std::string(tiled ? "tiles/" : "rows/") + vn).c_str(), attention_prefill, v,
          tiled)
          ->Unit(benchmark::kMillisecond);
    }
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
