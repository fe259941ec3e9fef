// The kScalar table: every entry is a reference twin. SIMD tables start as a copy of
// this one, so a type without a SIMD kernel still works at reference speed.
#include "kernels/kernel_table.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

template <DType kType>
float vec_dot_entry(const void* row, const void* act, int64_t n) {
  if (matmul_act_type(kType) == DType::kF32) {
    return dot_f32_ref(kType, row, static_cast<const float*>(act), n);
  }
  return vec_dot_ref(kType, row, act, n);
}

template <DType kType>
void tile_entry(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts,
                size_t act_bytes, int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  for (int64_t t = 0; t < n_acts; ++t) {
    for (int64_t r = 0; r < n_rows; ++r) {
      y[t * y_stride + r] = vec_dot_entry<kType>(rows + r * row_bytes, acts + t * act_bytes, n);
    }
  }
}

template <DType kType>
void from_f32_entry(const float* src, void* dst, int64_t n) {
  quantize_row_ref(kType, src, dst, n);
}

// A type gets entries once the tensor layer has its reference (dtype_has_ref); until
// then matmul falls back to the exact float reference for it.
template <DType kType>
void add_type(KernelTable& t) {
  if (!dtype_has_ref(kType) || !dtype_has_ref(matmul_act_type(kType))) return;
  TypeKernels& k = t.of(kType);
  k.vec_dot = &vec_dot_entry<kType>;
  k.vec_dot_tile = &tile_entry<kType>;
  k.from_f32 = &from_f32_entry<kType>;
}

KernelTable make_table() {
  KernelTable t;
  t.variant = KernelVariant::kScalar;
  add_type<DType::kF32>(t);
  add_type<DType::kF16>(t);
  add_type<DType::kBF16>(t);
  add_type<DType::kQ4_0>(t);
  add_type<DType::kQ4_1>(t);
  add_type<DType::kQ5_0>(t);
  add_type<DType::kQ5_1>(t);
  add_type<DType::kQ8_0>(t);
  add_type<DType::kQ8_1>(t);
  add_type<DType::kQ2_K>(t);
  add_type<DType::kQ3_K>(t);
  add_type<DType::kQ4_K>(t);
  add_type<DType::kQ5_K>(t);
  add_type<DType::kQ6_K>(t);
  add_type<DType::kQ8_K>(t);
  add_type<DType::kIQ4_NL>(t);
  add_type<DType::kIQ4_XS>(t);
  t.rms_norm = &rms_norm_ref;
  t.softmax = &softmax_ref;
  t.swiglu = &swiglu_ref;
  t.rope_apply = &rope_apply_ref;
  t.attention_head = &attention_head_ref;
  t.attention_tile = &attention_tile_ref;
  return t;
}

}  // namespace

const KernelTable& kernel_table_scalar() {
  static const KernelTable table = make_table();
  return table;
}

}  // namespace herd
