// Batch invariance of matmul: the result for one activation row is bit-for-bit the same
// whatever the number of rows in the call, whatever the other rows are, whatever the
// thread count, and whichever path (one token / decode, many tokens / GEMM) computes it.
// The server promises this, so every type and every kernel variant the machine supports
// is checked with memcmp, not a tolerance.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "tensor/dtype.h"
#include "tensor/quant_ref.h"
#include "random_vec.h"

namespace herd {
namespace {

const DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0,   DType::kQ4_1,  DType::kQ5_0,
                        DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,   DType::kQ4_K,  DType::kQ5_K,
                        DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS};

struct InvarianceCase {
  KernelVariant variant;
  DType type;
};

class MatmulInvarianceTest : public ::testing::TestWithParam<InvarianceCase> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dtype_has_ref(GetParam().type)) << "no reference for " << dtype_name(GetParam().type);
    ASSERT_TRUE(select_kernels(GetParam().variant));
  }
  void TearDown() override { select_kernels(best_kernel_variant()); }
};

// 45 rows: two whole 16-row panels and a partial one, split unevenly across threads.
// 1280 columns: several K-chunks of every GEMM, and whole super-blocks of the K-quants.
constexpr int64_t kRows = 45;
constexpr int64_t kCols = 1280;
constexpr int64_t kTokens = 37;

TEST_P(MatmulInvarianceTest, EveryRowIsTheSameWhateverTheBatch) {
  const DType type = GetParam().type;
  const size_t row_bytes = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(kCols)));
  const std::vector<float> wf = random_vec(static_cast<size_t>(kRows * kCols), 11, -1.0f, 1.0f);
  std::vector<uint8_t> storage(row_bytes * kRows);
  for (int64_t r = 0; r < kRows; ++r) {
    quantize_row_ref(type, wf.data() + r * kCols, storage.data() + static_cast<size_t>(r) * row_bytes, kCols);
  }
  WeightMatrix w;
  w.type = type;
  w.data = storage.data();
  w.n_cols = kCols;
  w.n_rows = kRows;
  w.row_bytes = row_bytes;
  // Activations of very different magnitudes per token, as in a real prompt.
  std::vector<float> x = random_vec(static_cast<size_t>(kTokens * kCols), 12, -2.0f, 2.0f);
  for (int64_t t = 0; t < kTokens; ++t) {
    const float s = 1.0f + static_cast<float>(t % 5) * 7.0f;
    for (int64_t c = 0; c < kCols; ++c) x[static_cast<size_t>(t * kCols + c)] *= s;
  }

  // The decode path: one token per call, one thread.
  std::vector<float> single(static_cast<size_t>(kTokens * kRows));
  {
    ThreadPool one(1);
    for (int64_t t = 0; t < kTokens; ++t) matmul(w, x.data() + t * kCols, 1, single.data() + t * kRows, one);
  }

  // Windows of every size 1..37 at shifting offsets (so each token meets different
  // neighbours and sits at different positions of the token groups), 1-3 threads.
  ThreadPool pools[3] = {ThreadPool(1), ThreadPool(2), ThreadPool(3)};
  std::vector<float> y(static_cast<size_t>(kTokens * kRows));
  for (int64_t n = 1; n <= kTokens; ++n) {
    const int64_t start = (n * 7) % (kTokens - n + 1);
    ThreadPool& pool = pools[n % 3];
    matmul(w, x.data() + start * kCols, n, y.data(), pool);
    for (int64_t t = 0; t < n; ++t) {
      ASSERT_EQ(std::memcmp(y.data() + t * kRows, single.data() + (start + t) * kRows, kRows * sizeof(float)), 0)
          << dtype_name(type) << " " << kernel_variant_name(GetParam().variant) << ": token " << start + t
          << " differs in a batch of " << n << " on " << pool.size() << " threads";
    }
  }
  // The whole batch on every thread count.
  for (ThreadPool& pool : pools) {
    matmul(w, x.data(), kTokens, y.data(), pool);
    ASSERT_EQ(std::memcmp(y.data(), single.data(), y.size() * sizeof(float)), 0)
        << dtype_name(type) << " " << kernel_variant_name(GetParam().variant) << " threads " << pool.size();
  }
}

// Where a variant has a GEMM for the type, its results are the reference's, bit for bit
// (vec_dot_ref on the reference-quantized activations).
TEST_P(MatmulInvarianceTest, GemmEqualsTheReferenceBitForBit) {
  const DType type = GetParam().type;
  if (kernels().of(type).gemm == nullptr) GTEST_SKIP() << "no GEMM for this type in this variant";
  // Float weights keep f32 activations, a product no reference twin computes in the
  // GEMM's order: float_gemm_test.cc checks their GEMM bit for bit against the tile
  // kernel (the decode path) and within the error bound of the exact product.
  if (matmul_act_type(type) == DType::kF32) GTEST_SKIP() << "float GEMM: see float_gemm_test.cc";
  const size_t row_bytes = static_cast<size_t>(*dtype_row_bytes(type, static_cast<uint64_t>(kCols)));
  const std::vector<float> wf = random_vec(static_cast<size_t>(kRows * kCols), 21, -1.0f, 1.0f);
  std::vector<uint8_t> storage(row_bytes * kRows + 1);
  // Misaligned by one byte: mapped tensors sit anywhere.
  for (int64_t r = 0; r < kRows; ++r) {
    quantize_row_ref(type, wf.data() + r * kCols, storage.data() + 1 + static_cast<size_t>(r) * row_bytes, kCols);
  }
  WeightMatrix w;
  w.type = type;
  w.data = storage.data() + 1;
  w.n_cols = kCols;
  w.n_rows = kRows;
  w.row_bytes = row_bytes;
  // Decode-sized calls (1-3 tokens) take their own path in some GEMMs; 19 the tiled one.
  ThreadPool pool(2);
  const DType at = vec_dot_type(type);
  std::vector<uint8_t> act(static_cast<size_t>(*dtype_row_bytes(at, static_cast<uint64_t>(kCols))));
  for (const int64_t n : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{19}}) {
    const std::vector<float> x = random_vec(static_cast<size_t>(n * kCols), 22 + static_cast<uint32_t>(n), -3.0f, 3.0f);
    std::vector<float> y(static_cast<size_t>(n * kRows));
    matmul(w, x.data(), n, y.data(), pool);
    for (int64_t t = 0; t < n; ++t) {
      quantize_row_ref(at, x.data() + t * kCols, act.data(), kCols);
      for (int64_t r = 0; r < kRows; ++r) {
        const float want = vec_dot_ref(type, w.row(r), act.data(), kCols);
        ASSERT_EQ(std::memcmp(&y[static_cast<size_t>(t * kRows + r)], &want, sizeof(float)), 0)
            << dtype_name(type) << " tokens " << n << " token " << t << " row " << r << ": "
            << y[static_cast<size_t>(t * kRows + r)] << " vs " << want;
      }
    }
  }
}

std::vector<InvarianceCase> all_cases() {
  std::vector<InvarianceCase> cases;
  for (KernelVariant v : supported_variants()) {
    for (DType t : kTypes) cases.push_back({v, t});
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<InvarianceCase>& info) {
  return std::string(kernel_variant_name(info.param.variant)) + "_" + std::string(dtype_name(info.param.type));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulInvarianceTest, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace herd
