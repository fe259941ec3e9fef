#include "gateway/sql_values.h"

namespace herd::gateway {

Status validate_text(std::string_view text, std::string_view what, bool allow_empty) {
  bool ok = (allow_empty || !text.empty()) && text.size() <= kMaxTextBytes;
  for (char c : text) ok = ok && c >= 0x20 && c < 0x7f;
  if (ok) return Status();
  return invalid_argument(std::string(what) + " must be " + (allow_empty ? "0" : "1") +
                          " to 256 printable ASCII characters");
}

Status validate_model_name(std::string_view model) {
  HERD_RETURN_IF_ERROR(validate_text(model, "a model name", false));
  if (model.find(',') != std::string_view::npos) return invalid_argument("a model name cannot hold ','");
  return Status();
}

namespace {
bool amount_ok(Micros m) { return m >= 0 && m <= kMaxAmountMicros; }
}  // namespace

Status validate_price(const Price& price) {
  if (amount_ok(price.input) && amount_ok(price.cached_input) && amount_ok(price.output)) return Status();
  return invalid_argument("a price must be between 0 and 10^12 per 1M tokens");
}

Status validate_key_limits(const KeyLimits& limits) {
  if (limits.rpm < 0 || limits.tpm < 0) return invalid_argument("rate limits cannot be negative");
  if (!amount_ok(limits.budget)) return invalid_argument("a budget must be between 0 and 10^12");
  if (limits.models.size() > kMaxModelsPerKey) return invalid_argument("a key may name at most 256 models");
  for (const std::string& m : limits.models) HERD_RETURN_IF_ERROR(validate_model_name(m));
  return Status();
}

Status validate_key_record(const KeyRecord& key) {
  HERD_RETURN_IF_ERROR(validate_key_name(key.name));
  HERD_RETURN_IF_ERROR(validate_text(key.display_prefix, "a display prefix", false));
  // The hash is never quoted: this message must not hold it.
  HERD_RETURN_IF_ERROR(validate_text(key.hash, "a key hash", false));
  if (key.created_at < 0) return invalid_argument("a key's creation time cannot be negative");
  return validate_key_limits(key.limits);
}

Status validate_ledger_row(const LedgerRow& row) {
  if (row.time < 0) return invalid_argument("a ledger row's time cannot be before 1970");
  HERD_RETURN_IF_ERROR(validate_text(row.request_id, "a request id", true));
  HERD_RETURN_IF_ERROR(validate_model_name(row.model));
  HERD_RETURN_IF_ERROR(validate_text(row.adapter, "an adapter name", true));
  HERD_RETURN_IF_ERROR(validate_text(row.route, "a route", true));
  HERD_RETURN_IF_ERROR(validate_text(row.idempotency_key, "an idempotency key", true));
  const TokenCounts& t = row.tokens;
  if (t.prompt < 0 || t.cached_prompt < 0 || t.cached_prompt > t.prompt || t.completion < 0) {
    return invalid_argument("token counts must be non-negative, cached ones at most the prompt");
  }
  if (row.cost < 0 || row.duration_us < 0 || row.ttft_us < -1) {
    return invalid_argument("a ledger row's cost and durations cannot be negative");
  }
  return Status();
}

std::string join_models(const std::vector<std::string>& models) {
  std::string out;
  for (const std::string& m : models) {
    if (!out.empty()) out += ',';
    out += m;
  }
  return out;
}

std::vector<std::string> split_models(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    const size_t comma = joined.find(',');
    out.emplace_back(joined.substr(0, comma));
    joined = comma == std::string_view::npos ? std::string_view() : joined.substr(comma + 1);
  }
  return out;
}

std::vector<SqlValue> key_record_params(const KeyRecord& key) {
  return {key.name, key.display_prefix, key.hash, int64_t{key.admin ? 1 : 0}, key.limits.rpm, key.limits.tpm,
          key.limits.budget, std::string(budget_period_name(key.limits.period)), join_models(key.limits.models),
          key.created_at, key.revoked_at};
}

KeyRecord key_record_from_row(const SqlRow& row) {
  KeyRecord k;
  k.id = row.integer(0);
  k.name = row.text(1);
  k.display_prefix = row.text(2);
  k.hash = row.text(3);
  k.admin = row.integer(4) != 0;
  k.limits.rpm = row.integer(5);
  k.limits.tpm = row.integer(6);
  k.limits.budget = row.integer(7);
  k.limits.period = parse_budget_period(row.text(8)).value_or(BudgetPeriod::kNone);
  k.limits.models = split_models(row.text(9));
  k.created_at = row.integer(10);
  k.revoked_at = row.integer(11);
  return k;
}

std::vector<SqlValue> ledger_row_params(const LedgerRow& row) {
  SqlValue idempotency;  // NULL: rows without a key never conflict
  if (!row.idempotency_key.empty()) idempotency = row.idempotency_key;
  return {row.time, row.request_id, row.key_id, row.model, row.adapter, row.route, row.tokens.prompt,
          row.tokens.cached_prompt, row.tokens.completion, row.cost, row.ttft_us, row.duration_us,
          int64_t{row.status}, idempotency};
}

LedgerRow ledger_row_from_row(const SqlRow& row) {
  LedgerRow r;
  r.time = row.integer(0);
  r.request_id = row.text(1);
  r.key_id = row.integer(2);
  r.model = row.text(3);
  r.adapter = row.text(4);
  r.route = row.text(5);
  r.tokens = TokenCounts{row.integer(6), row.integer(7), row.integer(8)};
  r.cost = row.integer(9);
  r.ttft_us = row.integer(10);
  r.duration_us = row.integer(11);
  r.status = static_cast<int32_t>(row.integer(12));
  r.idempotency_key = row.text(13);
  return r;
}

}  // namespace herd::gateway
