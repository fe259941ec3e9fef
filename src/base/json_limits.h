// Bounds on untrusted JSON's shape (request bodies, registry manifests), checked by a cheap scan before the parser
// builds anything: nesting depth, values, object keys and allocating values. A body within them costs
// the parser at most a small constant times its size; one outside is refused (400)
// whatever fields it carries, known or not.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace herd {

struct JsonLimits {
  std::string_view subject = "the request body";  // how errors name the text
  int max_depth = 64;
  size_t max_values = size_t{1} << 21;  // array items and object members (token-id prompts are long)
  size_t max_keys = size_t{1} << 16;    // object members, which cost the most to build
  // Strings (keys included), arrays and objects: each costs the parser a heap block of
  // its own whatever its size in the body, so "" or [] would cost ~30x their bytes.
  // Numbers (token-id prompts) cost one node each and are bounded by max_values.
  size_t max_allocating = size_t{1} << 17;
};

// kInvalidArgument naming the limit when `text` is nested deeper or holds more than
// allowed. Does not validate the JSON otherwise: the parser does that.
Status check_json_shape(std::string_view text, const JsonLimits& limits = {});

// check_json_shape, then parse; the body must be a JSON object.
template <typename JsonT>
Result<JsonT> parse_json_object(std::string_view text, const JsonLimits& limits = {}) {
  HERD_RETURN_IF_ERROR(check_json_shape(text, limits));
  JsonT json = JsonT::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid_argument(std::string(limits.subject) + " is not valid JSON");
  if (!json.is_object()) return invalid_argument(std::string(limits.subject) + " must be a JSON object");
  return json;
}

}  // namespace herd
