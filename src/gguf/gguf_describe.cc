// describe_gguf: the text `herd inspect` prints for a GGUF file.
#include <algorithm>
#include <charconv>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/gguf_text.h"

namespace herd {
namespace {

constexpr size_t kMaxStringBytes = 200;      // a top-level string value
constexpr size_t kMaxElementStringBytes = 40;  // a string inside an array
constexpr size_t kMaxNameBytes = 64;         // keys and tensor names in the tables
constexpr size_t kPreviewStrings = 3;
constexpr size_t kPreviewNumbers = 8;
constexpr size_t kPreviewNested = 3;

template <typename F>
std::string float_text(F x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, r.ptr);
}

std::string scalar_text(const GgufValue& v, size_t max_string_bytes) {
  switch (v.type) {
    case GgufType::kUint8:
    case GgufType::kUint16:
    case GgufType::kUint32:
    case GgufType::kUint64:
      return std::to_string(v.u);
    case GgufType::kInt8:
    case GgufType::kInt16:
    case GgufType::kInt32:
    case GgufType::kInt64:
      return std::to_string(v.i);
    case GgufType::kFloat32:
      return float_text(static_cast<float>(v.f));
    case GgufType::kFloat64:
      return float_text(v.f);
    case GgufType::kBool:
      return v.u ? "true" : "false";
    case GgufType::kString:
      return gguf_quote(v.str, max_string_bytes);
    case GgufType::kArray:
      break;
  }
  return "?";
}

// "strings", "arrays", "bools"; numeric type names stay as they are ("512 u32").
std::string plural_type_name(GgufType type) {
  switch (type) {
    case GgufType::kString: return "strings";
    case GgufType::kArray: return "arrays";
    case GgufType::kBool: return "bools";
    default: return std::string(gguf_type_name(type));
  }
}

size_t preview_count(const GgufValue& array, bool nested) {
  if (nested) return kPreviewNested;
  switch (array.elem_type) {
    case GgufType::kString: return kPreviewStrings;
    case GgufType::kArray: return kPreviewNested;
    default: return kPreviewNumbers;
  }
}

std::string value_text(const GgufValue& v, bool nested);

// Top level: `[512 strings] "<unk>", "<s>", "</s>", ...`.
// Inside an array: `[3 u32: 1, 2, 3]`.
std::string array_text(const GgufValue& v, bool nested) {
  std::string out = "[" + std::to_string(v.array.size()) + " " + plural_type_name(v.elem_type);
  out += nested ? (v.array.empty() ? "" : ": ") : "]";
  const size_t shown = std::min(v.array.size(), preview_count(v, nested));
  if (!nested && shown > 0) out += ' ';
  for (size_t k = 0; k < shown; ++k) {
    if (k > 0) out += ", ";
    out += value_text(v.array[k], true);
  }
  if (shown < v.array.size()) out += ", ...";
  if (nested) out += "]";
  return out;
}

std::string value_text(const GgufValue& v, bool nested) {
  if (v.type == GgufType::kArray) return array_text(v, nested);
  return scalar_text(v, nested ? kMaxElementStringBytes : kMaxStringBytes);
}

void append_padded(std::string& out, const std::string& s, size_t width) {
  out += s;
  if (s.size() < width) out.append(width - s.size(), ' ');
}

std::string shape_text(const GgufTensor& t) {
  std::string out = "[";
  for (size_t d = 0; d < t.dims.size(); ++d) {
    if (d > 0) out += ", ";
    out += std::to_string(t.dims[d]);
  }
  return out + "]";
}

}  // namespace

std::string describe_gguf(const GgufFile& file) {
  std::string out;
  out += "GGUF version: " + std::to_string(file.version()) + "\n";
  out += "alignment:    " + std::to_string(file.alignment()) + "\n";
  out += "data offset:  " + std::to_string(file.data_offset()) + "\n";
  out += "file size:    " + std::to_string(file.file_size()) + "\n";

  const auto& kvs = file.metadata();
  out += "\nmetadata: " + std::to_string(kvs.size()) + " keys\n";
  std::vector<std::string> keys;
  keys.reserve(kvs.size());
  size_t key_width = 0;
  for (const GgufKv& kv : kvs) {
    keys.push_back(gguf_escape(kv.key, kMaxNameBytes));
    key_width = std::max(key_width, keys.back().size());
  }
  for (size_t k = 0; k < kvs.size(); ++k) {
    out += "  ";
    append_padded(out, keys[k], key_width + 2);
    append_padded(out, std::string(gguf_type_name(kvs[k].value.type)), 8);
    out += value_text(kvs[k].value, false);
    out += '\n';
  }

  const auto& tensors = file.tensors();
  uint64_t total_bytes = 0;
  for (const GgufTensor& t : tensors) total_bytes += t.n_bytes;  // each lies inside the file
  out += "\ntensors: " + std::to_string(tensors.size()) + " (" + std::to_string(total_bytes) +
         " bytes)\n";
  if (tensors.empty()) return out;

  struct Row {
    std::string name, type, shape, offset, bytes;
  };
  std::vector<Row> rows;
  rows.reserve(tensors.size() + 1);
  rows.push_back({"name", "type", "shape", "offset", "bytes"});
  for (const GgufTensor& t : tensors) {
    rows.push_back({gguf_escape(t.name, kMaxNameBytes), std::string(dtype_name(t.type)),
                    shape_text(t), std::to_string(file.data_offset() + t.offset),
                    std::to_string(t.n_bytes)});
  }
  size_t w_name = 0, w_type = 0, w_shape = 0, w_offset = 0;
  for (const Row& r : rows) {
    w_name = std::max(w_name, r.name.size());
    w_type = std::max(w_type, r.type.size());
    w_shape = std::max(w_shape, r.shape.size());
    w_offset = std::max(w_offset, r.offset.size());
  }
  for (const Row& r : rows) {
    out += "  ";
    append_padded(out, r.name, w_name + 2);
    append_padded(out, r.type, w_type + 2);
    append_padded(out, r.shape, w_shape + 2);
    append_padded(out, r.offset, w_offset + 2);
    out += r.bytes;
    out += '\n';
  }
  return out;
}

}  // namespace herd
