// Jinja2's built-in filters (plus Hugging Face's tojson) and tests.
#pragma once

#include <string_view>

#include "chat/interpreter.h"
#include "chat/value.h"

namespace herd::chat {

bool has_filter(std::string_view name);
Value apply_builtin_filter(Interpreter& in, std::string_view name, Value input, CallArgs& args);

// The less common filters (truncate, groupby, slice, urlencode, random): filters_extra.cc.
bool has_extra_filter(std::string_view name);
Value apply_extra_filter(Interpreter& in, std::string_view name, Value& input, CallArgs& args);

bool has_test(std::string_view name);
bool apply_builtin_test(Interpreter& in, std::string_view name, const Value& v, CallArgs& args);

}  // namespace herd::chat
