// libFuzzer target for the GGUF reader: parse arbitrary bytes, then touch everything a
// consumer would (describe, every typed getter on every key, every tensor's bytes).
// Beyond the sanitizers, it traps when an invariant of a parsed file does not hold.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "gguf/gguf_file.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void use_getters(const herd::GgufFile& f, std::string_view key) {
  using herd::GgufType;
  (void)f.get_int(key);
  (void)f.get_float(key);
  (void)f.get_bool(key);
  (void)f.get_string(key);
  (void)f.get_int_or(key, 0);
  (void)f.get_float_or(key, 0.0);
  (void)f.get_bool_or(key, false);
  for (uint32_t t = 0; t <= static_cast<uint32_t>(GgufType::kFloat64); ++t) {
    auto a = f.get_array(key, static_cast<GgufType>(t));
    if (a.ok()) check((*a)->type == GgufType::kArray);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto r = herd::GgufFile::parse(bytes);
  if (!r.ok()) {
    const herd::Status& s = r.status();
    check(s.code() == herd::StatusCode::kCorruptFile ||
          s.code() == herd::StatusCode::kResourceExhausted);
    check(!s.message().empty());
    return 0;
  }
  const herd::GgufFile& f = **r;
  check(f.version() == 2 || f.version() == 3);
  check(f.alignment() != 0 && (f.alignment() & (f.alignment() - 1)) == 0);
  check(f.data_offset() <= size);

  const std::string text = herd::describe_gguf(f);
  check(!text.empty());

  for (const herd::GgufKv& kv : f.metadata()) {
    check(!kv.key.empty());
    check(f.find(kv.key) == &kv.value);
    use_getters(f, kv.key);
  }
  use_getters(f, "no such key");

  volatile uint8_t sink = 0;
  for (const herd::GgufTensor& t : f.tensors()) {
    check(f.find_tensor(t.name) == &t);
    check(!t.dims.empty() && t.dims.size() <= herd::kGgufMaxDims);
    check(t.n_rows() * t.dims[0] == t.n_elements);
    check(t.data >= data && t.n_bytes <= size && t.data - data <= static_cast<ptrdiff_t>(size - t.n_bytes));
    // First and last byte: ASan reports a read outside the input.
    sink = sink + t.data[0] + t.data[t.n_bytes - 1];
  }
  (void)sink;
  return 0;
}
