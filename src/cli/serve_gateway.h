// herd serve's gateway options (--auth and what goes with it) and the gateway they start.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "gateway/gateway.h"
#include "cli/gateway_flags.h"
#include "gateway/gateway_home.h"

namespace CLI {
class App;
}

namespace herd::cli {

struct ServeGatewayOptions {
  bool auth = false;
  GatewayFlags where;       // --db, --secret-file (as for herd keys)
  std::string prices;       // --prices FILE, loaded at start
  std::string retention;    // --usage-retention 90d
};

void add_serve_gateway_options(CLI::App* cmd, ServeGatewayOptions* o);

struct ServeGateway {
  gateway::OpenedGateway opened;
  std::unique_ptr<gateway::Gateway> gateway;
};

// nullptr without --auth (and an error if gateway options came without it). With --auth:
// the database opened and migrated, --prices loaded, and kInvalidArgument when no active
// key exists (a server nobody could call). `holder` names this server's reservations.
Result<std::unique_ptr<ServeGateway>> start_serve_gateway(const ServeGatewayOptions& o, const std::string& holder);

}  // namespace herd::cli
