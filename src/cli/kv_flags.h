// The KV cache flags serve, run and bench share: --cache-type-k, --cache-type-v (f16,
// q8_0, f32, as llama.cpp names them) and --kv-memory (bytes, K/M/G suffixes, 0: auto).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tensor/dtype.h"

namespace CLI {
class App;
}

namespace herd::cli {

struct KvFlags {
  std::string type_k = "f16";
  std::string type_v = "f16";
  std::string memory = "0";
};
// with_memory: also --kv-memory (only the server's pool has a budget).
void add_kv_flags(CLI::App* cmd, KvFlags* flags, bool with_memory);

struct KvSettings {
  DType type_k = DType::kF16;
  DType type_v = DType::kF16;
  uint64_t memory_bytes = 0;  // 0: auto
};
Result<KvSettings> resolve_kv_flags(const KvFlags& flags);

// "4096", "512K", "1.5G" (powers of 1024; a trailing "B"/"iB" is allowed) -> bytes.
Result<uint64_t> parse_byte_size(const std::string& text);

}  // namespace herd::cli
