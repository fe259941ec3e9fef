// The family-specific scalar ops (src/kernels/ops_arch_ref.h). They live with the model
// tests because the model layer is their only user; move to tests/kernels/ when that
// layer owns them.
#include "kernels/ops_arch_ref.h"

#include <gtest/gtest.h>

#include <cmath>

namespace herd {
namespace {

TEST(OpsArchRef, GeluTanh) {
  EXPECT_EQ(gelu_tanh_ref(0.0f), 0.0f);
  EXPECT_NEAR(gelu_tanh_ref(1.0f), 0.841192f, 1e-5f);    // 0.5 (1 + tanh(0.7978846 × 1.044715))
  EXPECT_NEAR(gelu_tanh_ref(-1.0f), -0.158808f, 1e-5f);
  EXPECT_NEAR(gelu_tanh_ref(10.0f), 10.0f, 1e-5f);
  EXPECT_NEAR(gelu_tanh_ref(-10.0f), 0.0f, 1e-5f);
  const float gate[3] = {1.0f, -1.0f, 2.0f}, up[3] = {2.0f, 3.0f, 0.5f};
  float out[3];
  geglu_tanh_ref(gate, up, out, 3);
  EXPECT_NEAR(out[0], 2.0f * 0.841192f, 1e-5f);
  EXPECT_NEAR(out[1], 3.0f * -0.158808f, 1e-5f);
  EXPECT_NEAR(out[2], 0.5f * gelu_tanh_ref(2.0f), 1e-6f);
}

TEST(OpsArchRef, SoftCap) {
  float x[4] = {0.0f, 1.0f, -30.0f, 1000.0f};
  softcap_ref(x, 4, 10.0f);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_NEAR(x[1], 10.0f * std::tanh(0.1f), 1e-6f);
  EXPECT_NEAR(x[2], -10.0f * std::tanh(3.0f), 1e-5f);
  EXPECT_LE(x[3], 10.0f);
  EXPECT_NEAR(x[3], 10.0f, 1e-5f);
}

TEST(OpsArchRef, SigmoidDotAndBias) {
  EXPECT_FLOAT_EQ(sigmoid_ref(0.0f), 0.5f);
  EXPECT_NEAR(sigmoid_ref(2.0f), 0.880797f, 1e-6f);
  EXPECT_NEAR(sigmoid_ref(-2.0f), 0.119203f, 1e-6f);
  EXPECT_EQ(sigmoid_ref(-1000.0f), 0.0f);
  const float a[3] = {1, 2, 3}, b[3] = {4, -5, 6};
  EXPECT_FLOAT_EQ(dot_ref(a, b, 3), 12.0f);
  float rows[6] = {0, 0, 0, 1, 1, 1};
  add_rows_ref(rows, a, 2, 3);
  EXPECT_EQ(rows[2], 3.0f);
  EXPECT_EQ(rows[5], 4.0f);
}

}  // namespace
}  // namespace herd
