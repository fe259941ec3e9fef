// Where `herd keys|prices|usage` and `herd serve` find the gateway: its database and the
// secret that keys are hashed under. The gateway layer does not know the store, so the
// caller passes herd's home directory ($HERD_HOME, else ~/.herd).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "gateway/gateway_db.h"
#include "gateway/key_hasher.h"

namespace herd::gateway {

struct GatewayLocation {
  std::string home;         // herd's home directory: made (0700) when a default lies in it
  std::string db;           // a SQLite path or a postgres:// URI
  std::string secret_file;  // the HMAC secret (key_hasher.h)
};

// The flags win, then $HERD_GATEWAY_DB and $HERD_GATEWAY_SECRET_FILE, then
// <home>/gateway.db and <home>/gateway.secret. Empty flags count as not given.
GatewayLocation resolve_gateway_location(const std::string& home, const std::string& db_flag,
                                         const std::string& secret_flag);

struct OpenedGateway {
  std::unique_ptr<GatewayDb> db;  // migrated
  KeyHasher hasher;
};

// Makes the home directory when needed, opens the database, loads (or makes) the secret
// and migrates the schema with the secret's check value, so a database made under another
// secret is refused here. Errors never hold the database URI (it may hold a password).
Result<OpenedGateway> open_gateway(const GatewayLocation& where);

}  // namespace herd::gateway
