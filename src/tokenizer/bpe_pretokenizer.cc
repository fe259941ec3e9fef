#include "tokenizer/bpe_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

#include "tokenizer/bpe_split_llama3.h"
#include "tokenizer/unicode_class.h"
#include "tokenizer/utf8.h"

namespace herd {
namespace {

// The regexes of each family, as their tokenizer.json files give them.
constexpr const char* kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Cased letters of the Unicode version DeepSeek's tokenizer was made with.
constexpr const char* kDeepseekLlmLetters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})"
    R"(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D})"
    R"(\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3})"
    R"(\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107})"
    R"(\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D})"
    R"(\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184})"
    R"(\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D})"
    R"(\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF})"
    R"(\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F})"
    R"(\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2})"
    R"(\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)";
constexpr const char* kDeepseekPunct =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
constexpr const char* kDeepseekCjk = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";
constexpr const char* kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|)"
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|)"
    R"(\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|)"
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|)"
    R"(\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kDeepseekV3 =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+|)"
    R"( ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kBloom = R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (s == n) return true;
  }
  return false;
}

// Per-thread PCRE2 match state, so that const splitting needs no locks and no
// allocation per call. The JIT stack grows on demand up to 8 MiB (long runs of spaces).
struct MatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  MatchState() {
    data = pcre2_match_data_create(16, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (context != nullptr && jit_stack != nullptr) {
      pcre2_jit_stack_assign(context, nullptr, jit_stack);
    }
  }
  ~MatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;
};

MatchState& match_state() {
  thread_local MatchState state;
  return state;
}

}  // namespace

Result<BpePreConfig> bpe_pre_config(std::string_view pre) {
  BpePreConfig c;
  if (pre.empty() || pre == "default") {
    c.patterns = {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"};
  } else if (is_one_of(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe",
                             "chatglm-bpe"})) {
    c.patterns = {kLlama3};
    c.ignore_merges = !is_one_of(pre, {"dbrx", "smaug-bpe", "chatglm-bpe"});
  } else if (pre == "deepseek-llm") {
    c.patterns = {"[\\r\\n]", kDeepseekLlmLetters, kDeepseekPunct, R"(\s+$)", kDeepseekCjk,
                  R"(\p{N}+)"};
  } else if (pre == "deepseek-coder") {
    c.patterns = {"[\\r\\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepseekCjk, R"(\p{N})"};
  } else if (pre == "deepseek-v3") {
    c.patterns = {R"(\p{N}{1,3})", R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)",
                  kDeepseekV3};
  } else if (pre == "falcon") {
    c.patterns = {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"};
  } else if (is_one_of(pre, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone",
                             "minerva-7b"})) {
    c.patterns = {R"(\p{N})", kGpt2};
  } else if (is_one_of(pre, {"gpt-2", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de",
                             "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                             "roberta-bpe", "gigachat", "trillion"})) {
    c.patterns = {kGpt2};
  } else if (is_one_of(pre, {"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "hunyuan"})) {
    c.patterns = {kQwen2};
  } else if (is_one_of(pre, {"poro-chat", "bloom", "gpt3-finnish"})) {
    c.patterns = {kBloom};
  } else if (pre == "viking") {
    c.patterns = {kBloom, R"(\p{N})"};
  } else if (pre == "tekken") {
    c.patterns = {kTekken};
    c.ignore_merges = true;
  } else if (pre == "gpt-4o") {
    c.patterns = {kGpt4o};
  } else if (pre == "chameleon") {
    c.patterns = {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                  "([\\t\\n]|    |  )", R"(\p{N})", R"([\p{P}!-/:-@\[-`{-~])", kGpt2};
  } else {
    return unsupported("BPE pre-tokenizer \"" + std::string(pre) + "\" is not supported");
  }
  return c;
}

struct BpePreTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

BpePreTokenizer::BpePreTokenizer(BpePreTokenizer&&) noexcept = default;
BpePreTokenizer& BpePreTokenizer::operator=(BpePreTokenizer&&) noexcept = default;
BpePreTokenizer::~BpePreTokenizer() = default;

Result<BpePreTokenizer> BpePreTokenizer::create(const std::vector<std::string>& patterns,
                                                bool hand_written) {
  BpePreTokenizer t;
  if (hand_written && patterns.size() == 1) {
    if (patterns[0] == kLlama3) t.llama3_digits_ = 3;
    if (patterns[0] == kQwen2) t.llama3_digits_ = 1;
    if (t.llama3_digits_ > 0) unicode_class_warm_up();
  }
  for (const std::string& p : patterns) {
    int err = 0;
    PCRE2_SIZE at = 0;
    auto re = std::make_unique<Regex>();
    re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(),
                             PCRE2_UTF | PCRE2_UCP, &err, &at, nullptr);
    if (re->code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      return invalid_argument("pre-tokenizer regex \"" + p + "\" at " + std::to_string(at) + ": " +
                              reinterpret_cast<const char*>(msg));
    }
    // Without the JIT (unsupported CPU) pcre2_match interprets; same results, slower.
    pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    t.regexes_.push_back(std::move(re));
  }
  return t;
}

namespace {

// Cuts every piece of `in` by `code`, handing pieces to `out(std::string_view)`.
template <typename Out>
void split_by(const pcre2_code* code, const std::vector<std::string_view>& in, Out&& out) {
  MatchState& ms = match_state();
  for (std::string_view piece : in) {
    // A piece that is one ill-formed byte must not reach PCRE2 (checks are off).
    if (piece.size() == 1 && static_cast<uint8_t>(piece[0]) >= 0x80) {
      out(piece);
      continue;
    }
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
    size_t pos = 0;   // end of the last match
    size_t from = 0;  // where the next search starts
    while (from < piece.size()) {
      const int rc = pcre2_match(code, subject, piece.size(), from, PCRE2_NO_UTF_CHECK, ms.data,
                                 ms.context);
      if (rc < 0) break;  // no match (or a resource limit): the rest stays one piece
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(ms.data);
      const size_t start = ov[0];
      const size_t end = ov[1];
      if (end <= start) {
        // An empty match cuts nothing; search again one character later.
        from = start + 1;
        while (from < piece.size() && (static_cast<uint8_t>(piece[from]) & 0xC0) == 0x80) ++from;
        continue;
      }
      if (start > pos) out(piece.substr(pos, start - pos));
      out(piece.substr(start, end - start));
      pos = from = end;
    }
    if (pos < piece.size()) out(piece.substr(pos));
  }
}

}  // namespace

void BpePreTokenizer::split_impl(std::string_view text, Scratch& scratch, void* ctx,
                                 WordFn fn) const {
  // Valid UTF-8 runs, with each ill-formed byte a piece of its own.
  std::vector<std::string_view>& runs = scratch.a;
  runs.clear();
  size_t run_start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Utf8Scan scan = utf8_scan(text.substr(pos));
    if (scan.kind == Utf8Scan::kValid) {
      pos += scan.length;
      continue;
    }
    if (pos > run_start) runs.push_back(text.substr(run_start, pos - run_start));
    runs.push_back(text.substr(pos, 1));
    run_start = ++pos;
  }
  if (pos > run_start) runs.push_back(text.substr(run_start, pos - run_start));

  if (llama3_digits_ > 0) {
    for (std::string_view r : runs) {
      // A lone ill-formed byte is a word of its own (never UTF-8 for the scan).
      if (r.size() == 1 && static_cast<uint8_t>(r[0]) >= 0x80) {
        fn(ctx, r);
      } else {
        bpe_split_llama3(r, llama3_digits_, ctx, fn);
      }
    }
    return;
  }
  if (regexes_.empty()) {
    for (std::string_view r : scratch.a) fn(ctx, r);
    return;
  }
  for (size_t k = 0; k + 1 < regexes_.size(); ++k) {
    scratch.b.clear();
    split_by(regexes_[k]->code, scratch.a, [&](std::string_view w) { scratch.b.push_back(w); });
    std::swap(scratch.a, scratch.b);
  }
  split_by(regexes_.back()->code, scratch.a, [&](std::string_view w) { fn(ctx, w); });
}

}  // namespace herd
