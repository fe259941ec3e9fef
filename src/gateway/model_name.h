// A model id as keys and prices name it ("qwen2.5:7b", "me/tiny:q8", "hf.co/user/repo:Q4_0").
#pragma once

#include <string_view>

#include "base/status.h"

namespace herd::gateway {

inline constexpr size_t kMaxModelNameLength = 256;

// kInvalidArgument (naming `what`) for an empty name, one longer than kMaxModelNameLength,
// one with a space, a control character or a comma (lists of models are comma-separated),
// or one shaped like an API key.
Status validate_model_name(std::string_view name, std::string_view what);

}  // namespace herd::gateway
