// What herd serve's registry hands out from its store. A repository <ns>/<model> with a
// tag names the manifest stored under the default host (registry.ollama.ai, where herd
// also files what is pushed to it) or else under the first other host, in name order,
// that has it. A blob is served only when some manifest in the store names it, so no
// request can probe for other files.
#pragma once

#include <string>

#include "base/status.h"
#include "store/digest.h"
#include "store/model_ref.h"
#include "store/model_store.h"

namespace herd::server {

struct StoredManifest {
  store::ModelRef ref;
  std::string bytes;      // exactly as stored
  store::Digest digest;   // of `bytes`
};

// kNotFound when no host has it; the parts must already be valid.
Result<StoredManifest> find_stored_manifest(const store::ModelStore& store, const std::string& ns,
                                            const std::string& model, const std::string& tag);

// The ref a push of <ns>/<model>:<tag> is filed under.
store::ModelRef pushed_ref(const std::string& ns, const std::string& model, const std::string& tag);

bool is_served_blob(const store::ModelStore& store, const store::Digest& digest);

}  // namespace herd::server
