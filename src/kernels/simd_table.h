// Fills a KernelTable with one SIMD variant's kernels (simd_float_dot.h,
// simd_quant_ops.h, simd_kquant_ops.h, simd_kquant_low_ops.h, simd_elementwise.h, simd_attention.h).
// Included by kernels_<isa>.cc only, after defining HERD_SIMD_NS.
#pragma once

#include "kernels/gemm_avx512_kquant.h"
#include "kernels/gemm_float.h"
#include "kernels/gemm_avx512_q8.h"
#include "kernels/kernel_table.h"
#include "kernels/simd_attention.h"
#include "kernels/simd_attention_tile.h"
#include "kernels/simd_elementwise.h"
#include "kernels/simd_float_dot.h"
#include "kernels/simd_kquant_low_ops.h"
#include "kernels/simd_kquant_ops.h"
#include "kernels/simd_quant_ops.h"

namespace herd::HERD_SIMD_NS {

// Micro-tile shape: kR weight rows x kT tokens, sized so the accumulators, weights
// and one activation fit the register file (16 vector registers on AVX2, 32 on AVX-512).
#if defined(__AVX512F__)
inline constexpr int kR = 4, kT = 4;
#else
inline constexpr int kR = 2, kT = 4;
#endif

template <class W, class A>
void quant_tile(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
                int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  walk_tile<kR, kT, QuantMicro<W, A>::template M>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
}

template <class L>
void float_tile(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
                int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  walk_tile<kR, kT, FloatMicro<L>::template M>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
}

inline TypeKernels& slot(KernelTable& t, DType type) { return t.types[static_cast<size_t>(type)]; }

template <class W, class A>
void set_quant(KernelTable& t, DType type) {
  slot(t, type).vec_dot = &quant_vec_dot<W, A>;
  slot(t, type).vec_dot_tile = &quant_tile<W, A>;
}

template <class K>
void kquant_tile(const uint8_t* rows, size_t row_bytes, int64_t n_rows, const uint8_t* acts, size_t act_bytes,
                 int64_t n_acts, int64_t n, float* y, int64_t y_stride) {
  walk_tile<1, 4, KQuantMicro<K>::template M>(rows, row_bytes, n_rows, acts, act_bytes, n_acts, n, y, y_stride);
}

template <class K>
void set_kquant(KernelTable& t, DType type) {
  slot(t, type).vec_dot = &kquant_vec_dot<K>;
  slot(t, type).vec_dot_tile = &kquant_tile<K>;
}

template <class L>
void set_float(KernelTable& t, DType type) {
  TypeKernels& k = slot(t, type);
  k.vec_dot = &dot_float_row<L>;
  k.vec_dot_tile = &float_tile<L>;
  // gemm_float.h: the tile kernel's summation order, blocked for many tokens.
  k.gemm = &float_gemm<L>;
  // Its activation rows are the f32 rows, copied: 16 floats (a cache line) per block, so
  // every row starts on a line (K not a multiple of 16 takes the tile kernel: same bits).
  k.gemm_from_f32 = &copy_f32_row;
  k.gemm_act_block = 16;
  k.gemm_act_block_bytes = 16 * sizeof(float);
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
template <class G>
void set_gemm_q8(KernelTable& t, DType type) {
  TypeKernels& k = slot(t, type);
  k.gemm = &gemm_q8<G>;
  k.gemm_from_f32 = &gemm_q8_act_row<G::kOffset>;
  k.gemm_act_block = kQuantBlockSize;
  k.gemm_act_block_bytes = kGemmQ8ActBytes;
}

template <class G>
void set_gemm_k(KernelTable& t, DType type) {
  TypeKernels& k = slot(t, type);
  k.gemm = &gemm_k<G>;
  k.gemm_from_f32 = &quantize_q8k_row;
  k.gemm_act_block = kQK;
  k.gemm_act_block_bytes = static_cast<int32_t>(kQ8KBytes);
}
#endif

inline void f32_to_f16_row(const float* src, void* dst, int64_t n) {
  uint16_t* out = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  for (; i < n; ++i) out[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

// Starts from the scalar table, so every entry without a SIMD kernel keeps its
// reference (new types work before they get SIMD code).
inline KernelTable make_simd_table(KernelVariant variant) {
  KernelTable t = kernel_table_scalar();
  t.variant = variant;
  set_float<LoadF32>(t, DType::kF32);
  set_float<LoadF16>(t, DType::kF16);
  set_float<LoadBF16>(t, DType::kBF16);
  set_quant<WQ4_0, ActQ8<false>>(t, DType::kQ4_0);
  set_quant<WQ4_1, ActQ8<true>>(t, DType::kQ4_1);
  set_quant<WQ5_0, ActQ8<false>>(t, DType::kQ5_0);
  set_quant<WQ5_1, ActQ8<true>>(t, DType::kQ5_1);
  set_quant<WQ8_0, ActQ8<false>>(t, DType::kQ8_0);
  set_quant<WQ8_1, ActQ8<true>>(t, DType::kQ8_1);
  // IQ4_NL pairs with Q8_0 (its slot is set only once the tensor layer has its reference).
  if (slot(t, DType::kIQ4_NL).vec_dot != nullptr) set_quant<WIQ4_NL, ActQ8<false>>(t, DType::kIQ4_NL);
  slot(t, DType::kQ8_0).from_f32 = &quantize_q8_row<false>;
  slot(t, DType::kQ8_1).from_f32 = &quantize_q8_row<true>;
  slot(t, DType::kF16).from_f32 = &f32_to_f16_row;
  // K-quants pair with Q8_K activations (present once the tensor layer has them).
  if (slot(t, DType::kQ8_K).from_f32 != nullptr) {
    slot(t, DType::kQ8_K).from_f32 = &quantize_q8k_row;
    set_kquant<KQ45<false>>(t, DType::kQ4_K);
    set_kquant<KQ45<true>>(t, DType::kQ5_K);
    set_kquant<KQ6>(t, DType::kQ6_K);
    set_kquant<KQ2>(t, DType::kQ2_K);
    set_kquant<KQ3>(t, DType::kQ3_K);
    if (slot(t, DType::kIQ4_XS).vec_dot != nullptr) set_kquant<KIQ4XS>(t, DType::kIQ4_XS);
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
    set_gemm_k<GemmQ45K<false>>(t, DType::kQ4_K);
    set_gemm_k<GemmQ45K<true>>(t, DType::kQ5_K);
    set_gemm_k<GemmQ6K>(t, DType::kQ6_K);
#endif
  }
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
  set_gemm_q8<GemmQ4_0>(t, DType::kQ4_0);
  set_gemm_q8<GemmQ8_0>(t, DType::kQ8_0);
#endif
  t.rms_norm = &rms_norm;
  t.softmax = &softmax;
  t.swiglu = &swiglu;
  t.rope_apply = &rope_apply;
  t.attention_head = &attention_head;
  t.attention_tile = &attention_tile;
  return t;
}

}  // namespace herd::HERD_SIMD_NS
