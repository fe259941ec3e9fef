// A parsed GGUF file (v2 and v3): metadata, tensor table, and views of tensor data.
// Every count, size and offset is checked against the file before use; a malformed
// file yields a kCorruptFile Status that names what is wrong. The choices where the spec
// leaves room (0 dims rejected, alignment must be u32, ...) are listed atop gguf_file.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace herd {

class GgufCursor;

// Metadata value types, numbered as in the GGUF spec.
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// "u8", "i32", "f32", "bool", "string", "array", ...; "?" for a value outside the enum.
std::string_view gguf_type_name(GgufType type);

// Limits the reader enforces (each past-limit file is a kCorruptFile error).
inline constexpr uint32_t kGgufMaxDims = 4;             // GGML_MAX_DIMS
inline constexpr int kGgufMaxArrayDepth = 8;            // an array inside 7 more arrays
inline constexpr uint64_t kGgufMaxArrayElements = 1ull << 24;  // summed over all arrays
inline constexpr uint64_t kGgufDefaultAlignment = 32;

// One metadata value. Strings are views into the file's bytes (valid while the
// GgufFile lives). Arrays hold their elements, which may themselves be arrays.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t u = 0;        // kUint*, kBool
  int64_t i = 0;         // kInt*
  double f = 0.0;        // kFloat*
  std::string_view str;  // kString
  GgufType elem_type = GgufType::kUint8;  // kArray
  std::vector<GgufValue> array;           // kArray

  bool is_integer() const;
  bool is_float() const;
};

struct GgufKv {
  std::string_view key;
  GgufValue value;
};

struct GgufTensor {
  std::string_view name;
  DType type = DType::kF32;
  std::vector<uint64_t> dims;  // ne order: dims[0] is the innermost (row length)
  uint64_t n_elements = 0;
  uint64_t offset = 0;         // relative to the start of the data section
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // points into the file

  uint64_t n_rows() const { return dims.empty() ? 0 : n_elements / dims[0]; }
};

class GgufFile {
 public:
  // mmaps the file and parses it.
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  // Parses bytes that the caller keeps alive for the life of the result (tests, fuzzing).
  static Result<std::unique_ptr<GgufFile>> parse(std::span<const uint8_t> bytes);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // start of tensor data in the file
  uint64_t file_size() const { return bytes_.size(); }
  const std::string& path() const { return file_.path(); }

  const std::vector<GgufKv>& metadata() const { return kvs_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  const GgufValue* find(std::string_view key) const;
  const GgufTensor* find_tensor(std::string_view name) const;

  // Typed getters: kNotFound when the key is absent, kCorruptFile when it has the
  // wrong type (any integer type is accepted for integers, any float for floats).
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string_view> get_string(std::string_view key) const;
  // An array whose elements are all of `elem_type`.
  Result<const GgufValue*> get_array(std::string_view key, GgufType elem_type) const;

  // With a default when absent; still an error when present with the wrong type.
  Result<int64_t> get_int_or(std::string_view key, int64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;

 private:
  GgufFile() = default;
  Status parse_guarded();  // parse_all() with exceptions turned into a Status
  Status parse_all();
  Status read_metadata(GgufCursor& cur, uint64_t n_kv);
  Status read_alignment();
  Status read_tensor_infos(GgufCursor& cur, uint64_t n_tensors);
  Status place_tensors(uint64_t header_end);
  Status check_no_overlap() const;

  MappedFile file_;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<GgufKv> kvs_;
  std::vector<GgufTensor> tensors_;
  std::unordered_map<std::string_view, size_t> kv_index_;      // key -> index in kvs_
  std::unordered_map<std::string_view, size_t> tensor_index_;  // name -> index in tensors_
};

// Human-readable dump for `herd inspect`: metadata (long arrays abbreviated) and the
// tensor table (name, type, shape, offset, bytes).
std::string describe_gguf(const GgufFile& file);

}  // namespace herd
