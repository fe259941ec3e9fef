// Metadata value types and reading values (scalars, strings, nested arrays) from a file.
#include <bit>
#include <string>

#include "gguf/gguf_file.h"
#include "gguf/gguf_value_reader.h"

namespace herd {

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8: return "u8";
    case GgufType::kInt8: return "i8";
    case GgufType::kUint16: return "u16";
    case GgufType::kInt16: return "i16";
    case GgufType::kUint32: return "u32";
    case GgufType::kInt32: return "i32";
    case GgufType::kFloat32: return "f32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "u64";
    case GgufType::kInt64: return "i64";
    case GgufType::kFloat64: return "f64";
  }
  return "?";
}

bool GgufValue::is_integer() const {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kUint16:
    case GgufType::kInt16:
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kUint64:
    case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

bool GgufValue::is_float() const {
  return type == GgufType::kFloat32 || type == GgufType::kFloat64;
}

bool gguf_type_is_known(uint32_t id) { return id <= static_cast<uint32_t>(GgufType::kFloat64); }

uint64_t gguf_type_min_bytes(GgufType type) {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
    case GgufType::kString:  // u64 length
      return 8;
    case GgufType::kArray:  // u32 element type + u64 count
      return 12;
  }
  return 1;
}

Status read_gguf_type(GgufCursor& cur, GgufType& out, std::string_view what) {
  const uint64_t at = cur.offset();
  uint32_t id = 0;
  HERD_RETURN_IF_ERROR(cur.read_u32(id, what));
  if (!gguf_type_is_known(id)) {
    return corrupt_file("unknown " + std::string(what) + " " + std::to_string(id) +
                        " at offset " + std::to_string(at));
  }
  out = static_cast<GgufType>(id);
  return Status::ok_status();
}

namespace {

Status read_array(GgufCursor& cur, int depth, GgufArrayBudget& budget, GgufValue& out) {
  if (depth >= kGgufMaxArrayDepth) {
    return corrupt_file("arrays nested deeper than " + std::to_string(kGgufMaxArrayDepth) +
                        " levels at offset " + std::to_string(cur.offset()));
  }
  HERD_RETURN_IF_ERROR(read_gguf_type(cur, out.elem_type, "array element type"));
  uint64_t count = 0;
  HERD_RETURN_IF_ERROR(cur.read_u64(count, "array count"));
  HERD_RETURN_IF_ERROR(cur.check_count(count, gguf_type_min_bytes(out.elem_type), "array count"));
  if (count > budget.elements_left) {
    return corrupt_file("array count " + std::to_string(count) + " at offset " +
                        std::to_string(cur.offset() - 8) + " goes past herd's limit of " +
                        std::to_string(kGgufMaxArrayElements) + " array elements per file");
  }
  budget.elements_left -= count;
  out.array.reserve(count);
  for (uint64_t k = 0; k < count; ++k) {
    GgufValue& elem = out.array.emplace_back();
    Status s = read_gguf_value(cur, out.elem_type, depth + 1, budget, elem);
    if (!s.ok()) return s.with_context("array element " + std::to_string(k));
  }
  return Status::ok_status();
}

}  // namespace

Status read_gguf_value(GgufCursor& cur, GgufType type, int depth, GgufArrayBudget& budget,
                       GgufValue& out) {
  out = GgufValue();
  out.type = type;
  switch (type) {
    case GgufType::kUint8: {
      uint8_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u8(v, "u8 value"));
      out.u = v;
      return Status::ok_status();
    }
    case GgufType::kInt8: {
      uint8_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u8(v, "i8 value"));
      out.i = static_cast<int8_t>(v);
      return Status::ok_status();
    }
    case GgufType::kUint16: {
      uint16_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u16(v, "u16 value"));
      out.u = v;
      return Status::ok_status();
    }
    case GgufType::kInt16: {
      uint16_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u16(v, "i16 value"));
      out.i = static_cast<int16_t>(v);
      return Status::ok_status();
    }
    case GgufType::kUint32: {
      uint32_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u32(v, "u32 value"));
      out.u = v;
      return Status::ok_status();
    }
    case GgufType::kInt32: {
      uint32_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u32(v, "i32 value"));
      out.i = static_cast<int32_t>(v);
      return Status::ok_status();
    }
    case GgufType::kUint64: {
      HERD_RETURN_IF_ERROR(cur.read_u64(out.u, "u64 value"));
      return Status::ok_status();
    }
    case GgufType::kInt64: {
      uint64_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u64(v, "i64 value"));
      out.i = static_cast<int64_t>(v);
      return Status::ok_status();
    }
    case GgufType::kFloat32: {
      uint32_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u32(v, "f32 value"));
      out.f = std::bit_cast<float>(v);
      return Status::ok_status();
    }
    case GgufType::kFloat64: {
      uint64_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u64(v, "f64 value"));
      out.f = std::bit_cast<double>(v);
      return Status::ok_status();
    }
    case GgufType::kBool: {
      const uint64_t at = cur.offset();
      uint8_t v = 0;
      HERD_RETURN_IF_ERROR(cur.read_u8(v, "bool value"));
      // The spec calls any byte other than 0 and 1 invalid.
      if (v > 1) {
        return corrupt_file("bool value " + std::to_string(v) + " at offset " +
                            std::to_string(at) + " is neither 0 nor 1");
      }
      out.u = v;
      return Status::ok_status();
    }
    case GgufType::kString:
      return cur.read_string(out.str, "string");
    case GgufType::kArray:
      return read_array(cur, depth, budget, out);
  }
  return corrupt_file("unknown value type " + std::to_string(static_cast<uint32_t>(type)));
}

}  // namespace herd
