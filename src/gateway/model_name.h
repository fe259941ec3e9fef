// A model id as users name it for keys, prices and reports ("qwen2.5:7b", "me/tiny:q8",
// "hf.co/user/repo:Q4_0").
#pragma once

#include <string_view>

#include "base/status.h"

namespace herd::gateway {

// What the database accepts (sql_values.h: 1 to 256 printable ASCII characters, no ','),
// and, from a user, no spaces and nothing shaped like an API key (a key pasted where a
// model goes would be stored and shown in plain text). kInvalidArgument naming `what`.
Status validate_model_name(std::string_view name, std::string_view what);

}  // namespace herd::gateway
