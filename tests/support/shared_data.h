// Where the shared test models and goldens live (../shared next to the checkout,
// or $HERD_SHARED_DIR), and small readers for the reference files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace herd::testing {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("HERD_SHARED_DIR")) return env;
  return HERD_SHARED_DIR;
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Reads count float32 values starting at byte offset.
inline std::vector<float> read_f32(const std::filesystem::path& path, uint64_t offset, size_t count) {
  std::vector<float> out(count);
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(count * sizeof(float)));
  if (!in) out.clear();
  return out;
}

}  // namespace herd::testing
