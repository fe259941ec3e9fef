// libFuzzer target for the names a user or a registry hands the store: model names,
// digests, the quantization tag of a file name, and Herdfiles. A name that parses must
// come back from its full_name unchanged, and nothing in it may climb out of the store
// (no "..", no "/" inside a part), since parts become directory names. Any crash,
// sanitizer report or hang is a bug; a broken invariant traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/digest.h"
#include "store/herdfile.h"
#include "store/model_ref.h"
#include "store/quant_tag.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool safe_part(const std::string& part) {
  return !part.empty() && part != "." && part != ".." && part.find('/') == std::string::npos &&
         part.find('\0') == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herd::store;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  herd::Result<ModelRef> ref = ModelRef::parse(text);
  check(ref.ok() || ref.status().code() == herd::StatusCode::kInvalidArgument);
  if (ref.ok()) {
    check(safe_part(ref->ns) && safe_part(ref->model) && safe_part(ref->tag));
    check(valid_host(ref->host) && valid_name_part(ref->ns) && valid_name_part(ref->model) && valid_tag(ref->tag));
    // Both spellings read back as the same ref (this fuzzer once found a namespace with a
    // dot under the default host whose short name read back as a host).
    for (const std::string& written : {ref->full_name(), ref->short_name()}) {
      herd::Result<ModelRef> again = ModelRef::parse(written);
      check(again.ok() && again->host == ref->host && again->ns == ref->ns && again->model == ref->model &&
            again->tag == ref->tag);
    }
  }

  herd::Result<Digest> d = Digest::parse(text);
  if (d.ok()) check(d->to_string() == text);
  herd::Result<Digest> h = Digest::from_hex(text);
  if (h.ok()) check(h->hex() == text && h->file_name() == "sha256-" + std::string(text));

  if (std::optional<std::string> tag = quant_tag_of(text)) check(!tag->empty() && tag->size() <= text.size());

  herd::Result<Herdfile> f = Herdfile::parse(text);
  check(f.ok() || f.status().code() != herd::StatusCode::kInternal);
  if (f.ok()) check(f->params.is_object());
  return 0;
}
