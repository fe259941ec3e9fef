// libFuzzer target for what users and admin clients hand the gateway: amounts, times and
// durations (CLI flags, /admin/usage queries), price files, key specs (POST/PATCH
// /admin/keys bodies) and presented keys. Byte 0 picks the parser (mod 6); the rest is
// its input. Every refusal must be kInvalidArgument; what parses must hold its bounds,
// and an amount must print back to itself. Any crash, sanitizer report or hang is a bug;
// a broken invariant traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/json_limits.h"
#include "gateway/api_key.h"
#include "gateway/key_admin.h"
#include "gateway/model_name.h"
#include "gateway/price_file.h"
#include "gateway/usage_report.h"

namespace {

using namespace herd::gateway;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_refusal(const herd::Status& s) { check(s.ok() || s.code() == herd::StatusCode::kInvalidArgument); }

bool in_range(Micros v) { return v >= 0 && v <= kMaxAmountMicros; }

void fuzz_amount(std::string_view text) {
  herd::Result<Micros> m = parse_amount(text, "amount");
  check_refusal(m.status());
  if (!m.ok()) return;
  check(in_range(*m));
  const std::string printed = format_amount(*m);
  herd::Result<Micros> again = parse_amount(printed, "amount");
  check(again.ok() && *again == *m);
  check(printed.back() != '.' && (printed.find('.') == std::string::npos || printed.back() != '0'));
}

void fuzz_times(std::string_view text) {
  constexpr int64_t kNow = int64_t{1'796'083'200} * 1'000'000;
  check_refusal(parse_time_point(text, kNow).status());
  herd::Result<int64_t> d = parse_duration_s(text);
  check_refusal(d.status());
  if (d.ok()) check(*d >= 0 && *d <= int64_t{200} * 366 * 86'400);
}

void fuzz_price_file(std::string_view text) {
  herd::Result<PriceList> prices = parse_price_file(text);
  check_refusal(prices.status());
  if (!prices.ok()) return;
  for (const auto& [model, p] : *prices) {
    check(validate_model_name(model, "model").ok());
    check(in_range(p.input) && in_range(p.cached_input) && in_range(p.output));
  }
}

void fuzz_key_spec(std::string_view text) {
  herd::Result<nlohmann::json> body = herd::parse_json_object<nlohmann::json>(text);
  if (!body.ok()) return;
  herd::Result<KeySpec> spec = key_spec_from_json(*body);
  check_refusal(spec.status());
  if (spec.ok() && spec->budget) check(in_range(*spec->budget));
}

void fuzz_presented_key(std::string_view text) {
  if (looks_like_api_key(text)) {
    check(text.size() == kKeyLength && text.substr(0, kKeyPrefix.size()) == kKeyPrefix);
    check(display_prefix(text) == text.substr(0, kDisplayPrefixLength));
  }
  check_refusal(validate_model_name(text, "model"));
  check(!same_hash(text, std::string(text) + "x"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: fuzz_amount(text); break;
    case 1: fuzz_times(text); break;
    case 2: fuzz_price_file(text); break;
    case 3: fuzz_key_spec(text); break;
    case 4: fuzz_presented_key(text); break;
    default:
      fuzz_amount(text);
      fuzz_times(text);
      break;
  }
  return 0;
}
