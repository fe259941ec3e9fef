// Between the gateway's records and SQL rows: column lists, parameters, and the bounds
// every value is checked against before it is written (inputs come from requests and
// command lines).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/sql_connection.h"

namespace herd::gateway {

inline constexpr size_t kMaxTextBytes = 256;      // model, route, request id, holder, ...
inline constexpr size_t kMaxModelsPerKey = 256;
inline constexpr int64_t kMaxLedgerRowsPerCall = 100'000;

// Printable ASCII, 1..kMaxTextBytes bytes (names the SQL stores and errors may quote).
Status validate_text(std::string_view text, std::string_view what, bool allow_empty);
Status validate_model_name(std::string_view model);  // also: no ',' (the models column)
Status validate_price(const Price& price);
Status validate_key_limits(const KeyLimits& limits);
Status validate_key_record(const KeyRecord& key);
Status validate_ledger_row(const LedgerRow& row);

std::string join_models(const std::vector<std::string>& models);
std::vector<std::string> split_models(std::string_view joined);

// SELECT list for key_record_from_row, and the 11 parameters of an INSERT in its order
// (without the id).
inline constexpr const char* kKeyColumns =
    "id, name, display_prefix, hash, admin, rpm, tpm, budget, period, models, created_at, revoked_at";
std::vector<SqlValue> key_record_params(const KeyRecord& key);
KeyRecord key_record_from_row(const SqlRow& row);

// The same for ledger rows: 14 columns, 14 parameters.
inline constexpr const char* kLedgerColumns =
    "time_us, request_id, key_id, model, adapter, route, prompt, cached, completion, cost,"
    " ttft_us, duration_us, status, idempotency_key";
std::vector<SqlValue> ledger_row_params(const LedgerRow& row);
LedgerRow ledger_row_from_row(const SqlRow& row);

}  // namespace herd::gateway
