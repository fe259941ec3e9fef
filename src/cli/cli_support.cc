#include "cli/cli_support.h"

#include <CLI/CLI.hpp>
#include <random>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>

#include "base/mapped_file.h"
#include "model/model.h"
#include "sampling/sampling_params.h"
#include "store/model_store.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {

CLI::Option* require_regular_file(CLI::Option* opt) {
  return opt->check(CLI::Validator(
      [](const std::string& path) {
        const Status s = check_regular_file(path);
        return s.ok() ? std::string() : s.message();
      },
      "FILE", "RegularFile"));
}

CLI::Option* require_model(CLI::Option* opt) {
  return opt->check(CLI::Validator(
      [](const std::string& arg) {
        const Result<store::ResolvedModel> r = store::resolve_model_argument(arg);
        return r.ok() ? std::string() : r.status().message();
      },
      "FILE|NAME", "Model"));
}

std::string iso_time(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buf;
}

int fail(const Status& status) { return fail(status.message()); }

int fail(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "herd: error: %s\n", line.c_str());
  return 1;
}

Result<std::vector<int32_t>> parse_id_list(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t' && text[j] != '\n') ++j;
    const std::string item = text.substr(i, j - i);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (end == item.c_str() || *end != '\0' || errno == ERANGE || v < 0 ||
        v > std::numeric_limits<int32_t>::max()) {
      return invalid_argument("\"" + item + "\" is not a token id (a non-negative integer)");
    }
    ids.push_back(static_cast<int32_t>(v));
    i = j;
  }
  if (ids.empty()) return invalid_argument("no token ids given");
  return ids;
}

void add_generation_options(CLI::App* cmd, GenerationOptions* gen, SamplingParams* sampling) {
  cmd->add_option("-n,--n-predict", gen->n_predict, "Tokens to generate (-1: until the end of the text or turn)")
      ->capture_default_str()->check(CLI::Range(-1, 1 << 30));
  cmd->add_option("-c,--ctx-size", gen->n_ctx, "Context size (0: the model's, at most 4096)")
      ->check(CLI::Range(0, 1 << 24));
  cmd->add_option("-t,--threads", gen->n_threads, "Threads (0: all cores)")->check(CLI::Range(0, 1024));
  cmd->add_option("--temp", sampling->temperature, "Temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", sampling->top_k, "Top-k (0: off)")->capture_default_str();
  cmd->add_option("--top-p", sampling->top_p, "Top-p (1: off)")->capture_default_str();
  cmd->add_option("--min-p", sampling->min_p, "Min-p (0: off)")->capture_default_str();
  cmd->add_option("--repeat-penalty", sampling->repeat_penalty, "Repetition penalty (1: off)")->capture_default_str();
  cmd->add_option("--repeat-last-n", sampling->repeat_last_n, "Tokens the penalties look back over")
      ->capture_default_str();
  cmd->add_option("--frequency-penalty", sampling->frequency_penalty, "Frequency penalty")->capture_default_str();
  cmd->add_option("--presence-penalty", sampling->presence_penalty, "Presence penalty")->capture_default_str();
  cmd->add_option("-s,--seed", sampling->seed, "Random seed (default: random)")
      ->each([gen](const std::string&) { gen->seed_given = true; });
}

Result<SamplingParams> resolve_sampling(const GenerationOptions& gen, const SamplingParams& sampling) {
  SamplingParams out = sampling;
  if (!gen.seed_given) out.seed = std::random_device{}();
  HERD_RETURN_IF_ERROR(validate(out));
  return out;
}

Result<LoadedModel> load_model_and_tokenizer(const std::string& model_argument) {
  LoadedModel out;
  HERD_ASSIGN_OR_RETURN(out.resolved, store::resolve_model_argument(model_argument));
  const std::string& path = out.resolved.model_path;
  HERD_ASSIGN_OR_RETURN(out.model, Model::load(path));
  Result<std::unique_ptr<Tokenizer>> tok = Tokenizer::from_gguf(out.model->gguf());
  if (!tok.ok()) return tok.status().with_context(path);
  out.tokenizer = std::move(tok).value();
  return out;
}

}  // namespace herd::cli
