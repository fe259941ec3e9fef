#include "gateway/model_name.h"

#include <string>

#include "gateway/api_key.h"
#include "gateway/sql_values.h"

namespace herd::gateway {

Status validate_model_name(std::string_view name, std::string_view what) {
  if (Status s = validate_model_name(name); !s.ok()) return s.with_context(std::string(what));
  if (name.find(' ') != std::string_view::npos) {
    return invalid_argument(std::string(what) + ": a model name has no spaces");
  }
  if (looks_like_api_key(name)) return invalid_argument(std::string(what) + ": that looks like an API key");
  return Status();
}

}  // namespace herd::gateway
