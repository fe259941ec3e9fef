#include "cli/serve_gateway.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "gateway/price_file.h"
#include "gateway/usage_report.h"
#include "store/store_layout.h"

namespace herd::cli {

void add_serve_gateway_options(CLI::App* cmd, ServeGatewayOptions* o) {
  cmd->add_flag("--auth", o->auth,
                "Require an API key (herd keys create) on every /v1 and /api route; meter and bill each request");
  cmd->add_option("--db", o->db,
                  "The gateway's database with --auth: a SQLite file or postgres://... shared by replicas "
                  "(default: $HERD_GATEWAY_DB, else $HERD_HOME/gateway.db)");
  cmd->add_option("--secret-file", o->secret_file,
                  "The secret API keys are hashed with (default: $HERD_GATEWAY_SECRET_FILE, else "
                  "$HERD_HOME/gateway.secret); replicas sharing a database share it too");
  cmd->add_option("--prices", o->prices, "Load prices per model from this JSON file at start (see herd prices)");
  cmd->add_option("--usage-retention", o->retention,
                  "Delete ledger rows older than this (e.g. 90d) while serving; default: keep all");
}

Result<std::unique_ptr<ServeGateway>> start_serve_gateway(const ServeGatewayOptions& o, const std::string& holder) {
  if (!o.auth) {
    if (!o.db.empty() || !o.secret_file.empty() || !o.prices.empty() || !o.retention.empty()) {
      return invalid_argument("--db, --secret-file, --prices and --usage-retention need --auth");
    }
    return std::unique_ptr<ServeGateway>();
  }
  int64_t retention_s = 0;
  if (!o.retention.empty()) {
    HERD_ASSIGN_OR_RETURN(retention_s, gateway::parse_duration_s(o.retention));
  }
  auto out = std::make_unique<ServeGateway>();
  const gateway::GatewayLocation where = gateway::resolve_gateway_location(
      store::StoreLayout::from_environment().home(), o.db, o.secret_file);
  HERD_ASSIGN_OR_RETURN(out->opened, gateway::open_gateway(where));
  if (!o.prices.empty()) {
    HERD_ASSIGN_OR_RETURN(gateway::PriceList prices, gateway::load_price_file(*out->opened.db, o.prices));
    std::fprintf(stderr, "herd serve: loaded %zu price%s from %s\n", prices.size(), prices.size() == 1 ? "" : "s",
                 o.prices.c_str());
  }
  gateway::GatewayParams params;
  params.db = out->opened.db.get();
  params.hasher = out->opened.hasher;
  params.holder = holder;
  params.retention_s = retention_s;
  params.log = [](std::string_view line) {
    std::fprintf(stderr, "herd serve: error: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  HERD_ASSIGN_OR_RETURN(out->gateway, gateway::Gateway::create(std::move(params)));
  if (!out->gateway->has_active_key()) {
    return invalid_argument("--auth needs at least one key: make one with `herd keys create --name NAME`");
  }
  return out;
}

}  // namespace herd::cli
