// The gateway's tables, as an ordered list of migrations: version N is reached by
// applying steps 1..N in order. A new version appends a step; a step is never edited once
// released (databases in the field ran it).
#pragma once

#include <string>
#include <vector>

#include "gateway/sql_connection.h"

namespace herd::gateway {

// The version this binary writes; a database at a higher version is refused.
inline constexpr int kGatewaySchemaVersion = 2;

// The bootstrap table, created (if missing) before anything is read: one row, id 1.
std::string gateway_meta_ddl();

// The statements that take a database from version `version - 1` to `version`.
std::vector<std::string> migration_step(SqlDialect dialect, int version);

}  // namespace herd::gateway
