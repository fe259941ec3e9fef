#include "base/json_limits.h"

#include <string>

namespace herd {

Status check_json_shape(std::string_view text, const JsonLimits& limits) {
  int depth = 0;
  size_t values = 0, keys = 0, allocating = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        ++allocating;
        break;
      case '[':
      case '{':
        if (++depth > limits.max_depth) {
          return invalid_argument(std::string(limits.subject) + " is nested deeper than " + std::to_string(limits.max_depth) +
                                  " levels");
        }
        ++values;
        ++allocating;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
        ++values;
        break;
      case ':':
        if (++keys > limits.max_keys) {
          return invalid_argument(std::string(limits.subject) + " has more than " + std::to_string(limits.max_keys) +
                                  " object keys");
        }
        break;
      default:
        break;
    }
    if (allocating > limits.max_allocating) {
      return invalid_argument(std::string(limits.subject) + " has more than " + std::to_string(limits.max_allocating) +
                              " strings, arrays and objects");
    }
    if (values > limits.max_values) {
      return invalid_argument(std::string(limits.subject) + " has more than " + std::to_string(limits.max_values) + " values");
    }
  }
  return Status();
}

}  // namespace herd
