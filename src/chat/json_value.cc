#include "chat/json_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace herd::chat {

Value value_from_json(const nlohmann::ordered_json& j, int max_depth) {
  if (max_depth < 0) throw_limit("context JSON nested too deeply");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value::floating(static_cast<double>(u));
      return Value::integer(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::floating(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      ValueList items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(value_from_json(e, max_depth - 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      d.entries.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it)
        d.entries.emplace_back(Value::string(it.key()), value_from_json(it.value(), max_depth - 1));
      return Value::dict(std::move(d));
    }
    default: return Value::none();
  }
}

namespace {

void append_escaped(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  const std::u32string cps = utf8_decode(s);
  char buf[16];
  for (char32_t c : cps) {
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c >= 0x80)) {
      if (c >= 0x10000) {
        const char32_t v = c - 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                      static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      }
      out += buf;
    } else {
      utf8_append(out, c);
    }
  }
  out += '"';
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return float_repr(d);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o), item_sep_(o.item_separator), key_sep_(o.key_separator) {}

  void dump(const Value& v, int level) {
    if (level > 256) throw_limit("value nested too deeply for tojson");
    switch (v.kind()) {
      case Kind::kNone: out_ += "null"; return;
      case Kind::kBool: out_ += v.as_bool() ? "true" : "false"; return;
      case Kind::kInt: out_ += std::to_string(v.as_int()); return;
      case Kind::kFloat: out_ += float_json(v.as_float()); return;
      case Kind::kString: append_escaped(out_, v.str(), o_.ensure_ascii); return;
      case Kind::kList: {
        if (v.flavor() != ListFlavor::kList && !v.is_tuple())
          throw_runtime("Object of type " + type_name(v) + " is not JSON serializable");
        if (v.items().empty()) {
          out_ += "[]";
          return;
        }
        out_ += '[';
        bool first = true;
        for (const Value& item : v.items()) {
          if (!first) out_ += item_sep_;
          newline(level + 1);
          first = false;
          dump(item, level + 1);
        }
        newline(level);
        out_ += ']';
        return;
      }
      case Kind::kDict: {
        if (v.dict().entries.empty()) {
          out_ += "{}";
          return;
        }
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& [k, val] : v.dict().entries) entries.emplace_back(key_text(k), &val);
        if (o_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out_ += '{';
        bool first = true;
        for (const auto& [k, val] : entries) {
          if (!first) out_ += item_sep_;
          newline(level + 1);
          first = false;
          append_escaped(out_, k, o_.ensure_ascii);
          out_ += key_sep_;
          dump(*val, level + 1);
        }
        newline(level);
        out_ += '}';
        return;
      }
      default:
        throw_runtime("Object of type " + type_name(v) + " is not JSON serializable");
    }
  }

  std::string take() { return std::move(out_); }

 private:
  static std::string key_text(const Value& k) {
    switch (k.kind()) {
      case Kind::kString: return k.str();
      case Kind::kNone: return "null";
      case Kind::kBool: return k.as_bool() ? "true" : "false";
      case Kind::kInt: return std::to_string(k.as_int());
      case Kind::kFloat: return float_json(k.as_float());
      default: throw_runtime("keys must be str, int, float, bool or None, not " + type_name(k));
    }
  }

  void newline(int level) {
    if (!o_.indent) return;
    out_ += '\n';
    for (int i = 0; i < level; ++i) out_ += *o_.indent;
  }

  const JsonDumpOptions& o_;
  std::string item_sep_, key_sep_;
  std::string out_;
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& options) {
  Dumper d(options);
  d.dump(v, 0);
  return d.take();
}

}  // namespace herd::chat
