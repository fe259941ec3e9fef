#include "gateway/sqlite_gateway_db.h"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace herd::gateway {
namespace {

constexpr int kBusyTimeoutMs = 10'000;

// SQLite numbers parameters ?1, ?2 ... where PostgreSQL writes $1, $2 ...; the SQL text
// holds no '$' elsewhere.
std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out(sql);
  for (char& ch : out) {
    if (ch == '$') ch = '?';
  }
  return out;
}

Status sqlite_error(sqlite3* db, int rc) {
  const std::string what = std::string("sqlite: ") + sqlite3_errmsg(db);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return invalid_argument(std::string(kConstraintPrefix) + ": " + sqlite3_errmsg(db));
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return unavailable(what);
    case SQLITE_FULL: return resource_exhausted(what);
    default: return io_error(what);
  }
}

// One connection with its cached statements; used by one transaction at a time.
class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Status transact(const char* begin, const std::function<Status(SqlConnection&)>& body) {
    std::lock_guard<std::mutex> lock(mu_);
    HERD_RETURN_IF_ERROR(run(begin, {}).status());
    Status st = body(*this);
    if (st.ok()) st = run("COMMIT", {}).status();
    if (!st.ok() && !sqlite3_get_autocommit(db_)) (void)run("ROLLBACK", {});
    return st;
  }

  using SqlConnection::run;
  Result<SqlRows> run(std::string_view sql, const std::vector<SqlValue>& params) override {
    HERD_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, prepared(sql));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      const int at = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, at, *n);
      } else if (const std::string* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, at, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, at);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc);
    }
    SqlRows rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status st = sqlite_error(db_, rc);
        sqlite3_reset(stmt);
        return st;
      }
      rows.push_back(read_row(stmt));
    }
    sqlite3_reset(stmt);  // ends the statement's read of the database
    return rows;
  }

 private:
  Result<sqlite3_stmt*> prepared(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return it->second;
    const std::string text = to_sqlite_placeholders(sql);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc);
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  static SqlRow read_row(sqlite3_stmt* stmt) {
    const int n = sqlite3_column_count(stmt);
    std::vector<SqlValue> values;
    values.reserve(n);
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL: values.emplace_back(); break;
        case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i))); break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          values.emplace_back(std::string(text != nullptr ? text : "", sqlite3_column_bytes(stmt, i)));
        }
      }
    }
    return SqlRow(std::move(values));
  }

  sqlite3* db_;
  std::mutex mu_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// `checkpoints`: false for the writer, whose commits leave most checkpointing to the thread
// below (see SqliteDatabase).
Result<std::unique_ptr<SqliteConnection>> connect(const std::string& path, bool checkpoints = true) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return io_error("cannot open the gateway database file: " + why);
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers never block the writer; NORMAL: a commit survives a killed process
  // (the power-cut trade-off is in gateway_db.h).
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                             checkpoints ? "PRAGMA wal_autocheckpoint = 1000" : "PRAGMA wal_autocheckpoint = 4000"}) {
    char* error = nullptr;
    if (sqlite3_exec(db, pragma, nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string why = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      return io_error("setting up the gateway database file: " + why);
    }
  }
  return conn;
}

// A writer and a reader connection: under WAL a long report reads its snapshot on the
// reader while requests keep settling on the writer. Checkpoints (copying the WAL back
// into the database and fsyncing it: milliseconds) are kept off requests' paths: a thread
// of its own copies on a third connection every kCheckpointInterval, in PASSIVE mode so
// writers never wait for it. Under steady load that copy never quite catches up with the
// last frames, and only a writer can restart the WAL, so the writer still checkpoints once
// the WAL reaches 4000 pages (16 MiB), finding nearly everything copied already.
class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(std::unique_ptr<SqliteConnection> writer, std::unique_ptr<SqliteConnection> reader,
                 sqlite3* checkpointer)
      : writer_(std::move(writer)), reader_(std::move(reader)), checkpointer_(checkpointer) {
    checkpoints_ = std::thread([this] { checkpoint_loop(); });
  }
  ~SqliteDatabase() override {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    checkpoints_.join();
    sqlite3_close(checkpointer_);  // the last connection to close also checkpoints what is left
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }

  Status transact(TxKind kind, const std::function<Status(SqlConnection&)>& body) override {
    // Writers take the write lock at BEGIN, so the busy timeout covers every wait (a
    // read transaction upgraded later could fail at once instead of waiting).
    if (kind == TxKind::kRead) return reader_->transact("BEGIN", body);
    return writer_->transact("BEGIN IMMEDIATE", body);
  }

 private:
  static constexpr std::chrono::milliseconds kCheckpointInterval{100};

  void checkpoint_loop() {
    std::unique_lock<std::mutex> lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, kCheckpointInterval, [this] { return stopping_; })) {
      // Busy (another process checkpoints) or behind a reader's snapshot: the next turn
      // copies the rest; nothing here can lose a commit.
      (void)sqlite3_wal_checkpoint_v2(checkpointer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
  }

  std::unique_ptr<SqliteConnection> writer_;
  std::unique_ptr<SqliteConnection> reader_;
  sqlite3* checkpointer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread checkpoints_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_sqlite_database(const std::string& path) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer, connect(path, /*checkpoints=*/false));
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader, connect(path));
  sqlite3* checkpointer = nullptr;
  if (sqlite3_open_v2(path.c_str(), &checkpointer, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = checkpointer != nullptr ? sqlite3_errmsg(checkpointer) : "out of memory";
    sqlite3_close(checkpointer);
    return io_error("cannot open the gateway database file: " + why);
  }
  sqlite3_busy_timeout(checkpointer, kBusyTimeoutMs);
  return std::unique_ptr<SqlDatabase>(
      std::make_unique<SqliteDatabase>(std::move(writer), std::move(reader), checkpointer));
}

Result<std::unique_ptr<SqlGatewayDb>> open_sqlite_gateway_db(const std::string& path) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, open_sqlite_database(path));
  return std::make_unique<SqlGatewayDb>(std::move(db));
}

}  // namespace herd::gateway
