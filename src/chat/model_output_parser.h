// Splits what a chat model writes, as it streams, into reasoning, answer text and tool calls,
// for the formats the model families use. The server feeds it the detokenized text of each step
// and sends the deltas it returns; at the end it gives the whole message.
//
// Reasoning: "<think>...</think>" (Qwen3, DeepSeek-R1, QwQ, EXAONE-Deep...). When the prompt
// already ended inside a think block (the template's generation prompt opens "<think>", as
// DeepSeek-R1's does), the output starts in reasoning. Text after "</think>" is the answer.
//
// Tool calls, by format (picked from the chat template's source, see detect_output_format):
//   kHermes:  <tool_call>{"name": ..., "arguments": {...}}</tool_call>, repeated (Hermes 2/3,
//             Qwen2.5, Qwen3; whitespace and newlines around the JSON allowed)
//   kLlama3:  {"name": ..., "parameters": {...}} (or "arguments"), optionally after
//             "<|python_tag|>", several separated by ";" or newlines (Llama 3.1/3.2/3.3)
//   kMistral: [TOOL_CALLS][{"name": ..., "arguments": {...}, "id"?: ...}, ...] (Mistral v0.3,
//             Nemo, Devstral; also the newer "[TOOL_CALLS]name[ARGS]{...}")
//   kGeneric: the whole output is one JSON object {"tool_calls": [{"name", "arguments"}]} or
//             {"name", "arguments"} (the fallback, used with a grammar that forces it)
// Text that only might start a marker is held back until it can be decided, so a client never
// sees half of "<tool_call>" as content. A tool call whose JSON does not parse at the end is
// given back as content (never dropped, never a crash).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd::chat {

enum class ToolCallFormat { kNone, kHermes, kLlama3, kMistral, kGeneric };

struct OutputFormat {
  ToolCallFormat tools = ToolCallFormat::kNone;  // kNone: tool calls are not parsed (no tools in the request)
  bool reasoning = false;                        // parse <think> blocks
  bool starts_in_reasoning = false;              // the prompt ended inside an open <think>
};

// What the template's source says: its tool-call format (kGeneric when it renders `tools` but
// in no known way; kNone when it never mentions tools) and whether it thinks.
OutputFormat detect_output_format(std::string_view template_source);
// Whether a rendered prompt ends inside an open think block (the generation prompt opened it).
bool prompt_opens_reasoning(std::string_view rendered_prompt);

struct ToolCall {
  std::string id;         // "call_" + 24 alphanumerics, unless the model wrote one (Mistral)
  std::string name;
  std::string arguments;  // a JSON object, serialized (what OpenAI's `arguments` string holds)
};

// One step's new output, OpenAI streaming style: a tool call's first delta carries its index,
// id and name; later ones carry argument text only.
struct ToolCallDelta {
  int index = 0;
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::string arguments;
};

struct OutputDelta {
  std::string reasoning;
  std::string content;
  std::vector<ToolCallDelta> tool_calls;
  bool empty() const { return reasoning.empty() && content.empty() && tool_calls.empty(); }
};

struct ParsedOutput {
  std::string reasoning;
  std::string content;
  std::vector<ToolCall> tool_calls;
};

class ModelOutputParser {
 public:
  explicit ModelOutputParser(const OutputFormat& format);
  ~ModelOutputParser();
  ModelOutputParser(ModelOutputParser&&) noexcept;
  ModelOutputParser& operator=(ModelOutputParser&&) noexcept;

  // The next piece of output text (any split, even inside a UTF-8 character or a marker).
  OutputDelta feed(std::string_view text);
  // Generation ended: releases what was held back.
  OutputDelta finish();
  // Everything so far, as one message (after finish(): the final message).
  const ParsedOutput& message() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::chat
