// The quantized kernels of one SIMD variant: f32 -> Q8_0/Q8_1 activation rows
// (byte-exact with the reference) and integer dot products of Q4_0/Q4_1/Q5_0/Q5_1/
// Q8_0/Q8_1 weight rows with them, as single rows and as rows x tokens tiles.
//
// One 32-element block is one 256-bit vector of int8 codes. The integer dot product is
// u8 x s8 summed in groups of four: AVX-512 VNNI `vpdpbusd` (256-bit form, AVX512VL),
// or AVX2 `vpmaddubsw` + `vpmaddwd`. Unsigned 4/5-bit codes enter as they are and their
// offset is removed through the activation block sum; signed Q8 weights go through
// the sign trick (|w| x sign(a, w)). Included by kernels_<isa>.cc only.
#pragma once

#include "kernels/simd_vec.h"
#include "tensor/quant_blocks.h"

namespace herd::HERD_SIMD_NS {

inline float load_f16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, sizeof(h));
  return _cvtsh_ss(h);
}

inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 16 packed bytes -> 32 codes: element j < 16 is the low nibble of byte j, element
// j + 16 its high nibble.
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(x, 4), mask), _mm_and_si128(x, mask));
}

// The fifth bits of a Q5 block as 0x10 in byte j where bit j of qh is set.
inline __m256i unpack_fifth_bits(const uint8_t* qh_bytes) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, sizeof(qh));
#if defined(__AVX512BW__) && defined(__AVX512VL__)
  return _mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10));
#else
  // Byte j takes byte j / 8 of qh, then tests its bit j % 8.
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(qh)),
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3,
                       3, 3));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
#endif
}

// acc + sums of u[i] * s[i] over groups of four bytes: 8 int32 lanes (exact for 32
// codes; the AVX2 form needs u[i] * s[i] + u[i+1] * s[i+1] to fit int16).
inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(acc, u, s);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// ---- block layouts (byte offsets as in quant_blocks.h) ------------------------------

// Each weight type: its block size in bytes, how its 32 codes are read, and whether it
// has a minimum m (the dot product adds m_w * s_a). Codes are unsigned with an offset
// kOffset (value = code - kOffset), which the dot product removes once per activation
// block as kOffset * sum(a); Q8 weights are already signed (kSigned) and go through
// the sign trick instead, as 255 * 127 * 2 would overflow vpmaddubsw's int16.
struct WQ4_0 {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static constexpr bool kSigned = false, kMin = false;
  static constexpr int kOffset = 8;
  static __m256i codes(const uint8_t* b) { return unpack_nibbles(b + 2); }
};
struct WQ4_1 {
  static constexpr size_t kBytes = sizeof(BlockQ4_1);
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  static __m256i codes(const uint8_t* b) { return unpack_nibbles(b + 4); }
};
struct WQ5_0 {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static constexpr bool kSigned = false, kMin = false;
  static constexpr int kOffset = 16;
  static __m256i codes(const uint8_t* b) { return _mm256_or_si256(unpack_nibbles(b + 6), unpack_fifth_bits(b + 2)); }
};
struct WQ5_1 {
  static constexpr size_t kBytes = sizeof(BlockQ5_1);
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  static __m256i codes(const uint8_t* b) { return _mm256_or_si256(unpack_nibbles(b + 8), unpack_fifth_bits(b + 4)); }
};
struct WQ8_0 {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static constexpr bool kSigned = true, kMin = false;
  static constexpr int kOffset = 0;
  static __m256i codes(const uint8_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2)); }
};
struct WQ8_1 {
  static constexpr size_t kBytes = sizeof(BlockQ8_1);
  static constexpr bool kSigned = true, kMin = false;
  static constexpr int kOffset = 0;
  static __m256i codes(const uint8_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4)); }
};

// Activation blocks: Q8_0 (d, qs) and Q8_1 (d, s, qs).
template <bool kWithSum>
struct ActQ8 {
  static constexpr size_t kBytes = kWithSum ? sizeof(BlockQ8_1) : sizeof(BlockQ8_0);
  static constexpr size_t kQs = kWithSum ? 4 : 2;
};

// ---- activation quantization --------------------------------------------------------

// f32 -> Q8_0 (kWithSum false) or Q8_1 rows, byte for byte as quantize_block does for
// finite input: d = amax / 127 rounded to fp16, q = roundf(x / d), s = fp16(d * sum q).
template <bool kWithSum>
void quantize_q8_row(const float* src, void* dst, int64_t n) {
  static_assert(kQuantBlockSize % kW == 0);
  constexpr int kV = kQuantBlockSize / kW;
  using A = ActQ8<kWithSum>;
  uint8_t* out = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n / kQuantBlockSize; ++b, out += A::kBytes) {
    const float* x = src + b * kQuantBlockSize;
    VF amax = vzero();
    for (int i = 0; i < kV; ++i) amax = vmax(vabs(vload(x + i * kW)), amax);  // NaN lanes lose
    const float d = vhmax(amax) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
    std::memcpy(out, &dh, sizeof(dh));
    VF q[kV];
    VF qsum = vzero();
    for (int i = 0; i < kV; ++i) {
      q[i] = vmin(vmax(vround_away(vmul(vload(x + i * kW), vset1(id))), vset1(-127.0f)), vset1(127.0f));
      qsum = vadd(qsum, q[i]);
    }
    vstore_i8_block(reinterpret_cast<int8_t*>(out + A::kQs), q);
    if constexpr (kWithSum) {
      const uint16_t sh = _cvtss_sh(vhsum(qsum) * d, _MM_FROUND_TO_NEAREST_INT);
      std::memcpy(out + 2, &sh, sizeof(sh));
    }
  }
}

// ---- dot products -------------------------------------------------------------------

// R weight rows x T activation rows over all nb blocks; y[t * y_stride + r].
template <class W, class A, int R, int T>
void quant_micro_tile(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                      float* y, int64_t y_stride) {
  __m256 acc[R][T];
  float acc_min[R][T];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      acc[r][t] = _mm256_setzero_ps();
      acc_min[r][t] = 0.0f;
    }
  }
  const int64_t nb = n / kQuantBlockSize;
  for (int64_t b = 0; b < nb; ++b) {
    // Per block: R weight blocks unpacked once, then each activation block meets all R.
    __m256i wu[R], ws[R];
    __m256 dw[R];
    float mw[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = rows + r * row_bytes + b * W::kBytes;
      ws[r] = W::codes(blk);
      wu[r] = W::kSigned ? _mm256_sign_epi8(ws[r], ws[r]) : ws[r];
      dw[r] = _mm256_set1_ps(load_f16(blk));
      mw[r] = W::kMin ? load_f16(blk + 2) : 0.0f;
    }
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const uint8_t* ablk = acts + t * act_bytes + b * A::kBytes;
      const __m256i aq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ablk + A::kQs));
      const __m256 da = _mm256_set1_ps(load_f16(ablk));
      const float sa = W::kMin ? load_f16(ablk + 2) : 0.0f;
      // -kOffset * sum(a) per lane: the starting value of every row's integer sum.
      __m256i start = _mm256_setzero_si256();
      if constexpr (W::kOffset != 0) {
        start = _mm256_sub_epi32(start, dot_u8s8(start, _mm256_set1_epi8(W::kOffset), aq));
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m256i s = W::kSigned ? dot_u8s8(start, wu[r], _mm256_sign_epi8(aq, ws[r])) : dot_u8s8(start, wu[r], aq);
        acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw[r], da), acc[r][t]);
        if constexpr (W::kMin) acc_min[r][t] += mw[r] * sa;
      }
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) y[t * y_stride + r] = hsum8(acc[r][t]) + acc_min[r][t];
  }
}

template <class W, class A>
struct QuantMicro {
  template <int R, int T>
  struct M {
    static void run(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                    float* y, int64_t y_stride) {
      quant_micro_tile<W, A, R, T>(rows, row_bytes, acts, act_bytes, n, y, y_stride);
    }
  };
};

template <class W, class A>
float quant_vec_dot(const void* row, const void* act, int64_t n) {
  float y;
  quant_micro_tile<W, A, 1, 1>(static_cast<const uint8_t*>(row), 0, static_cast<const uint8_t*>(act), 0, n, &y, 0);
  return y;
}

}  // namespace herd::HERD_SIMD_NS
