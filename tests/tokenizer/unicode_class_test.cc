#include "tokenizer/unicode_class.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/byte_level.h"

namespace herd {
namespace {

// One anchored PCRE2 class, compiled as the pre-tokenizer compiles its regexes.
class PcreClass {
 public:
  explicit PcreClass(const char* pattern) {
    int err = 0;
    PCRE2_SIZE at = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &err, &at, nullptr);
    pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
    data_ = pcre2_match_data_create(1, nullptr);
  }
  ~PcreClass() {
    pcre2_match_data_free(data_);
    pcre2_code_free(code_);
  }
  bool matches(const std::string& s) const {
    return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data_,
                       nullptr) >= 0;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
};

// Every code point: the hand-written splitter is only exact if these agree with the
// PCRE2 that the other pre-tokenizers link (a newer PCRE2 with a newer Unicode fails here).
TEST(UnicodeClass, AgreesWithPcre2OnEveryCodePoint) {
  const PcreClass letter(R"(\p{L})");
  const PcreClass number(R"(\p{N})");
  const PcreClass space(R"(\s)");
  int mismatches = 0;
  std::string s;
  for (uint32_t cp = 0; cp < 0x110000 && mismatches < 10; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    s.clear();
    append_utf8(cp, s);
    const uint8_t c = unicode_class(cp);
    const bool ok = letter.matches(s) == ((c & kClassLetter) != 0) &&
                    number.matches(s) == ((c & kClassNumber) != 0) &&
                    space.matches(s) == ((c & kClassSpace) != 0) &&
                    (cp == '\r' || cp == '\n') == ((c & kClassCrLf) != 0);
    if (!ok) {
      ++mismatches;
      ADD_FAILURE() << "U+" << std::hex << cp << " class " << int{c};
    }
  }
}

TEST(UnicodeClass, Examples) {
  EXPECT_EQ(unicode_class('a'), kClassLetter);
  EXPECT_EQ(unicode_class('7'), kClassNumber);
  EXPECT_EQ(unicode_class('\n'), kClassSpace | kClassCrLf);
  EXPECT_EQ(unicode_class('!'), 0);
  EXPECT_EQ(unicode_class(0x4E2D), kClassLetter);  // 中
  EXPECT_EQ(unicode_class(0x3000), kClassSpace);   // ideographic space
  EXPECT_EQ(unicode_class(0x00BD), kClassNumber);  // ½
  EXPECT_EQ(unicode_class(0x110000), 0);
}

}  // namespace
}  // namespace herd
