// Dot products of Q4_K / Q5_K / Q6_K weight rows with Q8_K activation rows for one
// SIMD variant, as single rows and rows x tokens tiles. Codes (up to 63) times int8
// activations go through vpmaddubsw (pair sums fit int16) and vpmaddwd with the
// sub-block scales. Every super-block's integer sums are computed exactly and scaled with
// the same float operations in the same order as vec_dot_block in kquant_ref.cc, so the
// results equal vec_dot_ref bit for bit. Included by kernels_<isa>.cc only.
//
// Layouts (tensor/kquant_blocks.h): Q8_K [0,4) d (float) | [4,260) qs | [260,292)
// bsums (int16, one per 16 elements). The scale decoding is written out here rather
// than calling the tensor layer's inline helpers, so no out-of-line copy compiled with
// SIMD flags can be linked into scalar code.
#pragma once

#include "kernels/simd_quant_ops.h"

namespace herd::HERD_SIMD_NS {

inline constexpr size_t kQ8KBytes = 292;
inline constexpr int kQK = 256;

struct ActQ8K {
  const uint8_t* p;
  float d() const {
    float v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  __m256i qs(int i) const { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4 + i)); }
  // The 16 int16 sums of 16 codes.
  __m256i bsums() const { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 260)); }
  int bsum(int k) const {
    int16_t v;
    std::memcpy(&v, p + 260 + 2 * k, sizeof(v));
    return v;
  }
};

inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// The 6-bit scale and min codes of Q4_K/Q5_K sub-block s from the 12 scale bytes.
inline void k_scale_min(const uint8_t* q, int s, int* sc, int* m) {
  if (s < 4) {
    *sc = q[s] & 63;
    *m = q[s + 4] & 63;
  } else {
    *sc = (q[s + 4] & 0x0f) | ((q[s - 4] >> 6) << 4);
    *m = (q[s + 4] >> 4) | ((q[s] >> 6) << 4);
  }
}

// All eight scale and min codes at once, as k_scale_min gives them one by one: the
// 12 bytes are three little-endian words u0 u1 u2; codes 0-3 are the low 6 bits of u0
// (scales) and u1 (mins); codes 4-7 take their low 4 bits from u2 (scales: low nibbles,
// mins: high nibbles) and their top 2 bits from the top 2 bits of u0 (scales) / u1 (mins).
inline void k_scales_mins(const uint8_t* q, uint8_t sc[8], uint8_t m[8]) {
  uint32_t u0, u1, u2;
  std::memcpy(&u0, q, 4);
  std::memcpy(&u1, q + 4, 4);
  std::memcpy(&u2, q + 8, 4);
  const uint32_t lo6 = 0x3f3f3f3fu, lo4 = 0x0f0f0f0fu, lo2 = 0x03030303u;
  const uint32_t sc03 = u0 & lo6, m03 = u1 & lo6;
  const uint32_t sc47 = (u2 & lo4) | (((u0 >> 6) & lo2) << 4);
  const uint32_t m47 = ((u2 >> 4) & lo4) | (((u1 >> 6) & lo2) << 4);
  std::memcpy(sc, &sc03, 4);
  std::memcpy(sc + 4, &sc47, 4);
  std::memcpy(m, &m03, 4);
  std::memcpy(m + 4, &m47, 4);
}

// f32 -> Q8_K rows, byte for byte as quantize_block(BlockQ8_K) for finite input:
// max = the signed element of largest magnitude (the first on ties), iscale = -127 /
// max, q = nearest-even(iscale * x) in [-128, 127], bsums of every 16, d = 1 / iscale.
inline void quantize_q8k_row(const float* src, void* dst, int64_t n) {
  static_assert(kQK % kQuantBlockSize == 0 && kQuantBlockSize % kW == 0);
  uint8_t* out = static_cast<uint8_t*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, out += kQ8KBytes) {
    const float* x = src + b * kQK;
    VF amax_v = vzero();
    for (int i = 0; i < kQK; i += kW) amax_v = vmax(vabs(vload(x + i)), amax_v);  // NaN lanes lose
    const float amax = vhmax(amax_v);
    if (amax == 0.0f) {
      std::memset(out, 0, kQ8KBytes);
      continue;
    }
    float max = 0.0f;
    for (int i = 0; i < kQK; i += kW) {
      const int j = vfirst_eq(vabs(vload(x + i)), vset1(amax));
      if (j >= 0) {
        max = x[i + j];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const VF is = vset1(iscale);
    int16_t bsums[kQK / 16];
    for (int c = 0; c < kQK; c += kQuantBlockSize) {
      VF q[kQuantBlockSize / kW];
      for (int v = 0; v < kQuantBlockSize / kW; ++v) {
        q[v] = vmin(vmax(vround(vmul(is, vload(x + c + v * kW))), vset1(-128.0f)), vset1(127.0f));
      }
      vstore_i8_block(reinterpret_cast<int8_t*>(out + 4 + c), q);
      float sums[kQuantBlockSize];
      for (int v = 0; v < kQuantBlockSize / kW; ++v) vstore(sums + v * kW, q[v]);
      for (int h = 0; h < kQuantBlockSize / 16; ++h) {
        float s = 0.0f;  // exact: small integers
        for (int l = 0; l < 16; ++l) s += sums[16 * h + l];
        bsums[(c + 16 * h) / 16] = static_cast<int16_t>(s);
      }
    }
    std::memcpy(out + 260, bsums, sizeof(bsums));
    const float d = 1.0f / iscale;
    std::memcpy(out, &d, sizeof(d));
  }
}

// A weight super-block unpacked once and then met by several activation rows: eight
// vectors of 32 codes, unsigned or (K::kSignedCodes) signed levels (element 32 k + i
// in byte i of q[k]) and, per vector,
// the int16 scales of its two halves (sc[k], for vpmaddwd).
struct KCodes {
  __m256i q[8];
  __m256i sc[8];
};

// Q4_K (kFifth false, 144 bytes) and Q5_K (kFifth true, 176 bytes):
// [0,2) d | [2,4) dmin | [4,16) scales | Q5_K: [16,48) qh | then qs (128 bytes).
template <bool kFifth>
struct KQ45 {
  static constexpr size_t kBytes = kFifth ? 176 : 144;
  static constexpr bool kSignedCodes = false;
  __m256i mins16;  // int16: the min code of sub-block k / 2, for the 16 bsums k
  float d, dmin;

  void unpack(const uint8_t* w, KCodes* c) {
    constexpr size_t kQs = kFifth ? 48 : 16;
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    alignas(16) uint8_t sc[8], m[16] = {};
    k_scales_mins(w + 4, sc, m);
    for (int s = 0; s < 8; ++s) c->sc[s] = _mm256_set1_epi16(static_cast<int16_t>(sc[s]));
    const __m128i pairs = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    mins16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(m)), pairs));
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFifth) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16));
    for (int j = 0; j < 4; ++j) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + kQs + 32 * j));
      __m256i lo = _mm256_and_si256(q, low4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
      if constexpr (kFifth) {
        // Bit s of qh[l] is the fifth bit of element 32 s + l.
        const __m256i b0 = _mm256_set1_epi8(static_cast<char>(1 << (2 * j)));
        const __m256i b1 = _mm256_set1_epi8(static_cast<char>(1 << (2 * j + 1)));
        const __m256i sixteen = _mm256_set1_epi8(16);
        lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b0), b0), sixteen));
        hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen));
      }
      c->q[2 * j] = lo;
      c->q[2 * j + 1] = hi;
    }
    d = load_f16(w);
    dmin = load_f16(w + 2);
  }

  // As vec_dot_block(BlockQ4_K/Q5_K, BlockQ8_K): d * sum - dmin * min_sum.
  float finish(const ActQ8K& a, int sum) const {
    // Exact in int32: |bsum| <= 16 * 128 and min <= 63, 16 products.
    const int min_sum = hsum_epi32(_mm256_madd_epi16(a.bsums(), mins16));
    const float dd = a.d() * d;
    const float dm = a.d() * dmin;
    return dd * static_cast<float>(sum) - dm * static_cast<float>(min_sum);
  }
};

// Q6_K, 210 bytes: [0,128) ql | [128,192) qh | [192,208) scales (int8) | [208,210) d.
// Codes are 0..63 with offset 32, removed through the activation's 16-element sums.
struct KQ6 {
  static constexpr size_t kBytes = 210;
  static constexpr bool kSignedCodes = false;
  int8_t scales[16];
  float d;

  void unpack(const uint8_t* w, KCodes* c) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i two = _mm256_set1_epi8(3);
    std::memcpy(scales, w + 192, sizeof(scales));
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 64 * h));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 64 * h + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 128 + 32 * h));
      // Vector 4 h + r holds elements 128 h + 32 r + l (sub-blocks 8 h + 2 r, + 1).
      c->q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_slli_epi16(_mm256_and_si256(qh, two), 4));
      c->q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, low4),
                                        _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), two), 4));
      c->q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4),
                                        _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), two), 4));
      c->q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                        _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), two), 4));
    }
    for (int k = 0; k < 8; ++k) {
      c->sc[k] = _mm256_set_m128i(_mm_set1_epi16(scales[2 * k + 1]), _mm_set1_epi16(scales[2 * k]));
    }
    d = load_f16(w + 208);
  }

  float finish(const ActQ8K& a, int sum) const {
    int offset_sum = 0;
    for (int s = 0; s < 16; ++s) offset_sum += scales[s] * a.bsum(s);
    return (a.d() * d) * static_cast<float>(sum - 32 * offset_sum);
  }
};

// One weight row against T activation rows: every super-block is unpacked once.
template <class K, int T>
void kquant_row_tile(const uint8_t* row, const uint8_t* acts, size_t act_bytes, int64_t n, float* y,
                     int64_t y_stride) {
  float total[T];
  for (int t = 0; t < T; ++t) total[t] = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    K k;
    KCodes c;
    k.unpack(row + b * K::kBytes, &c);
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) {
      const ActQ8K a{acts + t * act_bytes + b * kQ8KBytes};
      __m256i acc = _mm256_setzero_si256();
#pragma GCC unroll 8
      for (int v = 0; v < 8; ++v) {
        __m256i pairs;
        if constexpr (K::kSignedCodes) {
          // Signed levels (|w| <= 127): the sign goes onto the weight, so |a| (up to
          // 128, exact as u8) times sign(w, a) keeps every pair sum within int16.
          const __m256i aq = a.qs(32 * v);
          pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(aq), _mm256_sign_epi8(c.q[v], aq));
        } else {
          pairs = _mm256_maddubs_epi16(c.q[v], a.qs(32 * v));
        }
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, c.sc[v]));
      }
      total[t] += k.finish(a, hsum_epi32(acc));
    }
  }
  for (int t = 0; t < T; ++t) y[t * y_stride] = total[t];
}

template <class K>
struct KQuantMicro {
  template <int R, int T>
  struct M {
    static void run(const uint8_t* rows, size_t row_bytes, const uint8_t* acts, size_t act_bytes, int64_t n,
                    float* y, int64_t y_stride) {
      for (int r = 0; r < R; ++r) kquant_row_tile<K, T>(rows + r * row_bytes, acts, act_bytes, n, y + r, y_stride);
    }
  };
};

template <class K>
float kquant_vec_dot(const void* row, const void* act, int64_t n) {
  float y;
  kquant_row_tile<K, 1>(static_cast<const uint8_t*>(row), static_cast<const uint8_t*>(act), 0, n, &y, 0);
  return y;
}

}  // namespace herd::HERD_SIMD_NS
