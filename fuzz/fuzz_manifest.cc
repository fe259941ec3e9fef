// libFuzzer target for the store's JSON parsers: manifests come from registries, config,
// messages and params blobs from registries and from the files of a store. Every input goes
// to all four. Any crash, sanitizer report or hang is a bug; beyond that it traps when an
// error escapes as kInternal (an exception reached a barrier) or when what parsed does not
// survive its own writer (to_json, then parse, gives the same text).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/manifest.h"
#include "store/model_store.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_error(const herd::Status& s) { check(s.ok() || s.code() != herd::StatusCode::kInternal); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herd::store;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  herd::Result<Manifest> m = Manifest::parse(text);
  check_error(m.status());
  if (m.ok()) {
    check(m->layers.size() <= kMaxLayers);
    const std::string written = m->to_json();
    herd::Result<Manifest> again = Manifest::parse(written);
    check(again.ok() && again->to_json() == written);
    check(m->total_size() >= m->config.size);
  }

  herd::Result<ModelConfig> c = ModelConfig::parse(text);
  check_error(c.status());
  if (c.ok()) {
    const std::string written = c->to_json();
    herd::Result<ModelConfig> again = ModelConfig::parse(written);
    check(again.ok() && again->to_json() == written);
  }

  check_error(parse_messages_layer(text).status());
  herd::Result<nlohmann::json> params = parse_params_layer(text);
  check_error(params.status());
  if (params.ok()) check(params->is_object());
  return 0;
}
