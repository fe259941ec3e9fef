// Parsing a GGUF file: header, metadata, tensor infos, and placing tensor data.
//
// Choices where the spec leaves room (all errors are kCorruptFile):
// - Versions 2 and 3 are read; version 1 (32-bit counts) and big-endian files are refused.
// - `general.alignment` must be a u32 (as the spec says) holding a nonzero power of two.
// - A tensor has 1..4 dims and every dim is > 0: ggml allows a 0 dim, but such a tensor
//   holds no data, no writer emits one, and n_rows() would divide by it.
// - Tensor names and keys must be non-empty and unique; their bytes need not be UTF-8.
// - Tensor data may be in any order but must lie inside the file, and no two tensors may
//   share bytes (llama.cpp's reader requires them back to back; a shared range is a
//   corrupt or crafted file whose weights alias). Gaps and bytes after the last tensor
//   are allowed.
// - A file without tensors may end before the padding after its header (llama.cpp's vocab
//   files do); its data offset is then the file size.
#include <algorithm>
#include <exception>
#include <new>
#include <string>

#include "base/checked_math.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_reader_cursor.h"
#include "gguf/gguf_text.h"
#include "gguf/gguf_value_reader.h"

namespace herd {
namespace {

constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
// Fewest bytes one KV can take: key length, a 1-byte key, value type, a 1-byte value.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
// Fewest bytes one tensor info can take: name length, a 1-byte name, n_dims, one dim,
// type, offset.
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

std::string at_offset(uint64_t offset) { return " at offset " + std::to_string(offset); }

std::string key_context(std::string_view key) { return "metadata key " + gguf_quote(key); }

std::string tensor_context(std::string_view name) { return "tensor " + gguf_quote(name); }

Status check_header(GgufCursor& cur, uint32_t& version) {
  std::span<const uint8_t> magic;
  if (cur.size() < sizeof(kMagic)) {
    return corrupt_file("file of " + std::to_string(cur.size()) +
                        " bytes is too small to hold the GGUF magic");
  }
  HERD_RETURN_IF_ERROR(cur.read_bytes(sizeof(kMagic), magic, "magic"));
  if (!std::equal(magic.begin(), magic.end(), kMagic)) {
    const std::string_view got(reinterpret_cast<const char*>(magic.data()), magic.size());
    return corrupt_file("bad magic " + gguf_quote(got) + " (a GGUF file starts with \"GGUF\")");
  }
  HERD_RETURN_IF_ERROR(cur.read_u32(version, "version"));
  if (version == 2 || version == 3) return Status::ok_status();
  if (version == 1) {
    return corrupt_file("GGUF version 1 is not supported (it predates 64-bit counts); "
                        "herd reads versions 2 and 3");
  }
  if ((version & 0xFFFF) == 0 && (version >> 24) >= 1 && (version >> 24) <= 3) {
    return corrupt_file("GGUF version field " + std::to_string(version) +
                        " looks like a big-endian file; herd reads little-endian GGUF only");
  }
  return corrupt_file("unsupported GGUF version " + std::to_string(version) +
                      "; herd reads versions 2 and 3");
}

}  // namespace

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.status();
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->file_ = std::move(mapped).value();
  file->bytes_ = file->file_.bytes();
  const Status s = file->parse_guarded();
  if (!s.ok()) return s.with_context(path);
  return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::parse(std::span<const uint8_t> bytes) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->bytes_ = bytes;
  const Status s = file->parse_guarded();
  if (!s.ok()) return s;
  return file;
}

Status GgufFile::parse_guarded() {
  // Counts are checked against the file before anything is reserved; this keeps a real
  // shortage of memory (or a throw that slipped through) a Status, never an exception.
  try {
    return parse_all();
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory while parsing metadata");
  } catch (const std::exception& e) {
    return internal_error(std::string("parsing failed: ") + e.what());
  }
}

Status GgufFile::parse_all() {
  GgufCursor cur(bytes_);
  HERD_RETURN_IF_ERROR(check_header(cur, version_));
  uint64_t n_tensors = 0;
  uint64_t n_kv = 0;
  HERD_RETURN_IF_ERROR(cur.read_u64(n_tensors, "tensor count"));
  HERD_RETURN_IF_ERROR(cur.read_u64(n_kv, "metadata kv count"));
  // Cheap early checks, so a huge count fails before anything is read.
  HERD_RETURN_IF_ERROR(cur.check_count(n_kv, kMinKvBytes, "metadata kv count"));
  HERD_RETURN_IF_ERROR(cur.check_count(n_tensors, kMinTensorInfoBytes, "tensor count"));
  HERD_RETURN_IF_ERROR(read_metadata(cur, n_kv));
  HERD_RETURN_IF_ERROR(read_alignment());
  HERD_RETURN_IF_ERROR(read_tensor_infos(cur, n_tensors));
  return place_tensors(cur.offset());
}

Status GgufFile::read_metadata(GgufCursor& cur, uint64_t n_kv) {
  GgufArrayBudget budget;
  kvs_.reserve(n_kv);
  kv_index_.reserve(n_kv);
  for (uint64_t k = 0; k < n_kv; ++k) {
    const uint64_t kv_start = cur.offset();
    GgufKv& kv = kvs_.emplace_back();
    Status s = cur.read_string(kv.key, "key");
    if (!s.ok()) return s.with_context("metadata kv #" + std::to_string(k));
    if (kv.key.empty()) {
      return corrupt_file("metadata kv #" + std::to_string(k) + at_offset(kv_start) +
                          " has an empty key");
    }
    if (!kv_index_.emplace(kv.key, k).second) {
      return corrupt_file("duplicate " + key_context(kv.key) + " (kv #" + std::to_string(k) +
                          at_offset(kv_start) + ")");
    }
    s = read_gguf_type(cur, kv.value.type, "value type");
    if (s.ok()) s = read_gguf_value(cur, kv.value.type, 0, budget, kv.value);
    if (!s.ok()) return s.with_context(key_context(kv.key));
  }
  return Status::ok_status();
}

Status GgufFile::read_alignment() {
  const GgufValue* v = find("general.alignment");
  if (v == nullptr) return Status::ok_status();
  if (v->type != GgufType::kUint32) {
    return corrupt_file("metadata key \"general.alignment\" has type " +
                        std::string(gguf_type_name(v->type)) + "; the spec requires u32");
  }
  if (v->u == 0 || (v->u & (v->u - 1)) != 0) {
    return corrupt_file("general.alignment " + std::to_string(v->u) +
                        " is not a nonzero power of two");
  }
  alignment_ = v->u;
  return Status::ok_status();
}

Status GgufFile::read_tensor_infos(GgufCursor& cur, uint64_t n_tensors) {
  HERD_RETURN_IF_ERROR(cur.check_count(n_tensors, kMinTensorInfoBytes, "tensor count"));
  tensors_.reserve(n_tensors);
  tensor_index_.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; ++k) {
    const uint64_t info_start = cur.offset();
    GgufTensor& t = tensors_.emplace_back();
    Status s = cur.read_string(t.name, "name");
    if (!s.ok()) return s.with_context("tensor info #" + std::to_string(k));
    if (t.name.empty()) {
      return corrupt_file("tensor info #" + std::to_string(k) + at_offset(info_start) +
                          " has an empty name");
    }
    if (!tensor_index_.emplace(t.name, k).second) {
      return corrupt_file("duplicate " + tensor_context(t.name) + " (tensor info #" +
                          std::to_string(k) + at_offset(info_start) + ")");
    }
    const std::string ctx = tensor_context(t.name);

    uint32_t n_dims = 0;
    HERD_RETURN_IF_ERROR(cur.read_u32(n_dims, "n_dims").with_context(ctx));
    if (n_dims == 0 || n_dims > kGgufMaxDims) {
      return corrupt_file(ctx + ": n_dims " + std::to_string(n_dims) + " is outside 1.." +
                          std::to_string(kGgufMaxDims));
    }
    t.dims.resize(n_dims);
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      HERD_RETURN_IF_ERROR(cur.read_u64(t.dims[d], "dim").with_context(ctx));
      if (t.dims[d] == 0) {
        return corrupt_file(ctx + ": dim " + std::to_string(d) + " is 0");
      }
      auto product = checked_mul(n_elements, t.dims[d]);
      if (!product) {
        std::string dims;
        for (uint32_t j = 0; j <= d; ++j) dims += (j ? ", " : "") + std::to_string(t.dims[j]);
        return corrupt_file(ctx + ": element count of dims [" + dims + "] overflows 64 bits");
      }
      n_elements = *product;
    }
    t.n_elements = n_elements;

    const uint64_t type_at = cur.offset();
    uint32_t type_id = 0;
    HERD_RETURN_IF_ERROR(cur.read_u32(type_id, "type").with_context(ctx));
    const auto info = dtype_info(type_id);
    if (!info) {
      return corrupt_file(ctx + ": unknown tensor type id " + std::to_string(type_id) +
                          at_offset(type_at));
    }
    t.type = info->type;
    if (t.dims[0] % info->block_size != 0) {
      return corrupt_file(ctx + ": row length dims[0] " + std::to_string(t.dims[0]) +
                          " is not a multiple of the " + std::string(info->name) +
                          " block size " + std::to_string(info->block_size));
    }
    const auto row_bytes = dtype_row_bytes(t.type, t.dims[0]);
    const auto n_bytes = row_bytes ? checked_mul(*row_bytes, n_elements / t.dims[0])
                                   : std::optional<uint64_t>();
    if (!n_bytes) {
      return corrupt_file(ctx + ": byte size of " + std::to_string(n_elements) + " " +
                          std::string(info->name) + " elements overflows 64 bits");
    }
    t.n_bytes = *n_bytes;

    HERD_RETURN_IF_ERROR(cur.read_u64(t.offset, "offset").with_context(ctx));
    if (t.offset % alignment_ != 0) {
      return corrupt_file(ctx + ": offset " + std::to_string(t.offset) +
                          " is not a multiple of the alignment " + std::to_string(alignment_));
    }
  }
  return Status::ok_status();
}

Status GgufFile::place_tensors(uint64_t header_end) {
  const uint64_t size = bytes_.size();
  const auto aligned = checked_align_up(header_end, alignment_);
  if (tensors_.empty()) {
    data_offset_ = (aligned && *aligned <= size) ? *aligned : size;
    return Status::ok_status();
  }
  if (!aligned || *aligned > size) {
    return corrupt_file("tensor data would start at offset " +
                        (aligned ? std::to_string(*aligned) : std::string("past 2^64")) +
                        " (header end " + std::to_string(header_end) + " aligned to " +
                        std::to_string(alignment_) + "), past end of file (size " +
                        std::to_string(size) + ")");
  }
  data_offset_ = *aligned;
  for (GgufTensor& t : tensors_) {
    const auto begin = checked_add(data_offset_, t.offset);
    const auto end = begin ? checked_add(*begin, t.n_bytes) : std::nullopt;
    if (!end || *end > size) {
      return corrupt_file(tensor_context(t.name) + ": data [" +
                          (begin ? std::to_string(*begin) : "overflow") + ", " +
                          (end ? std::to_string(*end) : "overflow") +
                          ") ends past end of file (size " + std::to_string(size) + ")");
    }
    t.data = bytes_.data() + *begin;
  }
  return check_no_overlap();
}

Status GgufFile::check_no_overlap() const {
  std::vector<const GgufTensor*> order;
  order.reserve(tensors_.size());
  for (const GgufTensor& t : tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const GgufTensor* a, const GgufTensor* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->name < b->name;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const GgufTensor& prev = *order[i - 1];
    const GgufTensor& t = *order[i];
    if (t.offset < prev.offset + prev.n_bytes) {
      return corrupt_file(tensor_context(t.name) + ": data [" + std::to_string(t.offset) + ", " +
                          std::to_string(t.offset + t.n_bytes) + ") overlaps " + tensor_context(prev.name) +
                          " at [" + std::to_string(prev.offset) + ", " + std::to_string(prev.offset + prev.n_bytes) +
                          ") (offsets in the data section)");
    }
  }
  return Status::ok_status();
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].value;
}

const GgufTensor* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace herd
