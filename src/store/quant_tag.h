// The quantization named in a GGUF file's name ("tinyllama.Q4_K_M.gguf" -> "Q4_K_M"), as
// Hugging Face repositories name their files and as `hf.co/USER/REPO:QUANT` tags select them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herd::store {

// The longest known quantization name found in `file_name` as a whole word (delimited by
// anything but a letter or digit), upper-cased; nullopt when none is.
std::optional<std::string> quant_tag_of(std::string_view file_name);

}  // namespace herd::store
