#include "cli/serve_gateway.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "gateway/price_file.h"
#include "gateway/usage_report.h"

namespace herd::cli {

void add_serve_gateway_options(CLI::App* cmd, ServeGatewayOptions* o) {
  cmd->add_flag("--auth", o->auth,
                "Require an API key (herd keys create) on every /v1 and /api route; meter and bill each request");
  add_gateway_flags(cmd, &o->where);  // replicas sharing a PostgreSQL database share the secret too
  cmd->add_option("--prices", o->prices, "Load prices per model from this JSON file at start (see herd prices)");
  cmd->add_option("--usage-retention", o->retention,
                  "Delete ledger rows older than this (e.g. 90d) while serving; default: keep all");
}

Result<std::unique_ptr<ServeGateway>> start_serve_gateway(const ServeGatewayOptions& o, const std::string& holder) {
  if (!o.auth) {
    if (!o.where.db.empty() || !o.where.secret_file.empty() || !o.prices.empty() || !o.retention.empty()) {
      return invalid_argument("--db, --secret-file, --prices and --usage-retention need --auth");
    }
    return std::unique_ptr<ServeGateway>();
  }
  int64_t retention_s = 0;
  if (!o.retention.empty()) {
    HERD_ASSIGN_OR_RETURN(retention_s, gateway::parse_duration_s(o.retention));
  }
  auto out = std::make_unique<ServeGateway>();
  HERD_ASSIGN_OR_RETURN(out->opened, open_gateway_from_flags(o.where));
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
