// herd prices set|list|rm|load: what a model's tokens cost, per 1M tokens, as decimal text.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "cli/gateway_flags.h"
#include "gateway/model_name.h"
#include "gateway/price_file.h"
#include "gateway/usage_report.h"

namespace herd::cli {
namespace {

using gateway::format_amount;

struct PriceOptions {
  GatewayFlags gateway;
  std::string model, input, cached_input, output, file;
  std::string format = "table";
};

int set(const PriceOptions& o) {
  if (Status s = gateway::validate_model_name(o.model, "model"); !s.ok()) return fail_redacted(s);
  Result<gateway::Price> price = gateway::price_from_text(o.input, o.cached_input, o.output);
  if (!price.ok()) return fail_redacted(price.status());
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  if (Status s = gw->db->set_price(o.model, *price); !s.ok()) return fail_redacted(s);
  std::fprintf(stderr, "herd: %s costs %s / %s / %s per 1M input / cached input / output tokens\n", o.model.c_str(),
               format_amount(price->input).c_str(), format_amount(price->cached_input).c_str(),
               format_amount(price->output).c_str());
  return 0;
}

int list(const PriceOptions& o) {
  if (Status s = check_format(o.format, {"table", "json"}); !s.ok()) return fail_redacted(s);
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<gateway::PriceList> prices = gw->db->list_prices();
  if (!prices.ok()) return fail_redacted(prices.status());
  if (o.format == "json") {
    // The same shape `prices load` reads, so a listing can be edited and loaded back.
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [model, p] : *prices) {
      out[model] = {{"input", format_amount(p.input)},
                    {"cached_input", format_amount(p.cached_input)},
                    {"output", format_amount(p.output)}};
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> lines = {{"MODEL", "INPUT", "CACHED_INPUT", "OUTPUT"}};
  for (const auto& [model, p] : *prices) {
    lines.push_back({model, format_amount(p.input), format_amount(p.cached_input), format_amount(p.output)});
  }
  std::fputs(gateway::render_text_table(lines).c_str(), stdout);
  return 0;
}

int remove(const PriceOptions& o) {
  if (Status s = gateway::validate_model_name(o.model, "model"); !s.ok()) return fail_redacted(s);
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<gateway::PriceList> prices = gw->db->list_prices();
  if (!prices.ok()) return fail_redacted(prices.status());
  bool known = false;
  for (const auto& entry : *prices) known |= entry.first == o.model;
  if (!known) return fail_redacted(o.model + " has no price");
  if (Status s = gw->db->delete_price(o.model); !s.ok()) return fail_redacted(s);
  std::fprintf(stderr, "herd: %s has no price now (its tokens cost nothing)\n", o.model.c_str());
  return 0;
}

int load(const PriceOptions& o) {
  Result<gateway::OpenedGateway> gw = open_gateway_from_flags(o.gateway);
  if (!gw.ok()) return fail_redacted(gw.status());
  Result<gateway::PriceList> loaded = gateway::load_price_file(*gw->db, o.file);
  if (!loaded.ok()) return fail_redacted(loaded.status());
  std::fprintf(stderr, "herd: set the prices of %zu models from %s\n", loaded->size(), o.file.c_str());
  return 0;
}

}  // namespace

CommandRunner add_prices_command(CLI::App& app) {
  CLI::App* prices = app.add_subcommand("prices", "Token prices per model, per 1M tokens (what usage costs)");
  prices->require_subcommand(1);

  auto s = std::make_shared<PriceOptions>();
  CLI::App* set_cmd = prices->add_subcommand("set", "Set a model's prices");
  set_cmd->add_option("model", s->model, "The model id clients send")->required();
  set_cmd->add_option("--input", s->input, "Per 1M prompt tokens, e.g. 0.15")->required();
  set_cmd->add_option("--cached-input", s->cached_input, "Per 1M prompt tokens from the prefix cache (default: --input)");
  set_cmd->add_option("--output", s->output, "Per 1M completion tokens, e.g. 0.6")->required();
  add_gateway_flags(set_cmd, &s->gateway);

  auto l = std::make_shared<PriceOptions>();
  CLI::App* list_cmd = prices->add_subcommand("list", "List the prices");
  list_cmd->add_option("--format", l->format, "table or json (the format prices load reads)");
  add_gateway_flags(list_cmd, &l->gateway);

  auto r = std::make_shared<PriceOptions>();
  CLI::App* rm_cmd = prices->add_subcommand("rm", "Remove a model's prices (it then costs nothing)");
  rm_cmd->add_option("model", r->model, "The model id")->required();
  add_gateway_flags(rm_cmd, &r->gateway);

  auto f = std::make_shared<PriceOptions>();
  CLI::App* load_cmd = prices->add_subcommand(
      "load", "Set prices from a JSON file: {\"MODEL\": {\"input\": \"0.15\", \"cached_input\": \"0.075\", "
              "\"output\": \"0.6\"}}");
  load_cmd->add_option("file", f->file, "The JSON file")->required();
  add_gateway_flags(load_cmd, &f->gateway);

  return [=] {
    if (set_cmd->parsed()) return set(*s);
    if (list_cmd->parsed()) return list(*l);
    if (rm_cmd->parsed()) return remove(*r);
    if (load_cmd->parsed()) return load(*f);
    return fail_redacted("prices: no subcommand given");
  };
}

}  // namespace herd::cli
