// Reading metadata values (internal to gguf/): scalars, strings and nested arrays.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_reader_cursor.h"

namespace herd {

// True for the 13 type ids the spec defines.
bool gguf_type_is_known(uint32_t id);

// The fewest bytes one value of the type occupies in a file (a string is at least its
// u64 length, an array its u32 element type and u64 count). Bounds untrusted counts.
uint64_t gguf_type_min_bytes(GgufType type);

// Reads a u32 type id and checks that the spec defines it.
Status read_gguf_type(GgufCursor& cur, GgufType& out, std::string_view what);

// Array elements left to read in this file; shared by all arrays so that memory stays
// bounded (each parsed element costs sizeof(GgufValue) however few bytes it had).
struct GgufArrayBudget {
  uint64_t elements_left = kGgufMaxArrayElements;
};

// Reads one value of `type`. `depth` is the number of arrays that enclose it (0 for a
// top-level value); arrays deeper than kGgufMaxArrayDepth are an error. Messages are
// relative to the value; the caller adds which key it belongs to.
Status read_gguf_value(GgufCursor& cur, GgufType type, int depth, GgufArrayBudget& budget,
                       GgufValue& out);

}  // namespace herd
