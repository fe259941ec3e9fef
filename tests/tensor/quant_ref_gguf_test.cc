// Cross-check of the K-quant and IQ4 references against files llama-quantize wrote:
// every quantized tensor of shared/reference/logits/llama-tiny-<TYPE>.gguf, dequantized,
// must be close to the same tensor of llama-tiny-F32.gguf, and quantizing the F32
// tensor with quantize_row_ref must give the file's bytes.
//
// Needs the GGUF reader: the test binary must link herd_gguf and define
// HERD_TENSOR_TESTS_WITH_GGUF (see the report / tests/CMakeLists.txt). Without it the
// tests here skip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/quant_ref.h"

#ifdef HERD_TENSOR_TESTS_WITH_GGUF
#include "gguf/gguf_file.h"
#endif

namespace herd {
namespace {

// Largest per-tensor RMS error of the dequantized tensor, relative to the tensor's RMS.
// The llama-tiny files measure at most 0.299 / 0.152 / 0.072 / 0.036 / 0.018 (Q2_K..Q6_K)
// and 0.077 / 0.077 (IQ4_NL / IQ4_XS); the bounds leave about 8 % of room.
double rel_rms_bound(DType type) {
  switch (type) {
    case DType::kQ2_K: return 0.32;
    case DType::kQ3_K: return 0.165;
    case DType::kQ4_K: return 0.078;
    case DType::kQ5_K: return 0.039;
    case DType::kQ6_K: return 0.0195;
    case DType::kIQ4_NL: return 0.083;
    case DType::kIQ4_XS: return 0.083;
    default: return 0.0;
  }
}

#ifdef HERD_TENSOR_TESTS_WITH_GGUF

const std::string kDir = std::string(HERD_SHARED_DIR) + "/reference/logits/";

struct Tally {
  int tensors = 0;
  int identical = 0;
  int64_t rows = 0;
  int64_t identical_rows = 0;
};

class QuantRefGgufTest : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantRefGgufTest, MatchesLlamaQuantize) {
  const std::string name = GetParam();
  auto master = GgufFile::open(kDir + "llama-tiny-F32.gguf");
  auto quant = GgufFile::open(kDir + "llama-tiny-" + name + ".gguf");
  ASSERT_TRUE(master.ok() && quant.ok()) << "reference files not found in " << kDir;

  std::map<DType, Tally> tally;
  for (const GgufTensor& t : (*quant)->tensors()) {
    if (t.type == DType::kF32) continue;
    ASSERT_TRUE(dtype_has_ref(t.type)) << t.name;
    const GgufTensor* f = (*master)->find_tensor(t.name);
    ASSERT_NE(f, nullptr) << t.name;
    ASSERT_EQ(f->type, DType::kF32);
    ASSERT_EQ(f->n_elements, t.n_elements);

    const int64_t n = static_cast<int64_t>(t.dims[0]);
    const int64_t rows = static_cast<int64_t>(t.n_rows());
    const size_t row_bytes =
        static_cast<size_t>(*dtype_row_bytes(t.type, static_cast<uint64_t>(n)));
    ASSERT_EQ(row_bytes * static_cast<size_t>(rows), t.n_bytes);

    std::vector<float> x(static_cast<size_t>(n));
    std::vector<float> y(static_cast<size_t>(n));
    std::vector<uint8_t> q(row_bytes);
    double err2 = 0.0;
    double ref2 = 0.0;
    Tally& tl = tally[t.type];
    int64_t same_rows = 0;
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(x.data(), f->data + static_cast<size_t>(r * n) * sizeof(float),
                  static_cast<size_t>(n) * sizeof(float));
      const uint8_t* file_row = t.data + static_cast<size_t>(r) * row_bytes;
      dequantize_row_ref(t.type, file_row, y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        err2 += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
        ref2 += static_cast<double>(x[i]) * x[i];
      }
      quantize_row_ref(t.type, x.data(), q.data(), n);
      if (std::memcmp(q.data(), file_row, row_bytes) == 0) ++same_rows;
    }
    const double rel = std::sqrt(err2 / ref2);
    EXPECT_LT(rel, rel_rms_bound(t.type)) << t.name << " " << dtype_name(t.type);
    tl.tensors += 1;
    tl.identical += same_rows == rows ? 1 : 0;
    tl.rows += rows;
    tl.identical_rows += same_rows;
    std::printf("  %-22s %-6s rel rms %.4f  identical rows %lld/%lld\n",
                std::string(t.name).c_str(), std::string(dtype_name(t.type)).c_str(), rel,
                static_cast<long long>(same_rows), static_cast<long long>(rows));
  }
  for (const auto& [type, tl] : tally) {
    std::printf("%s: %s byte-identical tensors %d/%d (rows %lld/%lld)\n", name.c_str(),
                std::string(dtype_name(type)).c_str(), tl.identical, tl.tensors,
                static_cast<long long>(tl.identical_rows), static_cast<long long>(tl.rows));
    EXPECT_EQ(tl.identical, tl.tensors) << name << " " << dtype_name(type);
  }
}

INSTANTIATE_TEST_SUITE_P(SharedModels, QuantRefGgufTest,
                         ::testing::Values("Q2_K", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_M", "Q6_K",
                                           "IQ4_NL", "IQ4_XS"));

#else

TEST(QuantRefGgufTest, NeedsTheGgufReader) {
  EXPECT_GT(rel_rms_bound(DType::kQ2_K), rel_rms_bound(DType::kQ6_K));
  FAIL() << "built without herd_gguf (define HERD_TENSOR_TESTS_WITH_GGUF and link it)";
}

#endif  // HERD_TENSOR_TESTS_WITH_GGUF

}  // namespace
}  // namespace herd
