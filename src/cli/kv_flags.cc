#include "cli/kv_flags.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "kv/kv_cache.h"

namespace herd::cli {

void add_kv_flags(CLI::App* cmd, KvFlags* flags, bool with_memory) {
  const auto types = CLI::IsMember({"f16", "q8_0", "f32"});
  cmd->add_option("--cache-type-k", flags->type_k, "KV cache type of keys: f16, q8_0 or f32")
      ->capture_default_str()->check(types);
  cmd->add_option("--cache-type-v", flags->type_v, "KV cache type of values: f16, q8_0 or f32")
      ->capture_default_str()->check(types);
  if (with_memory) {
    cmd->add_option("--kv-memory", flags->memory,
                    "KV cache budget in bytes (K, M, G suffixes); 0: what --parallel x --ctx-size needs, "
                    "within 3/4 of the free memory")
        ->capture_default_str();
  }
}

Result<uint64_t> parse_byte_size(const std::string& text) {
  const char* s = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(s, &end);
  if (end == s || !std::isfinite(value) || value < 0 || text.find_first_of("eExXpP") != std::string::npos) {
    return invalid_argument("not a size in bytes: \"" + text + "\"");
  }
  std::string suffix(end);
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B"))) {
    suffix.resize(suffix.size() - (suffix.ends_with("IB") ? 2 : 1));
  }
  double scale = 1;
  if (suffix == "K") scale = 1024.0;
  else if (suffix == "M") scale = 1024.0 * 1024;
  else if (suffix == "G") scale = 1024.0 * 1024 * 1024;
  else if (suffix == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!suffix.empty() && suffix != "B") return invalid_argument("unknown size suffix in \"" + text + "\"");
  const double bytes = value * scale;
  if (bytes >= 18e18) return invalid_argument("size too large: \"" + text + "\"");
  return static_cast<uint64_t>(bytes);
}

Result<KvSettings> resolve_kv_flags(const KvFlags& flags) {
  KvSettings s;
  const std::optional<DType> k = kv_type_from_name(flags.type_k), v = kv_type_from_name(flags.type_v);
  if (!k || !v) return invalid_argument("kv cache types are f16, q8_0 or f32");
  s.type_k = *k;
  s.type_v = *v;
  HERD_ASSIGN_OR_RETURN(s.memory_bytes, parse_byte_size(flags.memory));
  return s;
}

}  // namespace herd::cli
