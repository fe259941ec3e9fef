#include "grammar/json_schema_refs.h"

#include <charconv>

namespace herd::grammar {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One reference token: %XX first (the fragment is a URI part), then ~1 -> '/' and ~0 -> '~'.
Result<std::string> decode_token(std::string_view raw) {
  std::string unpercent;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%') {
      int hi = i + 2 < raw.size() ? hex_digit(raw[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(raw[i + 2]) : -1;
      if (lo < 0) return invalid_argument("a bad %-escape");
      unpercent += char(hi * 16 + lo);
      i += 2;
    } else {
      unpercent += raw[i];
    }
  }
  std::string out;
  for (size_t i = 0; i < unpercent.size(); ++i) {
    if (unpercent[i] != '~') {
      out += unpercent[i];
    } else if (i + 1 < unpercent.size() && (unpercent[i + 1] == '0' || unpercent[i + 1] == '1')) {
      out += unpercent[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      return invalid_argument("a '~' not followed by 0 or 1");
    }
  }
  return out;
}

}  // namespace

Result<const nlohmann::ordered_json*> resolve_schema_ref(const nlohmann::ordered_json& root, std::string_view ref) {
  auto fail = [&](const std::string& why) {
    return invalid_argument("$ref '" + std::string(ref) + "': " + why);
  };
  if (ref.empty() || ref[0] != '#') return fail("only references inside the schema (\"#...\") are supported");
  std::string_view rest = ref.substr(1);
  if (!rest.empty() && rest[0] != '/') return fail("anchors are not supported, only JSON pointers (\"#/$defs/name\")");
  const nlohmann::ordered_json* node = &root;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    size_t end = rest.find('/');
    std::string_view raw = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    Result<std::string> token = decode_token(raw);
    if (!token.ok()) return fail(token.status().message());
    if (node->is_object()) {
      auto it = node->find(*token);
      if (it == node->end()) return fail("no '" + *token + "' there");
      node = &*it;
    } else if (node->is_array()) {
      size_t index = 0;
      const std::string& t = *token;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), index);
      if (ec != std::errc() || p != t.data() + t.size() || t.empty() || index >= node->size()) {
        return fail("no item '" + t + "' there");
      }
      node = &(*node)[index];
    } else {
      return fail("it leads into a value that is not an object or array");
    }
  }
  return node;
}

std::string json_pointer_append(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out += '/';
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace herd::grammar
