// The PostgreSQL backend (libpq): several herd replicas share one database. A small pool
// of connections, each used by one thread at a time, so concurrent requests do not queue
// on one socket; statements are prepared once per connection and always parameterized.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "gateway/sql_connection.h"
#include "gateway/sql_gateway_db.h"

namespace herd::gateway {

inline constexpr int kPostgresPoolSize = 4;

// `uri`: a libpq connection URI ("postgres://user:pw@host/db", "postgresql:///db?host=/dir").
// Connects once now (so a wrong URI fails here); the rest of the pool connects on demand.
// Errors hold libpq's message (never a password) but never the URI.
Result<std::unique_ptr<SqlDatabase>> open_postgres_database(const std::string& uri, int pool_size = kPostgresPoolSize);
Result<std::unique_ptr<SqlGatewayDb>> open_postgres_gateway_db(const std::string& uri);

}  // namespace herd::gateway
