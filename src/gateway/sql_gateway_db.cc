#include "gateway/sql_gateway_db.h"

#include <charconv>
#include <ctime>

#include "gateway/gateway_schema.h"
#include "gateway/sql_values.h"

namespace herd::gateway {

int64_t SqlRow::integer(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (const int64_t* n = std::get_if<int64_t>(&v)) return *n;
  if (const std::string* s = std::get_if<std::string>(&v)) {
    int64_t n = 0;
    std::from_chars(s->data(), s->data() + s->size(), n);
    return n;
  }
  return 0;
}

std::string SqlRow::text(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  if (const int64_t* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  return "";
}

const char* SqlGatewayDb::row_lock() const {
  return db_->dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : "";
}

Status SqlGatewayDb::migrate(const std::string& secret_check) {
  if (secret_check.empty() || secret_check.size() > kMaxTextBytes) {
    return invalid_argument("the secret check value must be 1 to 256 bytes");
  }
  int version = 0;
  Status st = db_->transact(TxKind::kExclusive, [&](SqlConnection& c) -> Status {
    HERD_RETURN_IF_ERROR(c.run(gateway_meta_ddl()).status());
    HERD_ASSIGN_OR_RETURN(SqlRows meta, c.run("SELECT schema_version, secret_check FROM gateway_meta WHERE id = 1"));
    if (meta.empty()) {
      HERD_RETURN_IF_ERROR(c.run("INSERT INTO gateway_meta (id, schema_version, secret_check, change_counter)"
                                 " VALUES (1, 0, $1, 0)", {secret_check}).status());
      meta.push_back(SqlRow({int64_t{0}, secret_check}));
    }
    version = static_cast<int>(meta[0].integer(0));
    if (version > kGatewaySchemaVersion) {
      return unsupported("the gateway database has schema version " + std::to_string(version) +
                         "; this herd knows versions up to " + std::to_string(kGatewaySchemaVersion) +
                         " (upgrade herd)");
    }
    if (meta[0].text(1) != secret_check) {
      return invalid_argument("the gateway database was set up with another gateway secret"
                              " (replicas sharing a database must share the secret file)");
    }
    for (int v = version + 1; v <= kGatewaySchemaVersion; ++v) {
      for (const std::string& stmt : migration_step(db_->dialect(), v)) {
        HERD_RETURN_IF_ERROR(c.run(stmt).status().with_context("migrating to schema version " + std::to_string(v)));
      }
    }
    if (version < kGatewaySchemaVersion) {
      HERD_RETURN_IF_ERROR(c.run("UPDATE gateway_meta SET schema_version = $1 WHERE id = 1",
                                 {int64_t{kGatewaySchemaVersion}}).status());
      version = kGatewaySchemaVersion;
    }
    return Status();
  });
  if (st.ok()) version_.store(version);
  return st;
}

Status SqlGatewayDb::bump_change_counter(SqlConnection& c) {
  return c.run("UPDATE gateway_meta SET change_counter = change_counter + 1 WHERE id = 1").status();
}

Result<int64_t> SqlGatewayDb::change_counter() {
  int64_t out = 0;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run("SELECT change_counter FROM gateway_meta WHERE id = 1"));
    if (!rows.empty()) out = rows[0].integer(0);
    return Status();
  }));
  return out;
}

Result<KeyRecord> SqlGatewayDb::create_key(KeyRecord key) {
  HERD_RETURN_IF_ERROR(validate_key_record(key));
  if (key.created_at == 0) key.created_at = static_cast<int64_t>(std::time(nullptr));
  key.revoked_at = 0;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows same, c.run("SELECT id FROM keys WHERE name = $1 AND revoked_at = 0", {key.name}));
    if (!same.empty()) return invalid_argument("an active key is named '" + key.name + "' already");
    std::vector<SqlValue> params = key_record_params(key);
    HERD_ASSIGN_OR_RETURN(SqlRows ids, c.run("INSERT INTO keys (name, display_prefix, hash, admin, rpm, tpm, budget,"
                                              " period, models, created_at, revoked_at)"
                                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                                              params));
    if (ids.empty()) return internal_error("inserting a key returned no id");
    key.id = ids[0].integer(0);
    return bump_change_counter(c);
  }));
  return key;
}

Status SqlGatewayDb::update_key(const KeyRecord& key) {
  HERD_RETURN_IF_ERROR(validate_key_limits(key.limits));
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows ids, c.run("UPDATE keys SET admin = $2, rpm = $3, tpm = $4, budget = $5, period = $6,"
                                              " models = $7 WHERE id = $1 RETURNING id",
                                              {key.id, int64_t{key.admin ? 1 : 0}, key.limits.rpm, key.limits.tpm,
                                               key.limits.budget, std::string(budget_period_name(key.limits.period)),
                                               join_models(key.limits.models)}));
    if (ids.empty()) return not_found("no key with id " + std::to_string(key.id));
    return bump_change_counter(c);
  });
}

Status SqlGatewayDb::revoke_key(int64_t id, int64_t unix_s) {
  if (unix_s <= 0) return invalid_argument("a revocation time must be after 1970");
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    // Revoking twice keeps the first time.
    HERD_ASSIGN_OR_RETURN(SqlRows ids, c.run("UPDATE keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $2"
                                              " ELSE revoked_at END WHERE id = $1 RETURNING id",
                                              {id, unix_s}));
    if (ids.empty()) return not_found("no key with id " + std::to_string(id));
    return bump_change_counter(c);
  });
}

Result<std::vector<KeyRecord>> SqlGatewayDb::list_keys(bool include_revoked) {
  std::vector<KeyRecord> out;
  const std::string sql = std::string("SELECT ") + kKeyColumns + " FROM keys" +
                          (include_revoked ? "" : " WHERE revoked_at = 0") + " ORDER BY id";
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run(sql));
    out.clear();
    for (const SqlRow& row : rows) out.push_back(key_record_from_row(row));
    return Status();
  }));
  return out;
}

namespace {

Result<std::optional<KeyRecord>> find_one(SqlDatabase& db, const std::string& where, SqlValue value) {
  std::optional<KeyRecord> out;
  const std::string sql = std::string("SELECT ") + kKeyColumns + " FROM keys WHERE " + where;
  HERD_RETURN_IF_ERROR(db.transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run(sql, {value}));
    if (!rows.empty()) out = key_record_from_row(rows[0]);
    return Status();
  }));
  return out;
}

}  // namespace

Result<KeyRecord> SqlGatewayDb::find_key(int64_t id) {
  HERD_ASSIGN_OR_RETURN(std::optional<KeyRecord> key, find_one(*db_, "id = $1", id));
  if (!key) return not_found("no key with id " + std::to_string(id));
  return std::move(*key);
}

Result<KeyRecord> SqlGatewayDb::find_key_by_name(const std::string& name) {
  HERD_ASSIGN_OR_RETURN(std::optional<KeyRecord> key, find_one(*db_, "name = $1 AND revoked_at = 0", name));
  if (!key) return not_found("no active key named '" + name + "'");
  return std::move(*key);
}

Result<std::optional<KeyRecord>> SqlGatewayDb::find_key_by_hash(const std::string& hash) {
  return find_one(*db_, "hash = $1", hash);
}

Status SqlGatewayDb::set_price(const std::string& model, const Price& price) {
  HERD_RETURN_IF_ERROR(validate_model_name(model));
  HERD_RETURN_IF_ERROR(validate_price(price));
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_RETURN_IF_ERROR(c.run("INSERT INTO prices (model, input, cached_input, output) VALUES ($1, $2, $3, $4)"
                               " ON CONFLICT (model) DO UPDATE SET input = excluded.input,"
                               " cached_input = excluded.cached_input, output = excluded.output",
                               {model, price.input, price.cached_input, price.output}).status());
    return bump_change_counter(c);
  });
}

Status SqlGatewayDb::delete_price(const std::string& model) {
  HERD_RETURN_IF_ERROR(validate_model_name(model));
  return db_->transact(TxKind::kWrite, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows gone, c.run("DELETE FROM prices WHERE model = $1 RETURNING model", {model}));
    if (gone.empty()) return not_found("no price for model '" + model + "'");
    return bump_change_counter(c);
  });
}

Result<std::vector<std::pair<std::string, Price>>> SqlGatewayDb::list_prices() {
  std::vector<std::pair<std::string, Price>> out;
  HERD_RETURN_IF_ERROR(db_->transact(TxKind::kRead, [&](SqlConnection& c) -> Status {
    HERD_ASSIGN_OR_RETURN(SqlRows rows, c.run("SELECT model, input, cached_input, output FROM prices ORDER BY model"));
    out.clear();
    for (const SqlRow& row : rows) {
      out.emplace_back(row.text(0), Price{row.integer(1), row.integer(2), row.integer(3)});
    }
    return Status();
  }));
  return out;
}

}  // namespace herd::gateway
