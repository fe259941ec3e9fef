// herd usage: what the keys spent, from the gateway's ledger, as a table, CSV or JSON.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/gateway_flags.h"
#include "gateway/key_admin.h"
#include "gateway/model_name.h"
#include "gateway/usage_report.h"

namespace herd::cli {
namespace {

struct UsageOptions {
  GatewayFlags gateway;
  std::string key, model, since, until, by;
  std::string format = "table";
};

int usage(const UsageOptions& o) {
  std::optional<gateway::UsageFormat> format = gateway::parse_usage_format(o.format);
  if (!format) return fail_redacted(check_format(o.format, {"table", "csv", "json"}));
  gateway::UsageQuery q;
  if (!o.by.empty()) {
    std::optional<gateway::UsageQuery::GroupBy> g = gateway::parse_group_by(o.by);
    if (!g) return fail_redacted("--by must be one of key, model, day, hour");
    q.group_by = *g;
  }
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (auto [text, out, what] : {std::tuple{&o.since, &q.since_us, "--since"}, {&o.until, &q.until_us, "--until"}}) {
    if (text->empty()) continue;
    Result<int64_t> t = gateway::parse_time_point(*text, now_us);
    if (!t.ok()) return fail_redacted(t.status().with_context(what));
    *out = *t;
  }
  if (q.since_us >= q.until_us) return fail_redacted("--since must come before --until");
  if (!o.model.empty()) {
    if (Status s = gateway::validate_model_name(o.model, "--model"); !s.ok()) return fail_redacted(s);
    q.model = o.model;
  }
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  if (!o.key.empty()) {
    Result<gateway::KeyRecord> key = gateway::find_key_ref(*gw->db, o.key);
    if (!key.ok()) return fail_redacted(key.status());
    q.key_id = key->id;
  }
  Result<std::vector<gateway::UsageTotals>> rows = gw->db->usage(q);
  if (!rows.ok()) return fail_redacted(rows.status());
  std::map<int64_t, std::string> names;
  if (q.group_by == gateway::UsageQuery::GroupBy::kKey) {
    Result<std::vector<gateway::KeyRecord>> keys = gw->db->list_keys(/*include_revoked=*/true);
    if (!keys.ok()) return fail_redacted(keys.status());
    for (const gateway::KeyRecord& k : *keys) names[k.id] = k.name;
  }
  std::fputs(gateway::render_usage(*rows, q.group_by, *format, names).c_str(), stdout);
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
