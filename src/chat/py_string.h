// Python's str methods on UTF-8 text, shared by the method calls (`s.strip()`) and
// the filters (`s|trim`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd::chat {

enum class StripSide { kBoth, kLeft, kRight };
// chars == nullopt strips Unicode whitespace (str.isspace).
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, StripSide side);
// sep == nullopt splits on whitespace runs. maxsplit < 0: no limit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_title(std::string_view s);
std::string py_capitalize(std::string_view s);
std::string py_swapcase(std::string_view s);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
int64_t py_count(std::string_view s, std::string_view sub);
// Code point index of the first/last occurrence, or -1.
int64_t py_find(std::string_view s, std::string_view sub, bool reverse);

}  // namespace herd::chat
