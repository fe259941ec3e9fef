// The kAvx2 table (AVX2 + FMA + F16C). Compiled with those flags only (see
// CMakeLists.txt); called only when cpu_features() reports them.
#define HERD_SIMD_NS avx2
#include "kernels/simd_table.h"

namespace herd {

const KernelTable& kernel_table_avx2() {
  static const KernelTable table = avx2::make_simd_table(KernelVariant::kAvx2);
  return table;
}

}  // namespace herd
