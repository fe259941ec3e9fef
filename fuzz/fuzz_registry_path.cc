// libFuzzer target for what `herd serve`'s registry takes from a request line before any
// file is touched: the /v2/ path, the query's values and the Range header. Byte 0 selects
// what the rest is (bit 0: a path and a query split at the first '?'; bit 1: a Range
// header); bytes 1-8 are also a resource size for the range. Any crash, sanitizer report
// or hang is a bug; it traps when an accepted path holds a part that could leave the store
// or a chosen range leaves the resource.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

#include "http/byte_range.h"
#include "server/registry_path.h"
#include "store/model_ref.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void fuzz_path(std::string_view text) {
  using herd::server::RegistryPath;
  const size_t q = text.find('?');
  const std::string_view path = text.substr(0, q);
  const auto parsed = herd::server::parse_registry_path(path);
  if (const auto* p = std::get_if<RegistryPath>(&parsed)) {
    if (p->kind != RegistryPath::Kind::kRoot) {
      check(herd::store::valid_name_part(p->ns) && herd::store::valid_name_part(p->model));
    }
    if (p->kind == RegistryPath::Kind::kManifest) check(herd::store::valid_tag(p->tag));
    if (p->kind == RegistryPath::Kind::kBlob) check(p->digest.has_value());
    if (p->kind == RegistryPath::Kind::kUpload) check(herd::server::valid_upload_id(p->upload_id));
  } else {
    const auto& e = std::get<herd::server::RegistryError>(parsed);
    check(e.status >= 400 && e.status < 600 && !e.code.empty());
    check(!herd::server::registry_error_body(e).empty());
  }
  if (q != std::string_view::npos) {
    const std::string_view query = text.substr(q + 1);
    for (std::string_view name : {"digest", "n", "last"}) {
      if (auto v = herd::server::query_value(query, name)) check(v->size() <= query.size());
    }
  }
}

void fuzz_range(std::string_view header, uint64_t size) {
  using herd::http::RangeChoice;
  const RangeChoice c = herd::http::choose_byte_range(header, size);
  if (c.kind == RangeChoice::Kind::kPartial) {
    check(c.range.length > 0 && c.range.first < size && c.range.length <= size - c.range.first);
    check(!herd::http::content_range(c.range, size).empty());
  }
  if (c.kind == RangeChoice::Kind::kUnsatisfiable) check(!herd::http::unsatisfiable_content_range(size).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  uint64_t resource = 0;
  std::memcpy(&resource, data + 1, std::min<size_t>(8, size - 1));
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((mode & 1) == 0) fuzz_path(text);
  if ((mode & 2) != 0) {
    // The size from bytes 1-8; the header after them when there are more, else all of it.
    fuzz_range(text.size() > 8 ? text.substr(8) : text, (mode & 4) != 0 ? resource : resource % 4096);
  }
  return 0;
}
