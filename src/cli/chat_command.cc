// herd chat: an interactive terminal chat through the model's own chat template.
// Each turn re-renders the whole conversation (as transformers would) and submits it to
// the serving engine, whose prefix cache keeps the KV of what did not change, and
// streams the answer. Ctrl-C stops the current answer, Ctrl-D (end of input) quits.
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
#include "cli/preset_defaults.h"
#include "gguf/gguf_file.h"
#include "cli/engine_answer.h"
#include "model/model.h"
#include "runtime/chat_tokens.h"
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
  nlohmann::ordered_json few_shot = nlohmann::ordered_json::array();  // a preset's MESSAGE turns
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
  ChatSession(const ChatOptions& o, LoadedModel loaded, std::unique_ptr<Engine> engine, chat::Template tmpl)
      : o_(o), loaded_(std::move(loaded)), engine_(std::move(engine)), template_(std::move(tmpl)) {
    const Tokenizer& tok = *loaded_.tokenizer;
    bos_ = token_text(tok, tok.vocab().bos_id());
    eos_ = token_text(tok, tok.vocab().eos_id());
    messages_ = nlohmann::ordered_json::array();
    reset();
  }

  // One user turn; prints the streamed answer. Returns false on a fatal error.
  bool turn(const std::string& user_text) {
    messages_.push_back({{"role", "user"}, {"content", user_text}});
    const Tokenizer& tok = *loaded_.tokenizer;
    // The messages' text stays text: typing "<|im_end|>" does not end the turn.
    Result<std::vector<int32_t>> prompt =
        tokenize_chat(tok, template_, messages_, {.prompt = {.bos_token = bos_, .eos_token = eos_}});
    if (!prompt.ok()) {
      messages_.erase(messages_.size() - 1);
      fail(prompt.status());
      return true;
    }
    std::vector<int32_t> tokens = std::move(prompt).value();
    if (static_cast<int32_t>(tokens.size()) >= engine_->n_ctx()) {
      messages_.erase(messages_.size() - 1);
      fail("the conversation no longer fits the context (" + std::to_string(engine_->n_ctx()) +
           " tokens); type /reset to start over");
      return true;
    }
    StreamingDecoder decoder(tok);
    std::string answer;
    g_interrupted.store(false);
    Result<Answer> result = generate_answer(
        *engine_, std::move(tokens), o_.gen.n_predict, o_.sampling,
        [&](std::span<const int32_t> ids) {
          std::string text;
          for (int32_t id : ids) text += decoder.push(id);
          answer += text;
          std::fwrite(text.data(), 1, text.size(), stdout);
          std::fflush(stdout);
        },
        [] { return g_interrupted.load(); });
    const std::string rest = decoder.finish();
    answer += rest;
    std::fwrite(rest.data(), 1, rest.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!result.ok()) {
      messages_.erase(messages_.size() - 1);
      fail(result.status());
      return true;
    }
    if (g_interrupted.exchange(false)) std::fputs("[stopped]\n", stderr);
    messages_.push_back({{"role", "assistant"}, {"content", answer}});
    return true;
  }

  // The system message and a preset's few-shot turns stay; the conversation goes.
  void reset() {
    messages_ = nlohmann::ordered_json::array();
    if (!o_.system.empty()) messages_.push_back({{"role", "system"}, {"content", o_.system}});
    for (const auto& m : o_.few_shot) messages_.push_back(m);
  }

 private:
  const ChatOptions& o_;
  LoadedModel loaded_;
  std::unique_ptr<Engine> engine_;
  chat::Template template_;
  std::string bos_, eos_;
  nlohmann::ordered_json messages_;
};

int run(const ChatOptions& o, const CLI::App& cmd) {
  ChatOptions opts = o;
  Result<LoadedModel> loaded = load_model_and_tokenizer(opts.model);
  if (!loaded.ok()) return fail(loaded.status());
  const store::ResolvedModel& preset = loaded->resolved;
  const Status applied = apply_preset_defaults(preset.params, cmd, &opts.gen, &opts.sampling);
  if (!applied.ok()) return fail(applied);
  if (opts.system.empty() && preset.system) opts.system = *preset.system;
  for (const store::ChatMessage& m : preset.messages) opts.few_shot.push_back({{"role", m.role}, {"content", m.content}});
  Result<SamplingParams> resolved = resolve_sampling(opts.gen, opts.sampling);
  if (!resolved.ok()) return fail(resolved.status());
  opts.sampling = *resolved;

  Result<std::string_view> stored = loaded->model->gguf().get_string("tokenizer.chat_template");
  const std::string text = preset.chat_template ? *preset.chat_template
                           : stored.ok()        ? std::string(*stored)
                                                : std::string(chat::kChatMlTemplate);
  if (!stored.ok() && !preset.chat_template) std::fprintf(stderr, "herd: the model has no chat template; using ChatML\n");
  Result<chat::Template> tmpl = chat::Template::parse(text);
  if (!tmpl.ok()) return fail(tmpl.status().with_context("the model's chat template"));

  Result<std::unique_ptr<Engine>> engine = create_terminal_engine(*loaded->model, *loaded->tokenizer, opts.gen);
  if (!engine.ok()) return fail(engine.status());

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: Ctrl-C interrupts a pending read
  sigaction(SIGINT, &sa, nullptr);

  ChatSession session(opts, std::move(loaded).value(), std::move(engine).value(), std::move(tmpl).value());
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
  require_model(cmd->add_option("-m,--model", o->model, "GGUF model file or store name")->required());
  cmd->add_option("--system", o->system, "System message");
  add_generation_options(cmd, &o->gen, &o->sampling);
  return [o, cmd] { return run(*o, *cmd); };
}

}  // namespace herd::cli
