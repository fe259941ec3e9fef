// Python's binary operators on template values: arithmetic, concatenation,
// repetition, `%` formatting and membership.
#pragma once

#include <string>
#include <string_view>

#include "chat/value.h"

namespace herd::chat {

// op is one of + - * / // % **. `max_bytes` bounds strings and lists built by + and *.
Value binary_op(std::string_view op, const Value& a, const Value& b, size_t max_bytes);
// `item in container`.
bool contains(const Value& container, const Value& item);
// Python's printf-style `fmt % args`.
std::string percent_format(const std::string& fmt, const Value& args);
// markupsafe.escape: & < > ' "
std::string html_escape(std::string_view s);

}  // namespace herd::chat
