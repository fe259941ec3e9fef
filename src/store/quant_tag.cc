#include "store/quant_tag.h"

#include <array>
#include <cctype>

namespace herd::store {
namespace {

constexpr std::array<std::string_view, 30> kQuants = {
    "IQ1_S",  "IQ1_M",  "IQ2_XXS", "IQ2_XS", "IQ2_S",  "IQ2_M",  "IQ3_XXS", "IQ3_XS", "IQ3_S", "IQ3_M",
    "IQ4_XS", "IQ4_NL", "Q2_K",    "Q2_K_S", "Q3_K_S", "Q3_K_M", "Q3_K_L",  "Q4_K_S", "Q4_K_M", "Q5_K_S",
    "Q5_K_M", "Q6_K",   "Q4_0",    "Q4_1",   "Q5_0",   "Q5_1",   "Q8_0",    "F16",    "BF16",   "F32",
};

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::string> quant_tag_of(std::string_view file_name) {
  std::string upper(file_name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::optional<std::string> best;
  for (std::string_view q : kQuants) {
    for (size_t at = upper.find(q); at != std::string::npos; at = upper.find(q, at + 1)) {
      const size_t end = at + q.size();
      // "_" joins parts of one name (Q4_K_M), so a match must not continue with "_X".
      const bool left_ok = at == 0 || !word_char(upper[at - 1]);
      const bool right_ok = end == upper.size() || (!word_char(upper[end]) && upper[end] != '_');
      if (left_ok && right_ok && (!best || q.size() > best->size())) best = std::string(q);
    }
  }
  return best;
}

}  // namespace herd::store
