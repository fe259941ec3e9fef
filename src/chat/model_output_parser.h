// Splits what a chat model writes, as it streams, into reasoning, answer text and tool calls,
// for the formats the model families use. The server feeds it the detokenized text of each step
// and sends the deltas it returns; at the end it gives the whole message.
//
// Reasoning: "<think>...</think>" (Qwen3, DeepSeek-R1, QwQ...) or "<thought>...</thought>"
// (EXAONE-Deep). When the prompt already ended inside a think block (the template's generation
// prompt opens "<think>", as DeepSeek-R1's does), the output starts in reasoning. Text after the
// closing tag is the answer. Whitespace right after either tag belongs to the tag (dropped).
//
// Tool calls, by format (picked from the chat template's source, see detect_output_format):
//   kHermes:  <tool_call>{"name": ..., "arguments": {...}}</tool_call>, repeated (Hermes 2/3,
//             Qwen2.5, Qwen3; whitespace and newlines around the JSON allowed)
//   kLlama3:  {"name": ..., "parameters": {...}} (or "arguments"), optionally after
//             "<|python_tag|>", several separated by ";" or newlines (Llama 3.1/3.2/3.3)
//   kMistral: [TOOL_CALLS][{"name": ..., "arguments": {...}, "id"?: ...}, ...] (Mistral v0.3,
//             Nemo, Devstral; also the newer "[TOOL_CALLS]name[ARGS]{...}")
//   kQwen3Coder: <tool_call>\n<function=NAME>\n<parameter=P>\nVALUE\n</parameter>...</function>
//             \n</tool_call> (Qwen3-Coder): VALUE is a string where the tool's schema says
//             so (OutputFormat::parameter_types), else the JSON value it spells, if any
//   kDeepSeekR1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}
//             \n```<｜tool▁call▁end｜>, repeated, then <｜tool▁calls▁end｜> (DeepSeek-R1 and its distills)
//   kGeneric: the whole output is one JSON object {"tool_calls": [{"name", "arguments"}]} or
//             {"name", "arguments"} (the fallback, used with a grammar that forces it)
// Text that only might start a marker is held back until it can be decided, so a client never
// sees half of "<tool_call>" as content. A tool call is sent only once it is complete and valid
// (a streamed call cannot be taken back), as two deltas: {index, id, name} and then its whole
// `arguments`. A tool call that does not parse is given back as content, marker included
// (never dropped, never a crash); so is one that outgrows kMaxToolCallBytes.
// Whitespace after a tool call (and, for Llama 3, ";" between calls) is dropped.
// Deltas never end inside a UTF-8 character (its first bytes wait for the rest), except at
// finish(); invalid UTF-8 passes through as it came.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herd::chat {

// Qwen3-Coder writes parameter values bare, so "42" may be a number or a string: the request's
// tool schemas say which. Tool name -> parameter name -> its JSON-schema "type" (the first
// one when it is a list).
using ToolParameterTypes = std::map<std::string, std::map<std::string, std::string>>;

enum class ToolCallFormat { kNone, kHermes, kLlama3, kMistral, kQwen3Coder, kDeepSeekR1, kGeneric };

struct OutputFormat {
  ToolCallFormat tools = ToolCallFormat::kNone;  // kNone: tool calls are not parsed (no tools in the request)
  bool reasoning = false;                        // parse think blocks
  bool starts_in_reasoning = false;              // the prompt ended inside an open think block
  std::string reasoning_open = "<think>";        // the family's tags ("<thought>" for EXAONE-Deep)
  std::string reasoning_close = "</think>";
  // Seeds the ids of tool calls the model does not name itself ("call_" + 24 alphanumerics,
  // unique within the message). The server gives each request its own (random) seed.
  uint64_t call_id_seed = 0;
  // kQwen3Coder: the types of the request's tool parameters (see tool_parameter_types); a
  // value of a parameter not named here is the JSON it spells, if any, else a string.
  ToolParameterTypes parameter_types;
};

// A tool call held back past this many bytes is given up and goes out as content.
inline constexpr size_t kMaxToolCallBytes = 256 * 1024;
// Calls past this many in one message stay content.
inline constexpr size_t kMaxToolCalls = 128;

// What the template's source says: its tool-call format (kGeneric when it renders `tools` but
// in no known way; kNone when it never mentions tools) and whether it thinks, with which tags.
// Mistral templates with [SYSTEM_PROMPT] (Devstral) are kMistral even when they render no
// tools: those models write [TOOL_CALLS].
OutputFormat detect_output_format(std::string_view template_source);
// The parameter types of an OpenAI `tools` array ([{"type": "function", "function": {"name",
// "parameters": {"properties": {P: {"type": T}}}}}]); entries of any other shape are skipped.
ToolParameterTypes tool_parameter_types(const nlohmann::ordered_json& tools);

// Whether a rendered prompt ends inside an open think block (the generation prompt opened it):
// its last non-whitespace text is "<think>" or "<thought>".
bool prompt_opens_reasoning(std::string_view rendered_prompt);

struct ToolCall {
  std::string id;  // "call_" + 24 alphanumerics, unless the model wrote one (Mistral)
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
  // After finish() it is ignored (an empty delta).
  OutputDelta feed(std::string_view text);
  // Generation ended: releases what was held back (a call still open is given back as content,
  // an open think block stays reasoning).
  OutputDelta finish();
  // Everything so far, as one message (after finish(): the final message).
  const ParsedOutput& message() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace herd::chat
