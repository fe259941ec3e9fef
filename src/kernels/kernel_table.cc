#include "kernels/kernel_table.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/cpu_features.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

bool cpu_supports(KernelVariant v) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (v) {
    case KernelVariant::kScalar: return true;
    case KernelVariant::kAvx2: return avx2;
    case KernelVariant::kAvx512: return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
  }
  return false;
}

// Reads HERD_ISA once; an unknown or unsupported value falls back to the best variant.
KernelVariant initial_variant() {
  const KernelVariant best = best_kernel_variant();
  const char* env = std::getenv("HERD_ISA");
  if (env == nullptr || *env == '\0' || std::string_view(env) == "auto") return best;
  KernelVariant wanted;
  if (!parse_kernel_variant(env, &wanted)) {
    std::fprintf(stderr, "herd: warning: HERD_ISA=%s is not one of scalar, avx2, avx512; using %s\n",
                 env, std::string(kernel_variant_name(best)).c_str());
    return best;
  }
  if (!cpu_supports(wanted)) {
    std::fprintf(stderr, "herd: warning: HERD_ISA=%s but this CPU lacks it (has: %s); using %s\n", env,
                 cpu_features().to_string().c_str(), std::string(kernel_variant_name(best)).c_str());
    return best;
  }
  return wanted;
}

std::atomic<const KernelTable*> g_active{nullptr};

}  // namespace

std::string_view kernel_variant_name(KernelVariant v) {
  switch (v) {
    case KernelVariant::kScalar: return "scalar";
    case KernelVariant::kAvx2: return "avx2";
    case KernelVariant::kAvx512: return "avx512";
  }
  return "?";
}

bool parse_kernel_variant(std::string_view name, KernelVariant* out) {
  for (KernelVariant v : {KernelVariant::kScalar, KernelVariant::kAvx2, KernelVariant::kAvx512}) {
    if (name == kernel_variant_name(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

DType matmul_act_type(DType weight) {
  switch (weight) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16: return DType::kF32;
    default: return vec_dot_type(weight);
  }
}

KernelVariant best_kernel_variant() {
  if (cpu_supports(KernelVariant::kAvx512)) return KernelVariant::kAvx512;
  if (cpu_supports(KernelVariant::kAvx2)) return KernelVariant::kAvx2;
  return KernelVariant::kScalar;
}

std::vector<KernelVariant> supported_variants() {
  std::vector<KernelVariant> out;
  for (KernelVariant v : {KernelVariant::kScalar, KernelVariant::kAvx2, KernelVariant::kAvx512}) {
    if (cpu_supports(v)) out.push_back(v);
  }
  return out;
}

const KernelTable* kernel_table(KernelVariant v) {
  if (!cpu_supports(v)) return nullptr;
  switch (v) {
    case KernelVariant::kScalar: return &kernel_table_scalar();
    case KernelVariant::kAvx2: return &kernel_table_avx2();
    case KernelVariant::kAvx512: return &kernel_table_avx512();
  }
  return nullptr;
}

const KernelTable& kernels() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t != nullptr) return *t;
  static const KernelTable* const initial = kernel_table(initial_variant());
  const KernelTable* expected = nullptr;
  g_active.compare_exchange_strong(expected, initial, std::memory_order_acq_rel);
  return *g_active.load(std::memory_order_acquire);
}

bool select_kernels(KernelVariant v) {
  const KernelTable* t = kernel_table(v);
  if (t == nullptr) return false;
  g_active.store(t, std::memory_order_release);
  return true;
}

}  // namespace herd
