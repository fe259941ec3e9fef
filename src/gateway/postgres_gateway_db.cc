#include "gateway/postgres_gateway_db.h"

#include <libpq-fe.h>

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace herd::gateway {
namespace {

// Type OIDs (pg_type.dat) of the parameters we send and the integer columns we read.
constexpr Oid kInt2 = 21, kInt4 = 23, kInt8 = 20, kText = 25, kNumeric = 1700, kBool = 16;
// The advisory lock migrations hold, so replicas starting together migrate one at a time.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7250116852149)";

// libpq's message for a failed connection (it names the server, never the password).
std::string connection_message(PGconn* conn) {
  std::string m = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// A failed statement: only the primary message, since DETAIL may quote row values (a key
// hash, for one).
Status result_error(const PGresult* res, PGconn* conn) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string what = primary != nullptr ? primary : connection_message(conn);
  if (state != nullptr && state[0] == '2' && state[1] == '3') {  // class 23: integrity constraint
    return invalid_argument(std::string(kConstraintPrefix) + ": " + what);
  }
  if (state != nullptr && state[0] == '5' && state[1] == '3') return resource_exhausted("postgres: " + what);
  if (PQstatus(conn) != CONNECTION_OK) return unavailable("postgres: " + what);
  return io_error("postgres: " + what);
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

void ignore_notice(void*, const char*) {}  // "relation already exists, skipping" and such

class PgConnection final : public SqlConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) { PQsetNoticeProcessor(conn_, ignore_notice, nullptr); }
  ~PgConnection() override { PQfinish(conn_); }

  // A connection the server dropped is re-established (its prepared statements are gone).
  Status ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return Status();
    PQreset(conn_);
    prepared_.clear();
    if (PQstatus(conn_) != CONNECTION_OK) return unavailable("postgres: " + connection_message(conn_));
    PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
    return Status();
  }

  using SqlConnection::run;
  Result<SqlRows> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<Oid> types;
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::string signature;  // the statement is prepared once per parameter types
    for (size_t i = 0; i < params.size(); ++i) {
      if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
        types.push_back(kInt8);
        texts[i] = std::to_string(*n);
        values[i] = texts[i].c_str();
      } else if (const std::string* s = std::get_if<std::string>(&params[i])) {
        types.push_back(kText);
        values[i] = s->c_str();
      } else {
        types.push_back(0);  // NULL: the server infers the type
      }
      signature += std::to_string(types.back()) + ",";
    }
    HERD_ASSIGN_OR_RETURN(std::string name, prepared(signature + std::string(sql), sql, types));
    PgResult res(PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                                nullptr, 0));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return result_error(res.get(), conn_);
    return read_rows(res.get());
  }

 private:
  Result<std::string> prepared(const std::string& cache_key, std::string_view sql, const std::vector<Oid>& types) {
    auto it = prepared_.find(cache_key);
    if (it != prepared_.end()) return it->second;
    std::string name = "herd_" + std::to_string(prepared_.size());
    PgResult res(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), static_cast<int>(types.size()),
                           types.data()));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return result_error(res.get(), conn_);
    prepared_.emplace(cache_key, name);
    return name;
  }

  static SqlRows read_rows(const PGresult* res) {
    SqlRows rows;
    const int n_rows = PQntuples(res);
    const int n_cols = PQnfields(res);
    rows.reserve(n_rows);
    for (int r = 0; r < n_rows; ++r) {
      std::vector<SqlValue> values;
      values.reserve(n_cols);
      for (int c = 0; c < n_cols; ++c) {
        if (PQgetisnull(res, r, c)) {
          values.emplace_back();
          continue;
        }
        const std::string text(PQgetvalue(res, r, c), PQgetlength(res, r, c));
        const Oid type = PQftype(res, c);
        if (type == kBool) {
          values.emplace_back(int64_t{text == "t" ? 1 : 0});
        } else if (type == kInt2 || type == kInt4 || type == kInt8 || type == kNumeric) {
          values.emplace_back(SqlRow({text}).integer(0));  // SUM(bigint) is NUMERIC
        } else {
          values.emplace_back(text);
        }
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // signature + SQL -> name
};

Result<std::unique_ptr<PgConnection>> connect(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    const std::string why = connection_message(conn);
    PQfinish(conn);
    return unavailable("cannot connect to the gateway's PostgreSQL database: " + why);
  }
  return std::make_unique<PgConnection>(conn);
}

class PostgresDatabase final : public SqlDatabase {
 public:
  PostgresDatabase(std::string uri, int pool_size, std::unique_ptr<PgConnection> first)
      : uri_(std::move(uri)), unopened_(pool_size - 1) {
    idle_.push_back(std::move(first));
  }

  SqlDialect dialect() const override { return SqlDialect::kPostgres; }

  Status transact(TxKind kind, const std::function<Status(SqlConnection&)>& body) override {
    HERD_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, acquire());
    Status st = conn->ensure_connected();
    if (st.ok()) st = conn->run(kind == TxKind::kRead ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN").status();
    if (st.ok()) {
      if (kind == TxKind::kExclusive) st = conn->run(kMigrationLock).status();
      if (st.ok()) st = body(*conn);
      if (st.ok()) st = conn->run("COMMIT").status();
      if (!st.ok()) (void)conn->run("ROLLBACK");
    }
    give_back(std::move(conn));
    return st;
  }

 private:
  Result<std::unique_ptr<PgConnection>> acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!idle_.empty()) {
        std::unique_ptr<PgConnection> conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      if (unopened_ > 0) {
        --unopened_;
        lock.unlock();
        Result<std::unique_ptr<PgConnection>> conn = connect(uri_);
        if (!conn.ok()) {
          std::lock_guard<std::mutex> again(mu_);
          ++unopened_;
        }
        return conn;
      }
      freed_.wait(lock);
    }
  }

  void give_back(std::unique_ptr<PgConnection> conn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(std::move(conn));
    }
    freed_.notify_one();
  }

  const std::string uri_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int unopened_;  // connections the pool may still open
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_postgres_database(const std::string& uri, int pool_size) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> first, connect(uri));
  return std::unique_ptr<SqlDatabase>(std::make_unique<PostgresDatabase>(uri, std::max(pool_size, 1), std::move(first)));
}

Result<std::unique_ptr<SqlGatewayDb>> open_postgres_gateway_db(const std::string& uri) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, open_postgres_database(uri));
  return std::make_unique<SqlGatewayDb>(std::move(db));
}

}  // namespace herd::gateway
