// Typed metadata getters: kNotFound when a key is absent, kCorruptFile when its type is
// not the one asked for.
#include <cstdint>
#include <limits>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/gguf_text.h"

namespace herd {
namespace {

Status key_not_found(std::string_view key) {
  return not_found("metadata key " + gguf_quote(key) + " not found");
}

Status wrong_type(std::string_view key, const GgufValue& v, std::string_view wanted) {
  std::string have(gguf_type_name(v.type));
  if (v.type == GgufType::kArray) have = "array of " + std::string(gguf_type_name(v.elem_type));
  return corrupt_file("metadata key " + gguf_quote(key) + " has type " + have + ", expected " +
                      std::string(wanted));
}

Result<int64_t> int_value(std::string_view key, const GgufValue& v) {
  if (!v.is_integer()) return wrong_type(key, v, "an integer");
  switch (v.type) {
    case GgufType::kInt8:
    case GgufType::kInt16:
    case GgufType::kInt32:
    case GgufType::kInt64:
      return v.i;
    default:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return corrupt_file("metadata key " + gguf_quote(key) + " value " + std::to_string(v.u) +
                            " does not fit in int64");
      }
      return static_cast<int64_t>(v.u);
  }
}

Result<double> float_value(std::string_view key, const GgufValue& v) {
  if (!v.is_float()) return wrong_type(key, v, "a float");
  return v.f;
}

Result<bool> bool_value(std::string_view key, const GgufValue& v) {
  if (v.type != GgufType::kBool) return wrong_type(key, v, "bool");
  return v.u != 0;
}

}  // namespace

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return key_not_found(key);
  return int_value(key, *v);
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return key_not_found(key);
  return float_value(key, *v);
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return key_not_found(key);
  return bool_value(key, *v);
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return key_not_found(key);
  if (v->type != GgufType::kString) return wrong_type(key, *v, "string");
  return v->str;
}

Result<const GgufValue*> GgufFile::get_array(std::string_view key, GgufType elem_type) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return key_not_found(key);
  if (v->type != GgufType::kArray || v->elem_type != elem_type) {
    return wrong_type(key, *v, "array of " + std::string(gguf_type_name(elem_type)));
  }
  return v;
}

Result<int64_t> GgufFile::get_int_or(std::string_view key, int64_t fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  return int_value(key, *v);
}

Result<double> GgufFile::get_float_or(std::string_view key, double fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  return float_value(key, *v);
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  return bool_value(key, *v);
}

}  // namespace herd
