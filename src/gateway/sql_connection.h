// What the gateway's SQL code needs from a database driver: run one parameterized
// statement, inside a transaction of a given kind. SQLite and PostgreSQL each implement
// it (sqlite_gateway_db, postgres_gateway_db); SqlGatewayDb holds the SQL, written once.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace herd::gateway {

// A parameter or a column value: SQL NULL, an integer (BIGINT) or text.
using SqlValue = std::variant<std::monostate, int64_t, std::string>;

class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool is_null(size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  // NULL reads as 0 (SUM over no rows); text holding a decimal integer is read as one.
  int64_t integer(size_t i) const;
  // NULL reads as ""; an integer as its decimal text.
  std::string text(size_t i) const;

 private:
  std::vector<SqlValue> values_;
};
using SqlRows = std::vector<SqlRow>;

// Statements use PostgreSQL's $1, $2 ... placeholders (the SQLite driver maps them to ?1).
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Result<SqlRows> run(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  Result<SqlRows> run(std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return run(sql, std::vector<SqlValue>(params));
  }
};

enum class SqlDialect { kSqlite, kPostgres };

enum class TxKind {
  kRead,       // a consistent snapshot for reports
  kWrite,      // short writes; SQLite takes its write lock up front (BEGIN IMMEDIATE)
  kExclusive,  // migrations: one at a time across every process sharing the database
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs `body` in one transaction on a connection nobody else uses meanwhile; commits
  // when it returns ok, rolls back otherwise (and returns its status).
  virtual Status transact(TxKind kind, const std::function<Status(SqlConnection&)>& body) = 0;
};

// A constraint (UNIQUE, FOREIGN KEY, CHECK) refused a write: drivers report it with this
// code and message prefix so callers can tell it from a broken connection.
inline constexpr std::string_view kConstraintPrefix = "constraint violated";

}  // namespace herd::gateway
