// The SQLite backend: one file, WAL, synchronous=NORMAL, foreign keys on, a busy timeout
// so the CLI can write while a server runs. Two connections, each used by one transaction
// at a time with its prepared statements cached: short writes on one, reads on the other
// (under WAL a report reads its snapshot while requests keep settling).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "gateway/sql_connection.h"
#include "gateway/sql_gateway_db.h"

namespace herd::gateway {

// Opens (creating) the database file at `path`; its directory must exist. Errors never
// quote the path (a mistyped PostgreSQL URI lands here and may hold a password).
Result<std::unique_ptr<SqlDatabase>> open_sqlite_database(const std::string& path);
Result<std::unique_ptr<SqlGatewayDb>> open_sqlite_gateway_db(const std::string& path);

}  // namespace herd::gateway
