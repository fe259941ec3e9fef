// Bringing a local file into the store as a verified blob: copied (hashed as it streams), or
// hard-linked when it already lives in another content-addressed store (Ollama's blobs, the
// Hugging Face cache), where nobody edits files in place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/digest.h"
#include "store/store_layout.h"

namespace herd::store {

struct ImportedBlob {
  Digest digest;
  uint64_t size = 0;
  bool linked = false;   // a hard link (no bytes copied)
  bool existed = false;  // the store had it already
};

enum class ImportMode { kCopy, kLinkOrCopy };

// `expected`: the digest the file must have (a mismatch is kCorruptFile and leaves nothing);
// nullopt: whatever it hashes to. `on_bytes` is told the bytes hashed so far.
Result<ImportedBlob> import_blob_file(const StoreLayout& layout, const std::string& path,
                                      const std::optional<Digest>& expected, ImportMode mode,
                                      const std::function<void(uint64_t done, uint64_t total)>& on_bytes = {});

}  // namespace herd::store
