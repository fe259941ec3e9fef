#include "gguf/gguf_image.h"

namespace herd {
namespace {

// A larger general.alignment is left to the reader to judge; the image pads to 32 then.
constexpr uint64_t kMaxPadding = 1 << 16;

}  // namespace

GgufImage GgufImage::from(const GgufFile& file) {
  GgufImage img;
  img.kvs.reserve(file.metadata().size());
  for (const GgufKv& kv : file.metadata()) img.kvs.emplace_back(std::string(kv.key), GgufMetaValue::from(kv.value));
  img.tensors.reserve(file.tensors().size());
  for (const GgufTensor& t : file.tensors()) {
    GgufTensorInfo info;
    info.name = std::string(t.name);
    info.type = t.type;
    info.dims = t.dims;
    info.n_bytes = t.n_bytes;
    info.offset = t.offset;
    img.tensors.push_back(std::move(info));
  }
  if (!file.tensors().empty()) {
    const uint8_t* base = file.tensors().front().data - file.tensors().front().offset;
    img.data = {base, static_cast<size_t>(file.file_size() - file.data_offset())};
  }
  return img;
}

GgufMetaValue* GgufImage::find(std::string_view key) {
  for (auto& [k, v] : kvs) {
    if (k == key) return &v;
  }
  return nullptr;
}

void GgufImage::set(std::string_view key, GgufMetaValue value) {
  if (GgufMetaValue* v = find(key)) {
    *v = std::move(value);
  } else {
    kvs.emplace_back(std::string(key), std::move(value));
  }
}

bool GgufImage::remove(std::string_view key) {
  for (auto it = kvs.begin(); it != kvs.end(); ++it) {
    if (it->first == key) {
      kvs.erase(it);
      return true;
    }
  }
  return false;
}

GgufTensorInfo* GgufImage::find_tensor(std::string_view name) {
  for (GgufTensorInfo& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<uint8_t> GgufImage::bytes() const {
  uint64_t alignment = kGgufDefaultAlignment;
  for (const auto& [k, v] : kvs) {
    if (k == "general.alignment" && v.type == GgufType::kUint32 && v.u != 0 && (v.u & (v.u - 1)) == 0 &&
        v.u <= kMaxPadding) {
      alignment = v.u;
    }
  }
  std::vector<uint8_t> out;
  append_gguf_header(out, kvs, tensors);
  if (!tensors.empty()) {
    out.resize((out.size() + alignment - 1) / alignment * alignment, 0);
    out.insert(out.end(), data.begin(), data.end());
  }
  return out;
}

}  // namespace herd
