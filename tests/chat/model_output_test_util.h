// Shared by the output parser's tests and its fuzz target: runs a parser over a text cut at
// given positions, assembles the streamed deltas as an OpenAI client would, and checks the
// invariants every run must keep.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "chat/model_output_parser.h"

namespace herd::chat::testing {

struct ParserRun {
  ParsedOutput streamed;  // the deltas put together
  ParsedOutput final;     // message() after finish()
  std::string error;      // a delta that breaks the streaming rules; empty when none
};

// Adds one delta the way a client assembles a stream: a call's first delta names it,
// later ones append argument text.
inline void assemble(const OutputDelta& delta, ParsedOutput& out, std::string& error) {
  out.reasoning += delta.reasoning;
  out.content += delta.content;
  for (const ToolCallDelta& d : delta.tool_calls) {
    if (d.index == static_cast<int>(out.tool_calls.size())) {
      if (!d.id || !d.name) error = "a tool call's first delta lacks its id or name";
      out.tool_calls.push_back({d.id.value_or(""), d.name.value_or(""), d.arguments});
    } else if (d.index >= 0 && d.index < static_cast<int>(out.tool_calls.size())) {
      if (d.id || d.name) error = "a later tool call delta repeats id or name";
      out.tool_calls[d.index].arguments += d.arguments;
    } else {
      error = "a tool call delta skips an index";
    }
  }
}

// Feeds `text` cut at `cuts` (ascending positions), then finishes.
inline ParserRun run_parser(const OutputFormat& format, std::string_view text, const std::vector<size_t>& cuts) {
  ModelOutputParser parser(format);
  ParserRun run;
  size_t from = 0;
  for (size_t cut : cuts) {
    cut = std::min(std::max(cut, from), text.size());
    assemble(parser.feed(text.substr(from, cut - from)), run.streamed, run.error);
    from = cut;
  }
  assemble(parser.feed(text.substr(from)), run.streamed, run.error);
  assemble(parser.finish(), run.streamed, run.error);
  run.final = parser.message();
  return run;
}

inline bool same_output(const ParsedOutput& a, const ParsedOutput& b) {
  if (a.reasoning != b.reasoning || a.content != b.content || a.tool_calls.size() != b.tool_calls.size()) {
    return false;
  }
  for (size_t i = 0; i < a.tool_calls.size(); ++i) {
    const ToolCall& x = a.tool_calls[i];
    const ToolCall& y = b.tool_calls[i];
    if (x.id != y.id || x.name != y.name || x.arguments != y.arguments) return false;
  }
  return true;
}

inline std::string describe(const ParsedOutput& out) {
  std::string s = "reasoning=[" + out.reasoning + "] content=[" + out.content + "]";
  for (const ToolCall& c : out.tool_calls) s += " call{" + c.id + " " + c.name + " " + c.arguments + "}";
  return s;
}

// The marker strings a parser in `format` may take out of the text.
inline std::vector<std::string> format_markers(const OutputFormat& format) {
  std::vector<std::string> markers;
  if (format.reasoning) markers = {format.reasoning_open, format.reasoning_close};
  return markers;
}

// The non-whitespace bytes of `text` once every marker is gone, sorted: what must survive a
// parse that found no tool call, whichever channel each byte went to.
inline std::string surviving_bytes(std::string text, const std::vector<std::string>& markers) {
  for (const std::string& marker : markers) {
    for (size_t pos = 0; !marker.empty() && (pos = text.find(marker, pos)) != std::string::npos;) {
      text.replace(pos, marker.size(), " ");
    }
  }
  std::erase_if(text, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
  std::sort(text.begin(), text.end());
  return text;
}

}  // namespace herd::chat::testing
