// Conversations that carry tool calls, in the shapes chat templates expect. OpenAI clients send
// an assistant tool call's `arguments` as a JSON string and its `content` as null; templates
// differ in what they can render (Hermes and Qwen iterate the arguments as an object, Mistral's
// and Llama's print a string, some choke on a null content). Like transformers' callers, herd
// tries the shapes in a fixed order and keeps the first the template renders.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace herd::chat {

// The conversation in each shape to try, in order: arguments as an object with content null,
// arguments as a string with content null, object with "", string with "". A conversation
// without tool calls comes back alone and unchanged. Tool results (role "tool") get the
// `name` of the call their tool_call_id answers when they lack one (templates print it).
std::vector<nlohmann::ordered_json> tool_call_message_variants(const nlohmann::ordered_json& messages);

}  // namespace herd::chat
