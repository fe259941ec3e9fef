// JSON in and out: the render context becomes template values (keeping key order and
// int vs float), and `tojson` writes values the way Python's json.dumps does.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chat/value.h"

namespace herd::chat {

// Throws TemplateException when nested deeper than `max_depth`.
Value value_from_json(const nlohmann::ordered_json& j, int max_depth = 256);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // null: one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// json.dumps(v, ...); throws TemplateException for values JSON cannot hold.
std::string json_dumps(const Value& v, const JsonDumpOptions& options);

}  // namespace herd::chat
