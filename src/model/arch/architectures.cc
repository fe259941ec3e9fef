#include "model/arch/architectures.h"

#include <array>

namespace herd {
namespace {

constexpr std::array kLoaders = {
    ArchLoader{"llama", &load_llama},     ArchLoader{"qwen2", &load_qwen2},   ArchLoader{"qwen2moe", &load_qwen2moe},
    ArchLoader{"qwen3", &load_qwen3},     ArchLoader{"qwen3moe", &load_qwen3moe}, ArchLoader{"gemma", &load_gemma},
    ArchLoader{"gemma2", &load_gemma2},   ArchLoader{"gemma3", &load_gemma3}, ArchLoader{"phi3", &load_phi3},
};

}  // namespace

const ArchLoader* find_arch_loader(std::string_view name) {
  for (const ArchLoader& loader : kLoaders) {
    if (loader.name == name) return &loader;
  }
  return nullptr;
}

std::string supported_architectures() {
  std::string s;
  for (const ArchLoader& loader : kLoaders) s += (s.empty() ? "" : ", ") + std::string(loader.name);
  return s;
}

}  // namespace herd
