// herd chat: an interactive terminal chat through the model's own chat template.
// Each turn re-renders the whole conversation (as transformers would), reuses the KV
// cache for the prefix that did not change, and streams the answer. Ctrl-C stops the
// current answer, Ctrl-D (end of input) quits.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "chat/chat_prompt.h"
#include "chat/chat_template.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gguf/gguf_file.h"
#include "model/context.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace herd::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

struct ChatOptions {
  std::string model;
  std::string system;
  GenerationOptions gen = {.n_predict = 2048};
  SamplingParams sampling;
};

// Reads one line from stdin; false at end of input. An interrupted read yields "".
bool read_line(std::string* line) {
  line->clear();
  for (;;) {
    const int c = std::fgetc(stdin);
    if (c == EOF) {
      if (g_interrupted.exchange(false)) {
        std::clearerr(stdin);
        line->clear();
        std::fputs("\n", stdout);
        return true;
      }
      return !line->empty();
    }
    if (c == '\n') return true;
    line->push_back(static_cast<char>(c));
  }
}

std::string token_text(const Tokenizer& tok, int32_t id) {
  return tok.vocab().valid_id(id) ? std::string(tok.vocab().text(id)) : std::string();
}

class ChatSession {
 public:
  ChatSession(const ChatOptions& o, LoadedModel loaded, std::unique_ptr<Context> ctx, chat::Template tmpl)
      : o_(o), loaded_(std::move(loaded)), ctx_(std::move(ctx)), template_(std::move(tmpl)) {
    const Tokenizer& tok = *loaded_.tokenizer;
    bos_ = token_text(tok, tok.vocab().bos_id());
    eos_ = token_text(tok, tok.vocab().eos_id());
    messages_ = nlohmann::ordered_json::array();
    if (!o.system.empty()) messages_.push_back({{"role", "system"}, {"content", o.system}});
  }

  // One user turn; prints the streamed answer. Returns false on a fatal error.
  bool turn(const std::string& user_text) {
    messages_.push_back({{"role", "user"}, {"content", user_text}});
    Result<std::string> prompt = render();
    if (!prompt.ok()) {
      messages_.erase(messages_.size() - 1);
      fail(prompt.status());
      return true;
    }
    const Tokenizer& tok = *loaded_.tokenizer;
    std::vector<int32_t> tokens = tok.encode(*prompt, /*add_special=*/false, /*parse_special=*/true);
    if (tok.vocab().add_bos() && tok.vocab().bos_id() >= 0 && (tokens.empty() || tokens[0] != tok.vocab().bos_id()))
      tokens.insert(tokens.begin(), tok.vocab().bos_id());
    if (static_cast<int32_t>(tokens.size()) >= ctx_->n_ctx()) {
      messages_.erase(messages_.size() - 1);
      fail("the conversation no longer fits the context (" + std::to_string(ctx_->n_ctx()) +
           " tokens); type /reset to start over");
      return true;
    }
    // Reuse the cache when what it holds is a prefix of the new prompt.
    bool prefix = in_ctx_.size() < tokens.size() && ctx_->n_past() == static_cast<int32_t>(in_ctx_.size());
    for (size_t i = 0; prefix && i < in_ctx_.size(); ++i) prefix = in_ctx_[i] == tokens[i];
    if (!prefix) {
      ctx_->clear();
      in_ctx_.clear();
    }
    const std::span<const int32_t> suffix(tokens.data() + in_ctx_.size(), tokens.size() - in_ctx_.size());

    GenerateParams params;
    params.n_predict = o_.gen.n_predict;
    params.sampling = o_.sampling;
    params.eos_id = tok.vocab().eos_id();
    params.is_eog = [&tok](int32_t id) { return tok.is_end_of_generation(id); };
    StreamingDecoder decoder(tok);
    std::string answer;
    std::vector<int32_t> generated;
    g_interrupted.store(false);
    Result<GenerateStats> stats = generate(*ctx_, suffix, params, [&](int32_t id) {
      generated.push_back(id);
      if (g_interrupted.load()) return false;
      if (tok.is_end_of_generation(id)) return true;
      const std::string text = decoder.push(id);
      answer += text;
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    });
    const std::string rest = decoder.finish();
    answer += rest;
    std::fwrite(rest.data(), 1, rest.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!stats.ok()) {
      ctx_->clear();
      in_ctx_.clear();
      messages_.erase(messages_.size() - 1);
      fail(stats.status());
      return true;
    }
    if (g_interrupted.exchange(false)) std::fputs("[stopped]\n", stderr);
    // The cache holds the prompt and every generated token but the last.
    in_ctx_ = tokens;
    if (!generated.empty()) in_ctx_.insert(in_ctx_.end(), generated.begin(), generated.end() - 1);
    messages_.push_back({{"role", "assistant"}, {"content", answer}});
    return true;
  }

  void reset() {
    nlohmann::ordered_json kept = nlohmann::ordered_json::array();
    if (!messages_.empty() && messages_[0]["role"] == "system") kept.push_back(messages_[0]);
    messages_ = std::move(kept);
  }

 private:
  Result<std::string> render() {
    return chat::render_chat_prompt(template_, messages_, {.bos_token = bos_, .eos_token = eos_});
  }

  const ChatOptions& o_;
  LoadedModel loaded_;
  std::unique_ptr<Context> ctx_;
  chat::Template template_;
  std::string bos_, eos_;
  nlohmann::ordered_json messages_;
  std::vector<int32_t> in_ctx_;
};

int run(const ChatOptions& o) {
  ChatOptions opts = o;
  Result<SamplingParams> resolved = resolve_sampling(opts.gen, opts.sampling);
  if (!resolved.ok()) return fail(resolved.status());
  opts.sampling = *resolved;
  Result<LoadedModel> loaded = load_model_and_tokenizer(opts.model);
  if (!loaded.ok()) return fail(loaded.status());

  Result<std::string_view> stored = loaded->model->gguf().get_string("tokenizer.chat_template");
  const std::string text = stored.ok() ? std::string(*stored) : std::string(chat::kChatMlTemplate);
  if (!stored.ok()) std::fprintf(stderr, "herd: the model has no chat template; using ChatML\n");
  Result<chat::Template> tmpl = chat::Template::parse(text);
  if (!tmpl.ok()) return fail(tmpl.status().with_context("the model's chat template"));

  Result<std::unique_ptr<Context>> ctx = Context::create(*loaded->model, {opts.gen.n_ctx, 512, opts.gen.n_threads});
  if (!ctx.ok()) return fail(ctx.status());

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: Ctrl-C interrupts a pending read
  sigaction(SIGINT, &sa, nullptr);

  ChatSession session(opts, std::move(loaded).value(), std::move(ctx).value(), std::move(tmpl).value());
  std::fprintf(stderr, "herd chat: Ctrl-C stops an answer, Ctrl-D quits, /reset starts over.\n");
  std::string line;
  for (;;) {
    std::fputs("> ", stdout);
    std::fflush(stdout);
    if (!read_line(&line)) break;
    if (line.empty()) continue;
    if (line == "/reset") {
      session.reset();
      continue;
    }
    if (!session.turn(line)) return 1;
  }
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

CommandRunner add_chat_command(CLI::App& app) {
  auto o = std::make_shared<ChatOptions>();
  CLI::App* cmd = app.add_subcommand("chat", "Chat with a model in the terminal, through its chat template");
  require_regular_file(cmd->add_option("-m,--model", o->model, "GGUF model file")->required());
  cmd->add_option("--system", o->system, "System message");
  add_generation_options(cmd, &o->gen, &o->sampling);
  return [o] { return run(*o); };
}

}  // namespace herd::cli
