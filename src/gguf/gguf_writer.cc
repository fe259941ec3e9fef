// GGUF v3 serialization. Everything is little-endian (herd runs on little-endian hosts
// only, as the reader assumes too); the layout is the spec's: header, key/values,
// tensor infos, padding to the alignment, then each tensor's bytes padded to it.
#include "gguf/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace herd {
namespace {

constexpr uint32_t kGgufVersion = 3;
constexpr size_t kBufferBytes = 1 << 20;

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

template <typename T>
void put_le(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

void put_str(std::vector<uint8_t>& out, std::string_view s) {
  put_le<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_value(std::vector<uint8_t>& out, const GgufMetaValue& v) {
  switch (v.type) {
    case GgufType::kUint8: put_le<uint8_t>(out, static_cast<uint8_t>(v.u)); break;
    case GgufType::kInt8: put_le<int8_t>(out, static_cast<int8_t>(v.i)); break;
    case GgufType::kUint16: put_le<uint16_t>(out, static_cast<uint16_t>(v.u)); break;
    case GgufType::kInt16: put_le<int16_t>(out, static_cast<int16_t>(v.i)); break;
    case GgufType::kUint32: put_le<uint32_t>(out, static_cast<uint32_t>(v.u)); break;
    case GgufType::kInt32: put_le<int32_t>(out, static_cast<int32_t>(v.i)); break;
    case GgufType::kFloat32: put_le<float>(out, static_cast<float>(v.f)); break;
    case GgufType::kBool: put_le<uint8_t>(out, v.u ? 1 : 0); break;
    case GgufType::kString: put_str(out, v.str); break;
    case GgufType::kUint64: put_le<uint64_t>(out, v.u); break;
    case GgufType::kInt64: put_le<int64_t>(out, v.i); break;
    case GgufType::kFloat64: put_le<double>(out, v.f); break;
    case GgufType::kArray:
      put_le<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
      put_le<uint64_t>(out, v.array.size());
      for (const GgufMetaValue& e : v.array) put_value(out, e);
      break;
  }
}

// ENOSPC and EDQUOT mean the disk is full; anything else the OS refused.
Status os_error(const std::string& what, int err) {
  const std::string m = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) return resource_exhausted(m);
  return io_error(m);
}

}  // namespace

GgufMetaValue GgufMetaValue::from(const GgufValue& v) {
  GgufMetaValue out;
  out.type = v.type;
  out.u = v.u;
  out.i = v.i;
  out.f = v.f;
  out.str = std::string(v.str);
  out.elem_type = v.elem_type;
  out.array.reserve(v.array.size());
  for (const GgufValue& e : v.array) out.array.push_back(from(e));
  return out;
}

GgufMetaValue GgufMetaValue::of_uint(GgufType type, uint64_t v) {
  GgufMetaValue out;
  out.type = type;
  out.u = v;
  return out;
}

GgufMetaValue GgufMetaValue::of_int(GgufType type, int64_t v) {
  GgufMetaValue out;
  out.type = type;
  out.i = v;
  return out;
}

GgufMetaValue GgufMetaValue::of_float(GgufType type, double v) {
  GgufMetaValue out;
  out.type = type;
  out.f = v;
  return out;
}

GgufMetaValue GgufMetaValue::of_string(std::string v) {
  GgufMetaValue out;
  out.type = GgufType::kString;
  out.str = std::move(v);
  return out;
}

GgufMetaValue GgufMetaValue::of_array(GgufType elem_type, std::vector<GgufMetaValue> elems) {
  GgufMetaValue out;
  out.type = GgufType::kArray;
  out.elem_type = elem_type;
  out.array = std::move(elems);
  return out;
}

void append_gguf_header(std::vector<uint8_t>& out, std::span<const std::pair<std::string, GgufMetaValue>> kvs,
                        std::span<const GgufTensorInfo> tensors) {
  out.insert(out.end(), {'G', 'G', 'U', 'F'});
  put_le<uint32_t>(out, kGgufVersion);
  put_le<uint64_t>(out, tensors.size());
  put_le<uint64_t>(out, kvs.size());
  for (const auto& [k, v] : kvs) {
    put_str(out, k);
    put_le<uint32_t>(out, static_cast<uint32_t>(v.type));
    put_value(out, v);
  }
  for (const GgufTensorInfo& t : tensors) {
    put_str(out, t.name);
    put_le<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) put_le<uint64_t>(out, d);
    put_le<uint32_t>(out, static_cast<uint32_t>(t.type));
    put_le<uint64_t>(out, t.offset);
  }
}

GgufWriter::~GgufWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!partial_path_.empty() && !finished_) ::unlink(partial_path_.c_str());
}

void GgufWriter::set(std::string_view key, GgufMetaValue value) {
  if (key == "general.alignment" && value.type == GgufType::kUint32 && value.u != 0 &&
      (value.u & (value.u - 1)) == 0) {
    alignment_ = value.u;
  }
  for (auto& [k, v] : kvs_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  kvs_.emplace_back(std::string(key), std::move(value));
}

void GgufWriter::remove(std::string_view key) {
  for (auto it = kvs_.begin(); it != kvs_.end(); ++it) {
    if (it->first == key) {
      kvs_.erase(it);
      if (key == "general.alignment") alignment_ = kGgufDefaultAlignment;
      return;
    }
  }
}

const GgufMetaValue* GgufWriter::find(std::string_view key) const {
  for (const auto& [k, v] : kvs_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Status GgufWriter::add_tensor(std::string name, DType type, std::vector<uint64_t> dims) {
  if (fd_ >= 0 || finished_) return invalid_argument("add_tensor after open: " + name);
  for (const GgufTensorInfo& t : tensors_) {
    if (t.name == name) return invalid_argument("duplicate tensor name " + name);
  }
  if (dims.empty() || dims.size() > kGgufMaxDims) {
    return invalid_argument("tensor " + name + " has " + std::to_string(dims.size()) + " dims");
  }
  uint64_t n = 1;
  for (uint64_t d : dims) {
    if (d == 0 || n > UINT64_MAX / d) return invalid_argument("tensor " + name + " has a bad shape");
    n *= d;
  }
  if (!dtype_row_bytes(type, dims[0])) {
    return invalid_argument("tensor " + name + ": row length " + std::to_string(dims[0]) +
                            " is not whole blocks of " + std::string(dtype_name(type)));
  }
  std::optional<uint64_t> bytes = dtype_row_bytes(type, n);
  if (!bytes) return invalid_argument("tensor " + name + " is too large");
  GgufTensorInfo info;
  info.name = std::move(name);
  info.type = type;
  info.dims = std::move(dims);
  info.n_bytes = *bytes;
  tensors_.push_back(std::move(info));
  return Status();
}

void GgufWriter::layout() {
  data_bytes_ = 0;
  for (GgufTensorInfo& t : tensors_) {
    t.offset = data_bytes_;
    data_bytes_ = align_up(data_bytes_ + t.n_bytes, alignment_);
  }
}

uint64_t GgufWriter::header_bytes() const {
  std::vector<uint8_t> scratch;
  uint64_t n = 4 + 4 + 8 + 8;
  for (const auto& [k, v] : kvs_) {
    scratch.clear();
    put_str(scratch, k);
    put_le<uint32_t>(scratch, 0);
    put_value(scratch, v);
    n += scratch.size();
  }
  for (const GgufTensorInfo& t : tensors_) n += 8 + t.name.size() + 4 + 8 * t.dims.size() + 4 + 8;
  return tensors_.empty() ? n : align_up(n, alignment_);
}

uint64_t GgufWriter::total_bytes() const {
  uint64_t data = 0;
  for (const GgufTensorInfo& t : tensors_) data = align_up(data + t.n_bytes, alignment_);
  return header_bytes() + data;
}

Status GgufWriter::open(const std::string& path) {
  if (fd_ >= 0 || finished_ || !partial_path_.empty()) return invalid_argument("GgufWriter::open called twice");
  path_ = path;
  partial_path_ = path + ".partial";
  fd_ = ::open(partial_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    partial_path_.clear();  // nothing of ours to remove
    return os_error("creating " + path + ".partial", err);
  }
  layout();
  buf_.reserve(kBufferBytes);

  std::vector<uint8_t> head;
  append_gguf_header(head, kvs_, tensors_);
  // A file without tensors has no data section, and so no padding (as gguf-py writes it).
  if (!tensors_.empty()) head.resize(align_up(head.size(), alignment_), 0);
  current_ = 0;
  current_written_ = 0;
  HERD_RETURN_IF_ERROR(put(head.data(), head.size()));
  // Zero-byte tensors cannot occur (no zero dims), so current_ points at real data.
  return Status();
}

Status GgufWriter::write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return invalid_argument("GgufWriter::write before open or after an error");
  while (!bytes.empty()) {
    if (current_ >= tensors_.size()) return fail(invalid_argument("more tensor bytes than the tensors hold"));
    const GgufTensorInfo& t = tensors_[current_];
    const uint64_t take = std::min<uint64_t>(bytes.size(), t.n_bytes - current_written_);
    HERD_RETURN_IF_ERROR(put(bytes.data(), take));
    bytes = bytes.subspan(take);
    current_written_ += take;
    if (current_written_ == t.n_bytes) {
      static const uint8_t kZeros[64] = {};
      uint64_t pad = align_up(t.offset + t.n_bytes, alignment_) - (t.offset + t.n_bytes);
      while (pad > 0) {
        const uint64_t n = std::min<uint64_t>(pad, sizeof(kZeros));
        HERD_RETURN_IF_ERROR(put(kZeros, n));
        pad -= n;
      }
      ++current_;
      current_written_ = 0;
    }
  }
  return Status();
}

Status GgufWriter::put(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (buf_.size() + n > kBufferBytes) HERD_RETURN_IF_ERROR(flush());
  if (n >= kBufferBytes) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return fail(os_error("writing " + partial_path_, w < 0 ? errno : ENOSPC));
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status();
  }
  buf_.insert(buf_.end(), p, p + n);
  return Status();
}

Status GgufWriter::flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    const ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return fail(os_error("writing " + partial_path_, w < 0 ? errno : ENOSPC));
    done += static_cast<size_t>(w);
  }
  buf_.clear();
  return Status();
}

Status GgufWriter::fail(Status status) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!partial_path_.empty()) ::unlink(partial_path_.c_str());
  buf_.clear();
  return status;
}

Status GgufWriter::finish() {
  if (fd_ < 0) return invalid_argument("GgufWriter::finish before open or after an error");
  if (current_ < tensors_.size()) {
    return fail(invalid_argument("tensor " + tensors_[current_].name + " has " + std::to_string(current_written_) +
                                 " of its " + std::to_string(tensors_[current_].n_bytes) + " bytes"));
  }
  HERD_RETURN_IF_ERROR(flush());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    return fail(os_error("closing " + partial_path_, err));
  }
  if (::rename(partial_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    return fail(os_error("renaming " + partial_path_ + " to " + path_, err));
  }
  finished_ = true;
  return Status();
}

}  // namespace herd
