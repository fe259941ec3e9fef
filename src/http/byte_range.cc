#include "http/byte_range.h"

#include <charconv>

namespace herd::http {
namespace {

// Decimal digits only (no sign, no spaces); nullopt when empty, not a number or too big.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RangeChoice choose_byte_range(std::optional<std::string_view> range_header, uint64_t size) {
  RangeChoice whole;
  if (!range_header) return whole;
  std::string_view spec = trim(*range_header);
  constexpr std::string_view kUnit = "bytes=";
  if (spec.size() < kUnit.size() || spec.substr(0, kUnit.size()) != kUnit) return whole;
  spec = trim(spec.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));

  RangeChoice out;
  if (first_text.empty()) {  // a suffix: the last n bytes
    const std::optional<uint64_t> n = parse_decimal(last_text);
    if (!n) return whole;
    if (*n == 0 || size == 0) return {RangeChoice::Kind::kUnsatisfiable, {}};
    const uint64_t length = *n < size ? *n : size;
    return {RangeChoice::Kind::kPartial, {size - length, length}};
  }
  const std::optional<uint64_t> first = parse_decimal(first_text);
  if (!first) return whole;
  uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const std::optional<uint64_t> given = parse_decimal(last_text);
    if (!given || *given < *first) return whole;
    if (*given < last) last = *given;
  }
  if (*first >= size) return {RangeChoice::Kind::kUnsatisfiable, {}};
  return {RangeChoice::Kind::kPartial, {*first, last - *first + 1}};
}

std::string content_range(const ByteRange& range, uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.first + range.length - 1) + "/" +
         std::to_string(size);
}

std::string unsatisfiable_content_range(uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace herd::http
