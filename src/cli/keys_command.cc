// herd keys create|list|show|update|revoke: API keys for the gateway. The new key is
// printed once, alone on stdout; nothing else ever prints a key or its hash.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/gateway_flags.h"
#include "gateway/key_admin.h"
#include "gateway/usage_report.h"

namespace herd::cli {
namespace {

using gateway::KeyRecord;
using gateway::KeySpec;
using Json = nlohmann::ordered_json;

// The options create and update share; each Option* tells whether it was given.
struct KeyOptions {
  GatewayFlags gateway;
  std::string ref;
  std::string name;
  int64_t rpm = 0, tpm = 0;
  std::string budget, period, models;
  bool admin = false, no_admin = false, no_budget = false;
  CLI::Option *name_opt = nullptr, *rpm_opt = nullptr, *tpm_opt = nullptr, *budget_opt = nullptr,
              *period_opt = nullptr, *models_opt = nullptr;
};

void add_key_options(CLI::App* cmd, KeyOptions* o) {
  o->rpm_opt = cmd->add_option("--rpm", o->rpm, "Requests per minute (0: no limit)");
  o->tpm_opt = cmd->add_option("--tpm", o->tpm, "Tokens per minute, input and output (0: no limit)");
  o->budget_opt = cmd->add_option("--budget", o->budget, "Spend allowed per period, e.g. 25.50 (needs --period)");
  o->period_opt = cmd->add_option("--period", o->period, "The budget's period: day or month (UTC)");
  o->models_opt = cmd->add_option("--models", o->models, "Models it may use, comma-separated (default: all)");
  cmd->add_flag("--admin", o->admin, "May manage keys and read usage over HTTP (/admin/*)");
  add_gateway_flags(cmd, &o->gateway);
}

Result<std::vector<std::string>> split_models(const std::string& text) {
  std::vector<std::string> models;
  if (text.empty()) return models;  // --models "": every model
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    models.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return models;
}

Result<KeySpec> spec_from(const KeyOptions& o) {
  KeySpec spec;
  if (o.name_opt != nullptr && o.name_opt->count() > 0) spec.name = o.name;
  if (o.rpm_opt->count() > 0) spec.rpm = o.rpm;
  if (o.tpm_opt->count() > 0) spec.tpm = o.tpm;
  if (o.budget_opt->count() > 0) {
    HERD_ASSIGN_OR_RETURN(spec.budget, gateway::parse_amount(o.budget, "--budget"));
  }
  if (o.period_opt->count() > 0) {
    std::optional<gateway::BudgetPeriod> p = gateway::parse_budget_period(o.period);
    if (!p || *p == gateway::BudgetPeriod::kNone) return invalid_argument("--period must be day or month");
    spec.period = *p;
  }
  if (o.no_budget) {
    if (spec.budget || spec.period) return invalid_argument("--no-budget cannot go with --budget or --period");
    spec.period = gateway::BudgetPeriod::kNone;
  }
  if (o.models_opt->count() > 0) {
    HERD_ASSIGN_OR_RETURN(spec.models, split_models(o.models));
  }
  if (o.admin && o.no_admin) return invalid_argument("--admin and --no-admin contradict each other");
  if (o.admin) spec.admin = true;
  if (o.no_admin) spec.admin = false;
  return spec;
}

std::string limit_text(int64_t v) { return v == 0 ? "-" : std::to_string(v); }

std::vector<std::string> key_cells(const KeyRecord& k) {
  const bool budgeted = k.limits.period != gateway::BudgetPeriod::kNone;
  std::string models;
  for (const std::string& m : k.limits.models) models += (models.empty() ? "" : ",") + m;
  return {std::to_string(k.id),
          k.name,
          k.display_prefix,
          k.admin ? "yes" : "no",
          limit_text(k.limits.rpm),
          limit_text(k.limits.tpm),
          budgeted ? gateway::format_amount(k.limits.budget) + "/" + gateway::budget_period_name(k.limits.period)
                   : "-",
          models.empty() ? "all" : models,
          iso_time(k.created_at),
          k.revoked_at == 0 ? "active" : "revoked " + iso_time(k.revoked_at)};
}

int create(const KeyOptions& o) {
  Result<KeySpec> spec = spec_from(o);
  if (!spec.ok()) return fail_redacted(spec.status());
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<gateway::CreatedKey> created = gateway::create_key(*gw->db, gw->hasher, *spec);
  if (!created.ok()) return fail_redacted(created.status());
  std::fprintf(stderr, "herd: created key %lld \"%s\" (%s); it is shown only now, keep it safe\n",
               static_cast<long long>(created->record.id), created->record.name.c_str(),
               created->record.display_prefix.c_str());
  std::printf("%s\n", created->key.c_str());
  std::fflush(stdout);
  return 0;
}

int list(const GatewayFlags& flags, bool all, const std::string& format) {
  if (Status s = check_format(format, {"table", "json"}); !s.ok()) return fail_redacted(s);
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(flags);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<std::vector<KeyRecord>> keys = gw->db->list_keys(all);
  if (!keys.ok()) return fail_redacted(keys.status());
  if (format == "json") {
    Json out = Json::array();
    for (const KeyRecord& k : *keys) out.push_back(gateway::key_json(k));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> lines = {
      {"ID", "NAME", "PREFIX", "ADMIN", "RPM", "TPM", "BUDGET", "MODELS", "CREATED", "STATUS"}};
  for (const KeyRecord& k : *keys) lines.push_back(key_cells(k));
  std::fputs(gateway::render_text_table(lines).c_str(), stdout);
  return 0;
}

int show(const GatewayFlags& flags, const std::string& ref) {
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(flags);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<KeyRecord> key = gateway::find_key_ref(*gw->db, ref);
  if (!key.ok()) return fail_redacted(key.status());
  Json out = gateway::key_json(*key);
  if (key->limits.period != gateway::BudgetPeriod::kNone) {
    const int64_t start = gateway::period_start(key->limits.period, static_cast<int64_t>(std::time(nullptr)));
    Result<gateway::Micros> spent = gw->db->spent(key->id, start);
    if (!spent.ok()) return fail_redacted(spent.status());
    out["spent"] = gateway::format_amount(*spent);
    out["period_start"] = start;
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int update(const KeyOptions& o) {
  Result<KeySpec> spec = spec_from(o);
  if (!spec.ok()) return fail_redacted(spec.status());
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<KeyRecord> current = gateway::find_key_ref(*gw->db, o.ref);
  if (!current.ok()) return fail_redacted(current.status());
  Result<KeyRecord> next = gateway::update_key(*gw->db, *current, *spec);
  if (!next.ok()) return fail_redacted(next.status());
  std::fprintf(stderr, "herd: updated key %lld \"%s\"\n", static_cast<long long>(next->id), next->name.c_str());
  return 0;
}

int revoke(const GatewayFlags& flags, const std::string& ref) {
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(flags);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<KeyRecord> key = gateway::find_key_ref(*gw->db, ref);
  if (!key.ok()) return fail_redacted(key.status());
  if (key->revoked_at != 0) return fail_redacted("key " + std::to_string(key->id) + " is revoked already");
  if (Status s = gw->db->revoke_key(key->id, static_cast<int64_t>(std::time(nullptr))); !s.ok()) return fail_redacted(s);
  std::fprintf(stderr, "herd: revoked key %lld \"%s\"\n", static_cast<long long>(key->id), key->name.c_str());
  return 0;
}

}  // namespace

CommandRunner add_keys_command(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "API keys for the gateway (herd serve --auth)");
  keys->require_subcommand(1);

  auto c = std::make_shared<KeyOptions>();
  CLI::App* create_cmd = keys->add_subcommand("create", "Make a key and print it, once, on stdout");
  c->name_opt = create_cmd->add_option("--name", c->name, "A unique name: [A-Za-z0-9._-], at most 64")->required();
  add_key_options(create_cmd, c.get());

  auto l = std::make_shared<GatewayFlags>();
  auto all = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>("table");
  CLI::App* list_cmd = keys->add_subcommand("list", "List keys (never the keys themselves)");
  list_cmd->add_flag("--all", *all, "Include revoked keys");
  list_cmd->add_option("--format", *format, "table or json");
  add_gateway_flags(list_cmd, l.get());

  auto s = std::make_shared<KeyOptions>();
  CLI::App* show_cmd = keys->add_subcommand("show", "Show one key's settings and its spend this period");
  show_cmd->add_option("ref", s->ref, "An id, a name or a display prefix (herd_Ab3xQ9)")->required();
  add_gateway_flags(show_cmd, &s->gateway);

  auto u = std::make_shared<KeyOptions>();
  CLI::App* update_cmd = keys->add_subcommand("update", "Change a key's limits, budget, models or admin right");
  update_cmd->add_option("ref", u->ref, "An id, a name or a display prefix")->required();
  add_key_options(update_cmd, u.get());
  update_cmd->add_flag("--no-budget", u->no_budget, "Remove the budget");
  update_cmd->add_flag("--no-admin", u->no_admin, "Take the admin right away");

  auto r = std::make_shared<KeyOptions>();
  CLI::App* revoke_cmd = keys->add_subcommand("revoke", "Revoke a key (running servers refuse it within seconds)");
  revoke_cmd->add_option("ref", r->ref, "An id, a name or a display prefix")->required();
  add_gateway_flags(revoke_cmd, &r->gateway);

  return [=] {
    if (create_cmd->parsed()) return create(*c);
    if (list_cmd->parsed()) return list(*l, *all, *format);
    if (show_cmd->parsed()) return show(s->gateway, s->ref);
    if (update_cmd->parsed()) return update(*u);
    if (revoke_cmd->parsed()) return revoke(r->gateway, r->ref);
    return fail_redacted("keys: no subcommand given");
  };
}

}  // namespace herd::cli
