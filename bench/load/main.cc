// bench_load: a load generator for OpenAI-compatible servers (herd serve,
// llama-server). Opens C concurrent streaming requests, times every token, and
// reports aggregate generation tokens/s, TTFT and inter-token latency.
//
//   bench_load --url http://127.0.0.1:8080 -c 16 -n 64 --max-tokens 128 --rounds 3
//   bench_load --url ... -c 1 -n 8 --shared-prefix-tokens 1500 --suffix-tokens 50 --json
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <random>

#include "report.h"
#include "runner.h"
#include "server_info.h"

namespace herd::load {
namespace {

struct Options {
  RunConfig run;
  PromptParams prompt;
  int rounds = 1;
  int warmup = -1;  // -1: one warm-up request when a shared prefix is used
  bool chat = false;
  bool json = false;
  std::string json_schema_file;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--url", o.run.target.url, "server root, scheme://host:port")
      ->default_val("http://127.0.0.1:8080");
  app.add_option("--model", o.run.body.model, "model name (default: first of GET /v1/models)");
  app.add_flag("--chat", o.chat, "use /v1/chat/completions instead of /v1/completions");
  app.add_option("-c,--concurrency", o.run.concurrency, "streams in flight")
      ->default_val(1)->check(CLI::Range(1, 4096));
  app.add_option("-n,--requests", o.run.requests, "requests per round (default: concurrency)")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  app.add_option("-r,--rounds", o.rounds, "rounds")->default_val(1)->check(CLI::PositiveNumber);
  app.add_option("--max-tokens", o.run.body.max_tokens, "tokens to generate per request")
      ->default_val(128)->check(CLI::PositiveNumber);
  app.add_option("--temperature", o.run.body.temperature)->default_val(0.0);
  app.add_option("--prompt", o.prompt.fixed_text, "fixed prompt text (without a shared prefix)")
      ->default_val("Once upon a time");
  app.add_option("--shared-prefix-tokens", o.prompt.shared_prefix_tokens,
                 "send a shared prefix of about N tokens plus a unique suffix")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  app.add_option("--suffix-tokens", o.prompt.suffix_tokens, "unique suffix size")
      ->default_val(50)->check(CLI::NonNegativeNumber);
  app.add_flag("--unique-prefix", o.prompt.unique_prefix,
               "make every prefix differ from its first words (cache misses)");
  app.add_option("--warmup", o.warmup, "unmeasured requests first (default: 1 with a shared prefix)")
      ->default_val(-1);
  app.add_option("--api-key", o.run.target.api_key, "API key for a server started with --auth (or $HERD_API_KEY)")
      ->envname("HERD_API_KEY");
  app.add_option("--timeout", o.run.target.timeout_s, "seconds to wait on a silent stream")
      ->default_val(300.0);
  app.add_flag("--json", o.json, "print one JSON object instead of text");
  app.add_option("--json-schema", o.json_schema_file,
                 "chat only: constrain every answer to this JSON schema (response_format json_schema)")
      ->check(CLI::ExistingFile);
}

int run(Options& o) {
  auto& url = o.run.target.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  o.run.body.api = o.chat ? Api::kChat : Api::kCompletions;
  o.run.target.path = api_path(o.run.body.api);
  if (o.run.requests == 0) o.run.requests = o.run.concurrency;
  if (!o.json_schema_file.empty()) {
    if (!o.chat) {
      std::cerr << "bench_load: --json-schema needs --chat\n";
      return 2;
    }
    std::ifstream in(o.json_schema_file);
    o.run.body.json_schema = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (o.run.body.json_schema.is_discarded()) {
      std::cerr << "bench_load: " << o.json_schema_file << " is not JSON\n";
      return 2;
    }
  }
  if (o.run.body.model.empty()) {
    auto model = first_model_id(url, o.run.target.api_key);
    if (!model) {
      std::cerr << "bench_load: GET " << url << "/v1/models failed; pass --model\n";
      return 2;
    }
    o.run.body.model = *model;
  }
  if (o.warmup < 0) o.warmup = (o.prompt.shared_prefix_tokens > 0 && !o.prompt.unique_prefix);

  const auto prompts = PromptSource::prepare(
      o.prompt, [&](const std::string& text) { return count_tokens(url, text, o.run.target.api_key); },
      std::random_device{}() | (uint64_t(std::random_device{}()) << 32));
  if (o.prompt.shared_prefix_tokens > 0 && !prompts.measured()) {
    std::cerr << "bench_load: POST /tokenize unavailable; prompt sizes are estimates\n";
  }

  for (const auto& res : run_warmup(o.run, prompts, o.warmup)) {
    if (!res.ok) std::cerr << "bench_load: warm-up request failed: " << res.error << "\n";
  }
  std::vector<RoundResult> rounds;
  for (int r = 0; r < o.rounds; ++r) {
    int last_quarter = 0;
    rounds.push_back(run_round(o.run, prompts, r, [&](int done, int total) {
      const int quarter = done * 4 / total;
      if (quarter == last_quarter) return;
      last_quarter = quarter;
      std::cerr << "round " << r + 1 << "/" << o.rounds << ": " << done << "/" << total
                << " requests done\n";
    }));
  }

  const RunInfo info{url, o.run.target.path, o.run.body.model, o.run.concurrency,
                     o.run.requests, o.rounds, o.run.body.max_tokens, o.warmup,
                     prompts.prefix_tokens(), prompts.suffix_tokens(),
                     o.prompt.unique_prefix, prompts.measured()};
  const Report report = build_report(rounds);
  if (o.json) {
    std::cout << report_json(info, report).dump(2) << "\n";
  } else {
    print_report(std::cout, info, report);
  }
  return report.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace herd::load

int main(int argc, char** argv) {
  CLI::App app{"bench_load: streaming load generator for OpenAI-compatible servers"};
  herd::load::Options options;
  herd::load::add_options(app, options);
  CLI11_PARSE(app, argc, argv);
  return herd::load::run(options);
}
