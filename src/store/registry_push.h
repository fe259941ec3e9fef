// herd push: a model from the local store to a registry that speaks the Docker v2 upload
// protocol (another herd serve --push-key; Ollama pushes the same way). Each blob the
// remote lacks goes up in pieces (POST an upload, PATCH the pieces, PUT ?digest=), then
// the manifest (PUT, its bytes as stored here). The key travels only as a bearer token
// to the target's own host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/digest.h"
#include "store/model_ref.h"
#include "store/model_store.h"

namespace herd::store {

struct PushProgress {
  Digest digest;
  uint64_t size = 0;
  uint64_t sent = 0;     // bytes of this blob the remote has
  bool exists = false;   // the remote had it already: nothing sent
  bool done = false;     // the last event for this blob
};

struct PushParams {
  ModelRef source;  // in the local store
  ModelRef target;  // where to: scheme, host[:port], namespace, model, tag
  std::string key;  // bearer token; "" sends none
  // Bytes per PATCH; halved (to 64 KiB at least) when the remote says a piece is too large.
  size_t piece_bytes = 4u << 20;
  std::function<void(const PushProgress&)> on_progress;
};

// "http://host:port/ns/model:tag": like a model name, but the scheme and host must be
// written out, so a key is never sent to the default registry by accident.
Result<ModelRef> parse_push_target(std::string_view text);

// The manifest's digest on success. kNotFound: no such model (or a blob of it) here;
// a refusal by the registry (a wrong key: 401) is kInvalidArgument with its status and
// words; kUnavailable when the remote cannot be reached.
Result<Digest> push_model(const ModelStore& store, const PushParams& params);

}  // namespace herd::store
