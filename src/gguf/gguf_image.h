// A parsed GGUF as editable values and back to bytes: its metadata, its tensor table
// (type, dims and offset as stored, any of which may be edited to nonsense) and a view of
// its data section. Tests and the model fuzzer use it to corrupt one field of a real file
// without rewriting tensor data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace herd {

struct GgufImage {
  std::vector<std::pair<std::string, GgufMetaValue>> kvs;
  std::vector<GgufTensorInfo> tensors;  // offsets relative to the data section
  std::span<const uint8_t> data;        // the data section; a view into the source file

  // Copies metadata and the tensor table; `data` points into `file`, which must outlive
  // the image.
  static GgufImage from(const GgufFile& file);

  GgufMetaValue* find(std::string_view key);
  void set(std::string_view key, GgufMetaValue value);  // replaces in place, else appends
  bool remove(std::string_view key);
  GgufTensorInfo* find_tensor(std::string_view name);

  // The file: header, zeros up to the alignment (general.alignment when it is a valid
  // u32 of at most 64 KiB, else 32), then the data section.
  std::vector<uint8_t> bytes() const;
};

}  // namespace herd
