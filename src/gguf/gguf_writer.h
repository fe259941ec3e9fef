// Writes a GGUF v3 file: metadata of every type, the tensor table, then tensor data
// streamed tensor by tensor, so a model never has to sit in memory as a whole.
//
// Usage: set metadata and add every tensor's info, open(), then write each tensor's
// bytes in the order the tensors were added (in as many pieces as convenient), then
// finish(). Bytes go to "<path>.partial", which finish() renames to <path>; on any
// failure (or when the writer is destroyed before finish) the partial file is removed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"

namespace herd {

// A metadata value that owns its strings (GgufValue views into a mapped file).
struct GgufMetaValue {
  GgufType type = GgufType::kUint8;
  uint64_t u = 0;        // kUint*, kBool
  int64_t i = 0;         // kInt*
  double f = 0.0;        // kFloat*
  std::string str;       // kString
  GgufType elem_type = GgufType::kUint8;  // kArray
  std::vector<GgufMetaValue> array;       // kArray

  static GgufMetaValue from(const GgufValue& v);  // deep copy of a reader value
  static GgufMetaValue of_uint(GgufType type, uint64_t v);  // kUint8..kUint64, kBool
  static GgufMetaValue of_int(GgufType type, int64_t v);    // kInt8..kInt64
  static GgufMetaValue of_float(GgufType type, double v);   // kFloat32, kFloat64
  static GgufMetaValue of_string(std::string v);
  static GgufMetaValue of_array(GgufType elem_type, std::vector<GgufMetaValue> elems);
};

struct GgufTensorInfo {
  std::string name;
  DType type = DType::kF32;
  std::vector<uint64_t> dims;  // ne order: dims[0] is the row length
  uint64_t n_bytes = 0;        // filled in by add_tensor
  uint64_t offset = 0;         // relative to the data section, filled in by open()
};

// Appends a GGUF v3 header (magic, counts, key/values, tensor infos with their offsets as
// given; no padding after it) to out.
void append_gguf_header(std::vector<uint8_t>& out, std::span<const std::pair<std::string, GgufMetaValue>> kvs,
                        std::span<const GgufTensorInfo> tensors);

class GgufWriter {
 public:
  GgufWriter() = default;
  ~GgufWriter();  // removes the partial file unless finish() succeeded
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  // Metadata, kept in the order first set; setting an existing key replaces its value
  // in place. `general.alignment` (u32, a power of two) also sets the data alignment.
  void set(std::string_view key, GgufMetaValue value);
  void set_u32(std::string_view key, uint32_t v) { set(key, GgufMetaValue::of_uint(GgufType::kUint32, v)); }
  void set_i32(std::string_view key, int32_t v) { set(key, GgufMetaValue::of_int(GgufType::kInt32, v)); }
  void set_u64(std::string_view key, uint64_t v) { set(key, GgufMetaValue::of_uint(GgufType::kUint64, v)); }
  void set_f32(std::string_view key, float v) { set(key, GgufMetaValue::of_float(GgufType::kFloat32, v)); }
  void set_bool(std::string_view key, bool v) { set(key, GgufMetaValue::of_uint(GgufType::kBool, v)); }
  void set_string(std::string_view key, std::string v) { set(key, GgufMetaValue::of_string(std::move(v))); }
  void remove(std::string_view key);
  const GgufMetaValue* find(std::string_view key) const;
  // Copies every key/value of a parsed file (strings copied), except keys for which
  // skip(key) is true.
  template <typename Skip>
  void copy_metadata(const GgufFile& file, Skip skip) {
    for (const GgufKv& kv : file.metadata()) {
      if (!skip(kv.key)) set(kv.key, GgufMetaValue::from(kv.value));
    }
  }

  // Declares a tensor; kInvalidArgument for a duplicate name, no dims, more than 4 dims,
  // a zero dim, or a row length that is not whole blocks of the type. Only before open().
  Status add_tensor(std::string name, DType type, std::vector<uint64_t> dims);
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  // Bytes of everything up to the data section, and of the whole file.
  uint64_t header_bytes() const;
  uint64_t total_bytes() const;

  // Creates "<path>.partial" and writes the header and tensor table.
  Status open(const std::string& path);
  // Appends bytes of the current tensor (the first one not yet complete); a tensor's
  // padding is written once its bytes are complete. kInvalidArgument when more bytes
  // come than the remaining tensors hold.
  Status write(std::span<const uint8_t> bytes);
  Status write(const void* data, size_t n) { return write({static_cast<const uint8_t*>(data), n}); }
  // The index of the tensor the next write() belongs to (tensors().size() when all done).
  size_t current_tensor() const { return current_; }
  // Checks every tensor is complete, flushes, closes and renames the partial file.
  Status finish();

 private:
  Status put(const void* data, size_t n);  // buffered write to the file
  Status flush();
  Status fail(Status status);              // closes and removes the partial file
  void layout();  // tensor offsets and data size from the alignment

  std::vector<std::pair<std::string, GgufMetaValue>> kvs_;
  std::vector<GgufTensorInfo> tensors_;
  uint64_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_bytes_ = 0;  // data section size so far (tensors padded)

  std::string path_, partial_path_;
  int fd_ = -1;
  bool finished_ = false;
  std::vector<uint8_t> buf_;
  size_t current_ = 0;            // tensor being written
  uint64_t current_written_ = 0;  // bytes of it written so far
};

}  // namespace herd
