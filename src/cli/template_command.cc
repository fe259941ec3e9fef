// herd template: render a chat template with a JSON context, exactly as Hugging Face
// transformers would (apply_chat_template with tokenize=False). Prints the rendering
// and nothing else.
//
//   herd template tmpl.jinja context.json
//   herd template -m model.gguf context.json     # the model's tokenizer.chat_template
//   herd template tmpl.jinja - < context.json    # context from stdin
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "chat/chat_template.h"
#include "cli/cli_support.h"
#include "cli/commands.h"
#include "gguf/gguf_file.h"

namespace herd::cli {
namespace {

struct TemplateOptions {
  std::string model;
  std::vector<std::string> files;
  std::string now;
};

Result<std::string> read_all(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return io_error("cannot read " + path);
  return ss.str();
}

// The text of the token whose id is stored under `id_key`, or nullopt.
std::optional<std::string> special_token(const GgufFile& file, std::string_view id_key) {
  Result<int64_t> id = file.get_int(id_key);
  Result<const GgufValue*> tokens = file.get_array("tokenizer.ggml.tokens", GgufType::kString);
  if (!id.ok() || !tokens.ok() || *id < 0 || static_cast<uint64_t>(*id) >= (*tokens)->array.size())
    return std::nullopt;
  return std::string((*tokens)->array[static_cast<size_t>(*id)].str);
}

// The model's template; like transformers, it also passes the model's BOS and EOS
// tokens unless the context gives its own.
Result<std::string> model_template(const std::string& path, nlohmann::ordered_json* context) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
  Result<std::string_view> text = file->get_string("tokenizer.chat_template");
  if (!text.ok()) return not_found(path + " has no tokenizer.chat_template");
  for (const auto& [name, key] : {std::pair<const char*, const char*>{"bos_token", "tokenizer.ggml.bos_token_id"},
                                  {"eos_token", "tokenizer.ggml.eos_token_id"}}) {
    if (context->contains(name)) continue;
    if (std::optional<std::string> tok = special_token(*file, key)) (*context)[name] = *tok;
  }
  return std::string(*text);
}

int run(const TemplateOptions& o) {
  const size_t want = o.model.empty() ? 2 : 1;
  if (o.files.size() != want) {
    return fail(o.model.empty() ? "give a template file and a context JSON file: herd template FILE.jinja CONTEXT.json"
                                : "with -m give only the context JSON file: herd template -m MODEL.gguf CONTEXT.json");
  }
  Result<std::string> context_text = read_all(o.files.back());
  if (!context_text.ok()) return fail(context_text.status());
  nlohmann::ordered_json context;
  try {
    context = nlohmann::ordered_json::parse(*context_text);
  } catch (const nlohmann::json::exception& e) {
    return fail(o.files.back() + ": not valid JSON: " + e.what());
  }
  if (!context.is_object()) return fail(o.files.back() + ": the context must be a JSON object");
  Result<std::string> text = o.model.empty() ? read_all(o.files[0]) : model_template(o.model, &context);
  if (!text.ok()) return fail(text.status());

  chat::RenderOptions options;
  if (!o.now.empty()) {
    Result<chat::CivilTime> now = chat::parse_civil_time(o.now);
    if (!now.ok()) return fail(now.status().with_context("--now"));
    options.now = *now;
  }
  chat::TemplateError error;
  Result<std::string> out = chat::render_chat_template(*text, context, options, &error);
  if (!out.ok()) {
    if (error.kind == chat::TemplateError::Kind::kRaised) return fail("the template raised: " + out.status().message());
    return fail(out.status());
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

CommandRunner add_template_command(CLI::App& app) {
  auto o = std::make_shared<TemplateOptions>();
  CLI::App* cmd = app.add_subcommand("template", "Render a chat template with a JSON context (as transformers does)");
  require_regular_file(cmd->add_option("-m,--model", o->model, "Use this GGUF model's tokenizer.chat_template"));
  cmd->add_option("files", o->files, "[TEMPLATE.jinja] CONTEXT.json ('-' reads stdin)")->required();
  cmd->add_option("--now", o->now, "The time strftime_now sees, e.g. 2024-07-26T12:00:00 (default: now)");
  return [o] { return run(*o); };
}

}  // namespace herd::cli
