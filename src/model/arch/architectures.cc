#include "model/arch/architectures.h"

#include <array>

namespace herd {

const ArchLoader* find_arch_loader(std::string_view name) {
  static constexpr std::array kLoaders = {
      ArchLoader{"llama", &load_llama},
  };
  for (const ArchLoader& loader : kLoaders) {
    if (loader.name == name) return &loader;
  }
  return nullptr;
}

}  // namespace herd
