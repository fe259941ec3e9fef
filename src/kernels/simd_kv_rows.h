// KV cache rows of one SIMD variant as floats: the attention kernels read F16 and Q8_0
// keys and values through these, a block of rows at a time, into a small L1 scratch
// (F32 rows are used in place). Bit-exact with dequantize_row_ref: F16 -> F32 is
// exact, and a Q8_0 element is one float product q * d as in the reference. Included
// by kernels_<isa>.cc only (through simd_attention.h).
#pragma once

#include <cstring>

#include "kernels/attention.h"
#include "kernels/simd_vec.h"
#include "tensor/quant_blocks.h"

namespace herd::HERD_SIMD_NS {

// kW int8 codes as floats.
inline VF vload_i8(const int8_t* p) {
#if defined(__AVX512F__)
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#else
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
#endif
}

// dst[0 .. d) = the row's d elements as floats. type is F16 or Q8_0 (d a multiple of 32
// for Q8_0); anything else is copied as F32.
inline void kv_row_to_f32(DType type, const void* row, float* dst, int d) {
  if (type == DType::kF16) {
    const auto* h = static_cast<const uint16_t*>(row);
    int i = 0;
    for (; i + kW <= d; i += kW) vstore(dst + i, vload_f16(h + i));
    if (i < d) vstore_part(dst + i, vload_f16_part(h + i, d - i), d - i);
  } else if (type == DType::kQ8_0) {
    const auto* b = static_cast<const BlockQ8_0*>(row);
    for (int blk = 0; blk < d / 32; ++blk) {
      const VF scale = vset1(_cvtsh_ss(b[blk].d));
      for (int i = 0; i < 32; i += kW) vstore(dst + blk * 32 + i, vmul(vload_i8(b[blk].qs + i), scale));
    }
  } else {
    std::memcpy(dst, row, static_cast<size_t>(d) * sizeof(float));
  }
}

// rows[x] = the float row of key (or value) j0 + x for the keys in `keys`, `zero`
// elsewhere: the cache's own row for F32, else converted into scratch + x * d.
template <int N>
inline void kv_block_rows(const AttentionSpan& span, bool values, int64_t j0, unsigned keys, const float* zero,
                          float* scratch, const float** rows) {
  const DType type = values ? span.v_type : span.k_type;
  for (int x = 0; x < N; ++x) {
    if ((keys >> x & 1u) == 0) {
      rows[x] = zero;
      continue;
    }
    const void* src = values ? attention_value(span, j0 + x) : attention_key(span, j0 + x);
    if (type == DType::kF32) {
      rows[x] = static_cast<const float*>(src);
    } else {
      kv_row_to_f32(type, src, scratch + x * span.head_dim, span.head_dim);
      rows[x] = scratch + x * span.head_dim;
    }
  }
}

}  // namespace herd::HERD_SIMD_NS
