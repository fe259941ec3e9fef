// The kAvx512 table (AVX-512 F/BW/VL/VNNI + FMA + F16C). Compiled with those flags
// only (see CMakeLists.txt); called only when cpu_features() reports them.
#define HERD_SIMD_NS avx512
#include "kernels/simd_table.h"

namespace herd {

const KernelTable& kernel_table_avx512() {
  static const KernelTable table = avx512::make_simd_table(KernelVariant::kAvx512);
  return table;
}

}  // namespace herd
