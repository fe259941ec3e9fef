// herd usage: what the keys spent, from the gateway's ledger, as a table, CSV or JSON.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/gateway_flags.h"
#include "gateway/usage_request.h"

namespace herd::cli {
namespace {

struct UsageOptions {
  GatewayFlags gateway;
  std::string key, model, since, until, by;
  std::string format;  // "": a table
};

int usage(const UsageOptions& o) {
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const gateway::UsageRequest request{o.key, o.model, o.since, o.until, o.by, o.format};
  Result<gateway::RenderedUsage> report =
      gateway::render_usage_request(*gw->db, request, now_us, "--", gateway::UsageFormat::kTable);
  if (!report.ok()) return fail_redacted(report.status());
  std::fputs(report->body.c_str(), stdout);
  return 0;
}

}  // namespace

CommandRunner add_usage_command(CLI::App& app) {
  auto o = std::make_shared<UsageOptions>();
  CLI::App* cmd = app.add_subcommand("usage", "Report requests, tokens and cost from the gateway's ledger");
  cmd->add_option("--key", o->key, "Only this key: an id, a name or a display prefix");
  cmd->add_option("--model", o->model, "Only this model");
  cmd->add_option("--since", o->since, "From: 2026-12-01, 2026-12-01T10:00:00Z, unix seconds, or ago (12h, 7d)");
  cmd->add_option("--until", o->until, "Until (not included), in the same forms (default: now and on)");
  cmd->add_option("--by", o->by, "Group by key, model, day or hour (UTC)");
  cmd->add_option("--format", o->format, "table, csv or json");
  add_gateway_flags(cmd, &o->gateway);
  return [o] { return usage(*o); };
}

}  // namespace herd::cli
