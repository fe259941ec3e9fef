// Key management shared by `herd keys` and /admin/keys.
#include "gateway/key_admin.h"

#include "gateway/api_key.h"
#include "gateway/model_name.h"

namespace herd::gateway {
namespace {

using Json = nlohmann::ordered_json;

// Far above any real rate, far below where sums of them could overflow.
constexpr int64_t kMaxRate = int64_t{1} << 40;
constexpr size_t kMaxModels = 1024;

Status check_rate(const std::optional<int64_t>& v, const char* what) {
  if (v && (*v < 0 || *v > kMaxRate)) {
    return invalid_argument(std::string(what) + " must be between 0 (no limit) and " + std::to_string(kMaxRate));
  }
  return Status();
}

// Applies `spec` to `limits` and checks the result as a whole.
Status apply(const KeySpec& spec, KeyRecord* key) {
  HERD_RETURN_IF_ERROR(check_rate(spec.rpm, "rpm"));
  HERD_RETURN_IF_ERROR(check_rate(spec.tpm, "tpm"));
  KeyLimits& l = key->limits;
  if (spec.rpm) l.rpm = *spec.rpm;
  if (spec.tpm) l.tpm = *spec.tpm;
  if (spec.budget) {
    if (*spec.budget < 0 || *spec.budget > kMaxAmountMicros) return invalid_argument("budget out of range");
    l.budget = *spec.budget;
  }
  if (spec.period) l.period = *spec.period;
  if (spec.budget && l.period == BudgetPeriod::kNone) {
    return invalid_argument("a budget needs a period (day or month)");
  }
  if (spec.period && *spec.period != BudgetPeriod::kNone && !spec.budget && l.budget == 0) {
    return invalid_argument("a budget period needs a budget");
  }
  if (l.period == BudgetPeriod::kNone) l.budget = 0;
  if (spec.models) {
    if (spec.models->size() > kMaxModels) {
      return invalid_argument("a key names at most " + std::to_string(kMaxModels) + " models");
    }
    for (const std::string& m : *spec.models) HERD_RETURN_IF_ERROR(validate_model_name(m, "models"));
    l.models = *spec.models;
  }
  if (spec.admin) key->admin = *spec.admin;
  return Status();
}

// A reference is echoed in errors only when it cannot be (part of) a key.
std::string quoted_ref(const std::string& ref) {
  if (ref.size() > kDisplayPrefixLength && ref.rfind(kKeyPrefix, 0) == 0) return "that reference";
  return "\"" + ref.substr(0, 80) + "\"";
}

Status wrong_type(const std::string& field, const char* expected) {
  return invalid_argument("\"" + field + "\" must be " + expected);
}

}  // namespace

Result<CreatedKey> create_key(GatewayDb& db, const KeyHasher& hasher, const KeySpec& spec) {
  if (!spec.name) return invalid_argument("a key needs a name");
  HERD_RETURN_IF_ERROR(validate_key_name(*spec.name));
  // A key pasted as a name would be stored and listed in plain text.
  if (spec.name->rfind(kKeyPrefix, 0) == 0) return invalid_argument("a key's name may not start with herd_");
  KeyRecord record;
  record.name = *spec.name;
  HERD_RETURN_IF_ERROR(apply(spec, &record));
  HERD_ASSIGN_OR_RETURN(std::string key, new_api_key());
  record.display_prefix = display_prefix(key);
  record.hash = hasher.hash(key);
  HERD_ASSIGN_OR_RETURN(KeyRecord stored, db.create_key(std::move(record)));
  return CreatedKey{std::move(key), std::move(stored)};
}

Result<KeyRecord> update_key(GatewayDb& db, const KeyRecord& current, const KeySpec& spec) {
  if (spec.name && *spec.name != current.name) return invalid_argument("a key's name cannot be changed");
  if (current.revoked_at != 0) return invalid_argument("key " + current.name + " is revoked");
  KeyRecord next = current;
  HERD_RETURN_IF_ERROR(apply(spec, &next));
  HERD_RETURN_IF_ERROR(db.update_key(next));
  return next;
}

Result<KeyRecord> find_key_ref(GatewayDb& db, const std::string& ref) {
  if (ref.empty()) return invalid_argument("an empty key reference (give an id, a name or a prefix)");
  if (ref.size() <= 18 && ref.find_first_not_of("0123456789") == std::string::npos) {
    Result<KeyRecord> by_id = db.find_key(std::stoll(ref));
    // A key may be named "2026": with no key of that id, the name is tried.
    if (by_id.ok() || by_id.status().code() != StatusCode::kNotFound) return by_id;
  }
  if (ref.size() == kDisplayPrefixLength && ref.rfind(kKeyPrefix, 0) == 0) {
    HERD_ASSIGN_OR_RETURN(std::vector<KeyRecord> keys, db.list_keys(/*include_revoked=*/true));
    std::optional<KeyRecord> found;
    for (KeyRecord& k : keys) {
      if (k.display_prefix != ref) continue;
      // Prefixes of two keys may meet (36 bits); the active key wins over revoked ones.
      if (found && (found->revoked_at == 0) == (k.revoked_at == 0)) {
        return invalid_argument("more than one key starts with " + ref + "; use its id or name");
      }
      if (!found || found->revoked_at != 0) found = std::move(k);
    }
    if (found) return *found;
    return not_found("no key starts with " + ref);
  }
  Result<KeyRecord> by_name = db.find_key_by_name(ref);
  if (!by_name.ok() && by_name.status().code() == StatusCode::kNotFound) {
    return not_found("no active key is named " + quoted_ref(ref));
  }
  return by_name;
}

nlohmann::ordered_json key_json(const KeyRecord& key) {
  const bool budgeted = key.limits.period != BudgetPeriod::kNone;
  return Json{{"id", key.id},
              {"name", key.name},
              {"prefix", key.display_prefix},
              {"admin", key.admin},
              {"rpm", key.limits.rpm},
              {"tpm", key.limits.tpm},
              {"budget", budgeted ? Json(format_amount(key.limits.budget)) : Json(nullptr)},
              {"period", budget_period_name(key.limits.period)},
              {"models", key.limits.models},
              {"created", key.created_at},
              {"revoked", key.revoked_at == 0 ? Json(nullptr) : Json(key.revoked_at)}};
}

Result<KeySpec> key_spec_from_json(const nlohmann::json& body) {
  if (!body.is_object()) return invalid_argument("the body must be a JSON object");
  KeySpec spec;
  for (const auto& [field, v] : body.items()) {
    if (field == "name") {
      if (!v.is_string()) return wrong_type(field, "a string");
      spec.name = v.get<std::string>();
    } else if (field == "rpm" || field == "tpm") {
      if (!v.is_number_integer()) return wrong_type(field, "an integer");
      const int64_t n = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX) ? -1 : v.get<int64_t>();
      (field == "rpm" ? spec.rpm : spec.tpm) = n;
    } else if (field == "budget") {
      // Decimal text, so no amount passes through a float; null removes the budget.
      if (v.is_null()) {
        spec.period = BudgetPeriod::kNone;
        continue;
      }
      if (!v.is_string()) return wrong_type(field, "decimal text like \"25.50\", or null");
      HERD_ASSIGN_OR_RETURN(spec.budget, parse_amount(v.get<std::string>(), "budget"));
    } else if (field == "period") {
      if (!v.is_string()) return wrong_type(field, "\"day\", \"month\" or \"none\"");
      std::optional<BudgetPeriod> p = parse_budget_period(v.get<std::string>());
      if (!p) return wrong_type(field, "\"day\", \"month\" or \"none\"");
      if (!spec.period) spec.period = *p;  // "budget": null wins: no budget means no period
    } else if (field == "models") {
      if (!v.is_array()) return wrong_type(field, "an array of model names");
      std::vector<std::string> models;
      for (const auto& m : v) {
        if (!m.is_string()) return wrong_type(field, "an array of model names");
        models.push_back(m.get<std::string>());
      }
      spec.models = std::move(models);
    } else if (field == "admin") {
      if (!v.is_boolean()) return wrong_type(field, "true or false");
      spec.admin = v.get<bool>();
    } else {
      return invalid_argument("unknown field \"" + field.substr(0, 64) + "\"");
    }
  }
  return spec;
}

}  // namespace herd::gateway
