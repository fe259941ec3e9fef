// What the store records about a GGUF in a manifest's config blob, read with the engine.
#pragma once

#include <string>

#include "store/manifest.h"

namespace herd::cli {

// Family (general.architecture), file type ("Q4_K_M") and size ("1.1B"); empty fields when
// the file does not load.
store::ModelConfig describe_model_file(const std::string& path);

}  // namespace herd::cli
