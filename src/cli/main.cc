// herd: run open-weight LLMs on your own machines.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gateway/api_key.h"

int main(int argc, char** argv) {
  CLI::App app("herd: run open-weight LLMs on your own machines", "herd");
  app.require_subcommand(1);
  using namespace herd::cli;
  const std::vector<std::pair<CLI::App*, CommandRunner>> commands = [&] {
    std::vector<std::pair<CLI::App*, CommandRunner>> v;
    for (auto add : {add_run_command, add_tokenize_command, add_logits_command, add_inspect_command,
                     add_quantize_command, add_synth_command, add_bench_command, add_template_command, add_chat_command,
                     add_serve_command, add_list_command, add_show_command, add_rm_command, add_cp_command,
                     add_prune_command, add_create_command, add_import_command, add_push_command,
                     add_pull_command, add_keys_command, add_prices_command, add_usage_command}) {
      CommandRunner runner = add(app);
      v.emplace_back(app.get_subcommands({}).back(), std::move(runner));
    }
    return v;
  }();
  std::string names;
  for (const auto& [cmd, runner] : commands) names += (names.empty() ? "" : ", ") + cmd->get_name();
  if (argc == 1) {
    fail("no command given (commands: " + names + "; see --help)");
    return 2;
  }
  if (argv[1][0] != '-') {
    bool known = false;
    for (const auto& [cmd, runner] : commands) known |= cmd->check_name(argv[1]);
    if (!known) {
      fail(std::string("unknown command \"") + argv[1] + "\" (commands: " + names + "; see --help)");
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Parse errors echo arguments: a key pasted in the wrong place is not printed back.
    fail(herd::gateway::redact_api_keys(e.what()));
    return 2;
  }
  try {
    for (const auto& [cmd, runner] : commands) {
      if (cmd->parsed()) return runner();
    }
  } catch (const std::exception& e) {
    return fail(std::string("unexpected error: ") + e.what());
  }
  return fail("no command given");
}
