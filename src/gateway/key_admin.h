// Key management shared by `herd keys` and the server's /admin/keys: what a user asks for,
// checked, and the new key shown once.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/key_hasher.h"

namespace herd::gateway {

// What `herd keys create` / `update` and POST/PATCH /admin/keys say. Unset fields keep
// their value on update (create: no limit, no budget, every model, not admin).
struct KeySpec {
  std::optional<std::string> name;
  std::optional<int64_t> rpm;
  std::optional<int64_t> tpm;
  std::optional<Micros> budget;
  std::optional<BudgetPeriod> period;
  std::optional<std::vector<std::string>> models;
  std::optional<bool> admin;
};

struct CreatedKey {
  std::string key;   // the only time it exists outside its owner's hands
  KeyRecord record;
};

// kInvalidArgument for a bad name (or one starting "herd_", as keys do), negative limits, a budget without a period (or the
// reverse), an empty or malformed model name.
Result<CreatedKey> create_key(GatewayDb& db, const KeyHasher& hasher, const KeySpec& spec);
Result<KeyRecord> update_key(GatewayDb& db, const KeyRecord& current, const KeySpec& spec);
// The key named by `ref`: a decimal id, an active key's name, or its display prefix (an
// all-digit name is found by name only when no key has that id).
Result<KeyRecord> find_key_ref(GatewayDb& db, const std::string& ref);

// The record as JSON for `keys show`/`list --format json` and /admin/keys (never the hash):
// {"id","name","prefix","admin","rpm","tpm","budget" (decimal text or null),"period",
//  "models","created","revoked" (null or unix seconds)}.
nlohmann::ordered_json key_json(const KeyRecord& key);
// The same from a request body (POST/PATCH /admin/keys), strict: unknown fields,
// wrong types -> kInvalidArgument naming the field.
Result<KeySpec> key_spec_from_json(const nlohmann::json& body);

}  // namespace herd::gateway
