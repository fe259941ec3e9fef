#include "gateway/model_name.h"

#include <string>

#include "gateway/api_key.h"

namespace herd::gateway {

Status validate_model_name(std::string_view name, std::string_view what) {
  if (name.empty()) return invalid_argument(std::string(what) + ": empty model name");
  if (name.size() > kMaxModelNameLength) {
    return invalid_argument(std::string(what) + ": a model name is at most " + std::to_string(kMaxModelNameLength) +
                            " characters");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == ',') {
      return invalid_argument(std::string(what) + ": a model name has no spaces, control characters or commas");
    }
  }
  // A key pasted where a model goes would be stored and shown in plain text.
  if (looks_like_api_key(name)) return invalid_argument(std::string(what) + ": that looks like an API key");
  return Status();
}

}  // namespace herd::gateway
