// A thin float-vector layer over AVX2 (8 lanes) or AVX-512 (16 lanes), so the float
// kernels are written once (simd_float_dot.h, simd_elementwise.h, simd_attention.h)
// and compiled once per variant.
//
// Include only from a kernels_<isa>.cc that is compiled with that ISA's flags and
// defines HERD_SIMD_NS first. Everything here lives in herd::HERD_SIMD_NS, so the
// copies compiled with different flags never meet at link time (one definition rule),
// and the AVX-512 code can never be picked for a call from the AVX2 variant. For the
// same reason these files use intrinsics and C library calls only, no std templates.
#pragma once

#if !defined(HERD_SIMD_NS)
#error "define HERD_SIMD_NS before including simd_vec.h"
#endif

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace herd::HERD_SIMD_NS {

#if defined(__AVX512F__)

using VF = __m512;
inline constexpr int kW = 16;

inline __mmask16 lanes(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
inline VF vload(const float* p) { return _mm512_loadu_ps(p); }
inline VF vload_part(const float* p, int n) { return _mm512_maskz_loadu_ps(lanes(n), p); }
inline void vstore(float* p, VF v) { _mm512_storeu_ps(p, v); }
inline void vstore_part(float* p, VF v, int n) { _mm512_mask_storeu_ps(p, lanes(n), v); }
inline VF vset1(float x) { return _mm512_set1_ps(x); }
inline VF vzero() { return _mm512_setzero_ps(); }
inline VF vadd(VF a, VF b) { return _mm512_add_ps(a, b); }
inline VF vsub(VF a, VF b) { return _mm512_sub_ps(a, b); }
inline VF vmul(VF a, VF b) { return _mm512_mul_ps(a, b); }
inline VF vdiv(VF a, VF b) { return _mm512_div_ps(a, b); }
inline VF vfma(VF a, VF b, VF c) { return _mm512_fmadd_ps(a, b, c); }
inline VF vmax(VF a, VF b) { return _mm512_max_ps(a, b); }
inline VF vmin(VF a, VF b) { return _mm512_min_ps(a, b); }
// Own reductions: GCC 12's _mm512_reduce_* trip -Wmaybe-uninitialized.
inline __m256 high_half(VF v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }
inline float vhsum(VF v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), high_half(v));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float vhmax(VF v) {
  const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v), high_half(v));
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline VF vabs(VF v) { return _mm512_abs_ps(v); }
// Index of the first lane where a == b, or -1.
inline int vfirst_eq(VF a, VF b) {
  const unsigned m = _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ);
  return m == 0 ? -1 : __builtin_ctz(m);
}
// Round half away from zero (as roundf), exactly.
inline VF vround_away(VF v) {
  const VF t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __mmask16 up = _mm512_cmp_ps_mask(vabs(_mm512_sub_ps(v, t)), _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  const VF one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1.0f)),
      _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(static_cast<int>(0x80000000u)))));
  return _mm512_mask_add_ps(t, up, t, one);
}
// 32 floats holding integers in [-128, 127] (kW-lane vectors v[0], v[1]) -> 32 int8.
inline void vstore_i8_block(int8_t* dst, const VF* v) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v[0])));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(v[1])));
}
inline VF vround(VF v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
// 2^n for integral n in [-126, 127] held as floats.
inline VF vpow2i(VF n) {
  const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
  return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
// Lanes where a < b get zero.
inline VF vzero_below(VF v, VF a, VF b) {
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)), v);
}
inline VF vload_f16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline VF vload_f16_part(const uint16_t* p, int n) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(lanes(n), p)); }
inline VF bf16_bits_to_f32(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
inline VF vload_bf16(const uint16_t* p) {
  return bf16_bits_to_f32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline VF vload_bf16_part(const uint16_t* p, int n) { return bf16_bits_to_f32(_mm256_maskz_loadu_epi16(lanes(n), p)); }

#else  // AVX2 + FMA + F16C

using VF = __m256;
inline constexpr int kW = 8;

inline __m256i lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline VF vload(const float* p) { return _mm256_loadu_ps(p); }
inline VF vload_part(const float* p, int n) { return _mm256_maskload_ps(p, lanes(n)); }
inline void vstore(float* p, VF v) { _mm256_storeu_ps(p, v); }
inline void vstore_part(float* p, VF v, int n) { _mm256_maskstore_ps(p, lanes(n), v); }
inline VF vset1(float x) { return _mm256_set1_ps(x); }
inline VF vzero() { return _mm256_setzero_ps(); }
inline VF vadd(VF a, VF b) { return _mm256_add_ps(a, b); }
inline VF vsub(VF a, VF b) { return _mm256_sub_ps(a, b); }
inline VF vmul(VF a, VF b) { return _mm256_mul_ps(a, b); }
inline VF vdiv(VF a, VF b) { return _mm256_div_ps(a, b); }
inline VF vfma(VF a, VF b, VF c) { return _mm256_fmadd_ps(a, b, c); }
inline VF vmax(VF a, VF b) { return _mm256_max_ps(a, b); }
inline VF vmin(VF a, VF b) { return _mm256_min_ps(a, b); }
inline float vhsum(VF v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float vhmax(VF v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline VF vabs(VF v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
inline int vfirst_eq(VF a, VF b) {
  const unsigned m = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)));
  return m == 0 ? -1 : __builtin_ctz(m);
}
inline VF vround_away(VF v) {
  const VF t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const VF up = _mm256_cmp_ps(vabs(_mm256_sub_ps(v, t)), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  const VF one = _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(v, _mm256_set1_ps(-0.0f)));
  return _mm256_add_ps(t, _mm256_and_ps(up, one));
}
inline void vstore_i8_block(int8_t* dst, const VF* v) {
  const __m256i a = _mm256_packs_epi32(_mm256_cvtps_epi32(v[0]), _mm256_cvtps_epi32(v[1]));
  const __m256i b = _mm256_packs_epi32(_mm256_cvtps_epi32(v[2]), _mm256_cvtps_epi32(v[3]));
  // The packs work per 128-bit lane; this puts the 4-byte groups back in order.
  const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b),
                                                    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), bytes);
}
inline VF vround(VF v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
inline VF vpow2i(VF n) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
inline VF vzero_below(VF v, VF a, VF b) { return _mm256_andnot_ps(_mm256_cmp_ps(a, b, _CMP_LT_OQ), v); }
inline VF vload_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline VF vload_f16_part(const uint16_t* p, int n) {
  uint16_t tmp[kW] = {};
  std::memcpy(tmp, p, static_cast<size_t>(n) * sizeof(uint16_t));
  return vload_f16(tmp);
}
inline VF vload_bf16(const uint16_t* p) {
  const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
inline VF vload_bf16_part(const uint16_t* p, int n) {
  uint16_t tmp[kW] = {};
  std::memcpy(tmp, p, static_cast<size_t>(n) * sizeof(uint16_t));
  return vload_bf16(tmp);
}

#endif

// e^x to about 2 ulp: x = k ln2 + r with |r| <= ln2/2, e^r by its degree-7 Taylor
// polynomial, times 2^k. Inputs below -87.3 (including -inf) give 0; inputs above 88.3
// saturate near FLT_MAX instead of giving inf.
inline VF vexp(VF x) {
  const VF lo = vset1(-87.3f);
  const VF xc = vmin(vmax(x, lo), vset1(88.3f));
  const VF k = vround(vmul(xc, vset1(1.44269504f)));
  VF r = vfma(k, vset1(-0.693359375f), xc);  // ln2 split into an exact high part ...
  r = vfma(k, vset1(2.12194440e-4f), r);        // ... and the rest
  VF p = vset1(1.0f / 5040.0f);
  p = vfma(p, r, vset1(1.0f / 720.0f));
  p = vfma(p, r, vset1(1.0f / 120.0f));
  p = vfma(p, r, vset1(1.0f / 24.0f));
  p = vfma(p, r, vset1(1.0f / 6.0f));
  p = vfma(p, r, vset1(0.5f));
  p = vfma(p, r, vset1(1.0f));
  p = vfma(p, r, vset1(1.0f));
  return vzero_below(vmul(p, vpow2i(k)), x, lo);
}

}  // namespace herd::HERD_SIMD_NS
