// The herd subcommands. Each registers its options on the CLI11 app and returns the
// process exit code when run; errors print one line to stderr and return non-zero.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace herd::cli {

using CommandRunner = std::function<int()>;

CommandRunner add_run_command(CLI::App& app);
CommandRunner add_tokenize_command(CLI::App& app);
CommandRunner add_logits_command(CLI::App& app);
CommandRunner add_inspect_command(CLI::App& app);
CommandRunner add_quantize_command(CLI::App& app);
CommandRunner add_synth_command(CLI::App& app);
CommandRunner add_bench_command(CLI::App& app);
CommandRunner add_template_command(CLI::App& app);
CommandRunner add_chat_command(CLI::App& app);
CommandRunner add_serve_command(CLI::App& app);
CommandRunner add_list_command(CLI::App& app);
CommandRunner add_show_command(CLI::App& app);
CommandRunner add_rm_command(CLI::App& app);
CommandRunner add_cp_command(CLI::App& app);
CommandRunner add_prune_command(CLI::App& app);
CommandRunner add_create_command(CLI::App& app);
CommandRunner add_import_command(CLI::App& app);
CommandRunner add_push_command(CLI::App& app);
CommandRunner add_pull_command(CLI::App& app);
CommandRunner add_keys_command(CLI::App& app);
CommandRunner add_prices_command(CLI::App& app);
CommandRunner add_usage_command(CLI::App& app);

}  // namespace herd::cli

namespace herd {
struct QuantizeProgress;
}

namespace herd::cli {

// One stderr line per converted tensor (quantize and synth).
void print_tensor_progress(const QuantizeProgress& p);

}  // namespace herd::cli
