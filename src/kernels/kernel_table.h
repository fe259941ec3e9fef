// The dispatch table of compute kernels: one struct of function pointers per
// instruction-set variant, the best one the CPU supports chosen once at start-up.
//
// Every entry has a scalar reference twin (the kScalar table is made of them); the SIMD
// variants live in their own source files compiled with their own flags
// (kernels_avx2.cc, kernels_avx512.cc), so the binary runs on any x86-64 and only ever
// calls a variant the CPU (and OS) supports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kernels/attention.h"
#include "kernels/ops_ref.h"
#include "tensor/dtype.h"

namespace herd {

enum class KernelVariant { kScalar, kAvx2, kAvx512 };

// "scalar", "avx2", "avx512".
std::string_view kernel_variant_name(KernelVariant v);
bool parse_kernel_variant(std::string_view name, KernelVariant* out);

// Weight row (type W) times one activation row in W's matmul activation type
// (matmul_act_type(W)); n elements (whole blocks).
using VecDotFn = float (*)(const void* row, const void* act, int64_t n);

// A tile of dot products: y[t * y_stride + r] = vec_dot(row r, act t) for r < n_rows,
// t < n_acts. Row r starts at rows + r * row_bytes, activation t at acts + t * act_bytes.
// SIMD variants keep a few unpacked weight blocks in registers across the tokens.
using VecDotTileFn = void (*)(const uint8_t* rows, size_t row_bytes, int64_t n_rows,
                              const uint8_t* acts, size_t act_bytes, int64_t n_acts, int64_t n,
                              float* y, int64_t y_stride);

// f32 -> a row of type T (activation conversion: Q8_0, Q8_1, F16, BF16).
using FromF32Fn = void (*)(const float* src, void* dst, int64_t n);

// The entries of one element type. Null where the type has no kernel (yet).
struct TypeKernels {
  VecDotFn vec_dot = nullptr;       // this type as the weight
  VecDotTileFn vec_dot_tile = nullptr;
  FromF32Fn from_f32 = nullptr;     // this type as the activation
  // A GEMM for this weight type (null where it has none: matmul walks vec_dot_tile). The
  // same contract as vec_dot_tile for any n_rows and n_acts, but its activation rows are
  // made by gemm_from_f32: gemm_act_block_bytes per gemm_act_block elements. Row r of
  // token t must not depend on the other rows and tokens of the call (batch invariance:
  // matmul uses it for one token as for many). The AVX-512 ones (gemm_avx512_*.h)
  // equal vec_dot_ref bit for bit.
  VecDotTileFn gemm = nullptr;
  FromF32Fn gemm_from_f32 = nullptr;
  int32_t gemm_act_block = 0;
  int32_t gemm_act_block_bytes = 0;
};

// Indexed by the DType id; ids above 63 have no kernels.
inline constexpr size_t kMaxKernelDTypes = 64;

struct KernelTable {
  KernelVariant variant = KernelVariant::kScalar;
  // A plain array: the SIMD translation units fill it without calling any inline
  // library template (whose out-of-line copy, compiled with their flags, the linker
  // could pick for the rest of the program).
  TypeKernels types[kMaxKernelDTypes] = {};

  void (*rms_norm)(const float* x, const float* w, float* y, int64_t n, float eps) = nullptr;
  void (*softmax)(float* x, int64_t n) = nullptr;
  void (*swiglu)(const float* gate, const float* up, float* out, int64_t n) = nullptr;
  void (*rope_apply)(float* x, int n_rot, const float* cos_sin, RopeStyle style) = nullptr;
  void (*attention_head)(const float* q, const AttentionSpan& span, float* out) = nullptr;
  void (*attention_tile)(const AttentionTile& tile, const AttentionSpan& span) = nullptr;

  const TypeKernels& of(DType t) const {
    static const TypeKernels kNone{};
    const auto id = static_cast<size_t>(t);
    return id < kMaxKernelDTypes ? types[id] : kNone;
  }
  TypeKernels& of(DType t) { return types[static_cast<size_t>(t)]; }
};

// The activation type matmul pairs a weight type with. Quantized weights use the
// reference's vec_dot_type (Q8_0 / Q8_1, as llama.cpp's CPU backend does); F32, F16 and
// BF16 weights keep float32 activations (convert the weight, FMA in float: at least as
// accurate as the reference and cheaper than rounding the activations).
DType matmul_act_type(DType weight);

// The table in use: chosen on first call from the CPU features, or from the environment
// variable HERD_ISA=scalar|avx2|avx512 (a variant the CPU lacks falls back to the best
// supported one with a warning on stderr), or by select_kernels.
const KernelTable& kernels();

// Forces a variant (tests, benchmarks). Returns false (and changes nothing) when the
// CPU does not support it. Not safe while other threads run kernels.
bool select_kernels(KernelVariant v);

// The table of a variant, or null when the CPU lacks it (tests compare these directly).
const KernelTable* kernel_table(KernelVariant v);

// Every variant this CPU supports, scalar first, best last.
std::vector<KernelVariant> supported_variants();

// The variant kernels() picks with no override.
KernelVariant best_kernel_variant();

// Per-variant builders (each in its own translation unit with its own compile flags).
const KernelTable& kernel_table_scalar();
const KernelTable& kernel_table_avx2();
const KernelTable& kernel_table_avx512();

}  // namespace herd
