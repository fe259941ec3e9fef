// The Herdfile: how a preset ("custom GPT") is written down. Ollama's Modelfile syntax:
//   FROM stories260K            (a store name or a GGUF path, relative to the Herdfile)
//   SYSTEM """You are terse."""
//   PARAMETER temperature 0.2   (PARAMETER stop may repeat)
//   TEMPLATE """{{ ... }}"""    (a Jinja chat template)
//   MESSAGE user Hello          (few-shot turns: system, user or assistant)
//   ADAPTER ./lora.gguf
//   LICENSE """MIT ..."""
// Instructions are case-insensitive; # starts a comment line; """ quotes span lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "store/model_store.h"

namespace herd::store {

struct Herdfile {
  std::string from;
  std::optional<std::string> system;
  std::optional<std::string> chat_template;
  std::optional<std::string> adapter;
  std::optional<std::string> license;
  nlohmann::json params = nlohmann::json::object();  // typed: numbers are numbers, stop an array
  std::vector<ChatMessage> messages;

  // kInvalidArgument with "line N: ..." for anything unknown or malformed.
  static Result<Herdfile> parse(std::string_view text);
};

// The parameters a Herdfile and a request may set, with their JSON types; kInvalidArgument
// names the parameter and what it wants.
Result<nlohmann::json> parse_parameter_value(std::string_view name, std::string_view value);

}  // namespace herd::store
