// Printable renderings of untrusted bytes (keys, tensor names, string values) for error
// messages and `herd inspect`: a file must not be able to put control bytes on a terminal
// or make a message megabytes long.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace herd {

// `s` in double quotes with `"`, `\` and control bytes escaped (\n, \t, \xHH) and bytes
// that are not valid UTF-8 shown as \xHH. Past `max_bytes` input bytes the text is cut:
// `"abc"... (1234 bytes)`.
std::string gguf_quote(std::string_view s, size_t max_bytes = 80);

// The same escaping without the quotes (for keys and tensor names in tables):
// `abc... (1234 bytes)` when cut.
std::string gguf_escape(std::string_view s, size_t max_bytes = 80);

}  // namespace herd
