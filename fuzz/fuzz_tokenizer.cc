// libFuzzer target for the tokenizers: encode arbitrary bytes with six real vocabs (SPM,
// four byte-level BPE families, WordPiece), then decode arbitrary ids, whole and streamed.
// Beyond the sanitizers, it traps when an invariant does not hold:
//   - every encoded id is in [0, n_tokens); encoding is deterministic (the second encode
//     is served by the per-thread word cache);
//   - with add_special, a vocab that adds BOS (EOS) starts (ends) with it;
//   - byte-level BPE with parse_special off: decode(encode(x)) == x for any bytes x but
//     those few a vocab cannot represent (see Loaded::lossy); likewise SPM for text
//     without U+2581;
//   - StreamingDecoder: every push is valid UTF-8 on its own, and the concatenation
//     equals Tokenizer::decode of the same ids whenever that is valid UTF-8;
//   - ids outside the vocab decode to "".
//
// Input: byte 0 picks the tokenizer (bits 0-3, modulo 6) and flags (bit 4 add_special,
// bit 5 parse_special, bit 6 render_special for decoding); the rest is the text to
// encode, and read as 3-byte little-endian groups it is also a list of ids to decode.
//
// The vocabs are read once from $HERD_SHARED_DIR/models/vocab (default: the
// HERD_SHARED_DIR the build was configured with).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

// What the current input runs with, for the message of a failed CHECK.
char g_context[96] = "";

// Names the broken invariant on stderr, then traps so libFuzzer saves the input.
#define CHECK(cond)                                                                     \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz_tokenizer: line %d: invariant failed (%s): %s\n",      \
                   __LINE__, g_context, #cond);                                         \
      __builtin_trap();                                                                 \
    }                                                                                   \
  } while (0)

struct Loaded {
  const char* name;
  bool byte_level;  // byte-level BPE: decode(encode(x)) == x, but see `lossy`
  bool spm;         // SPM with byte fallback: decode(encode(x)) == x without U+2581 in x
  std::unique_ptr<herd::GgufFile> file;
  std::unique_ptr<herd::Tokenizer> tok;
  // Bytes whose byte-level character the vocab has only as a user-defined token, whose
  // piece is its text rather than the byte: DeepSeek-Coder drops C0, C1 and F5..FF (never
  // in UTF-8) from its BPE table and adds their characters back as added tokens. The
  // round trip holds only for inputs without them.
  bool lossy[256] = {};
};

constexpr size_t kNumVocabs = 6;

[[noreturn]] void fail_init(const std::string& what, const herd::Status& s) {
  std::fprintf(stderr, "fuzz_tokenizer: %s: %s\n", what.c_str(), s.to_string().c_str());
  std::abort();
}

// Bytes that can start no UTF-8 character: the only ones a vocab may fail to round-trip.
bool never_in_utf8(uint8_t b) { return b == 0xC0 || b == 0xC1 || b >= 0xF5; }

void find_lossy_bytes(Loaded& l) {
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    if (l.tok->decode(l.tok->encode(one, false, false)) == one) continue;
    if (!never_in_utf8(static_cast<uint8_t>(b))) {
      std::fprintf(stderr, "fuzz_tokenizer: %s: byte 0x%02X does not round-trip\n", l.name, b);
      __builtin_trap();
    }
    l.lossy[b] = true;
  }
  std::string list;
  for (int b = 0; b < 256; ++b) {
    char hex[4];
    if (l.lossy[b]) list += (std::snprintf(hex, sizeof hex, " %02X", b), hex);
  }
  if (!list.empty()) {
    std::fprintf(stderr, "fuzz_tokenizer: %s: no round trip for bytes%s\n", l.name, list.c_str());
  }
}

std::vector<Loaded>& load_all() {
  static std::vector<Loaded>* all = [] {
    const char* env = std::getenv("HERD_SHARED_DIR");
    const std::string dir = std::string(env != nullptr ? env : HERD_SHARED_DIR) + "/models/vocab/";
    auto* v = new std::vector<Loaded>(kNumVocabs);
    const char* names[kNumVocabs] = {"llama-spm", "llama-bpe", "qwen2",
                                     "gpt-2",     "bert-bge",  "deepseek-coder"};
    for (size_t i = 0; i < kNumVocabs; ++i) {
      Loaded& l = (*v)[i];
      l.name = names[i];
      const std::string path = dir + "ggml-vocab-" + l.name + ".gguf";
      auto f = herd::GgufFile::open(path);
      if (!f.ok()) fail_init(path, f.status());
      l.file = std::move(f).value();
      auto t = herd::Tokenizer::from_gguf(*l.file);
      if (!t.ok()) fail_init(path, t.status());
      l.tok = std::move(t).value();
      l.byte_level = l.tok->vocab().model() == "gpt2";
      l.spm = l.tok->vocab().model() == "llama";
      if (l.byte_level) find_lossy_bytes(l);
    }
    return v;
  }();
  return *all;
}

bool valid_utf8(std::string_view s) { return herd::utf8_sanitize(s) == s; }

// Streams `ids` through a StreamingDecoder and checks it against decode().
void check_streaming(const herd::Tokenizer& tok, std::span<const int32_t> ids,
                     bool render_special) {
  herd::StreamingDecoder dec(tok, render_special);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string piece = dec.push(id);
    CHECK(valid_utf8(piece));
    streamed += piece;
  }
  const std::string rest = dec.finish();
  CHECK(valid_utf8(rest));
  streamed += rest;
  CHECK(valid_utf8(streamed));
  const std::string whole = tok.decode(ids, render_special);
  if (valid_utf8(whole)) CHECK(streamed == whole);
  // finish() starts the decoder over: a second round gives the same text.
  std::string again;
  for (int32_t id : ids) again += dec.push(id);
  again += dec.finish();
  CHECK(again == streamed);
}

// The ids to decode: 3-byte groups. Most land in the vocab; the top values are the
// edges around it (negative, n_tokens and past it, the int32 extremes).
std::vector<int32_t> ids_from(std::span<const uint8_t> bytes, int32_t n_tokens) {
  static constexpr int64_t kEdges[] = {-1, -2, INT32_MIN, INT32_MAX, 0, 1};
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = bytes[i] | (bytes[i + 1] << 8) | (static_cast<uint32_t>(bytes[i + 2]) << 16);
    if (v >= 0xFFFFF0u) {
      const uint32_t k = v - 0xFFFFF0u;
      ids.push_back(k < std::size(kEdges) ? static_cast<int32_t>(kEdges[k])
                                          : n_tokens + static_cast<int32_t>(k - std::size(kEdges)));
    } else {
      ids.push_back(static_cast<int32_t>(v % static_cast<uint32_t>(n_tokens)));
    }
  }
  return ids;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)load_all();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 16 * 1024) return 0;
  const uint8_t flags = data[0];
  Loaded& l = load_all()[(flags & 0x0F) % kNumVocabs];
  const bool add_special = (flags & 0x10) != 0;
  const bool parse_special = (flags & 0x20) != 0;
  const bool render_special = (flags & 0x40) != 0;
  std::snprintf(g_context, sizeof g_context, "%s add_special=%d parse_special=%d render_special=%d",
                l.name, add_special, parse_special, render_special);
  const herd::Tokenizer& tok = *l.tok;
  const herd::Vocab& vocab = tok.vocab();
  const int32_t n_tokens = vocab.n_tokens();
  const std::span<const uint8_t> rest(data + 1, size - 1);
  const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());

  // Encode.
  const std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);
  for (int32_t id : ids) CHECK(id >= 0 && id < n_tokens);
  CHECK(tok.encode(text, add_special, parse_special) == ids);
  if (add_special && vocab.add_bos() && vocab.bos_id() >= 0) {
    CHECK(!ids.empty() && ids.front() == vocab.bos_id());
  }
  if (add_special && vocab.add_eos() && vocab.eos_id() >= 0) {
    CHECK(!ids.empty() && ids.back() == vocab.eos_id());
  }
  const bool representable = std::none_of(
      text.begin(), text.end(), [&](char c) { return l.lossy[static_cast<uint8_t>(c)]; });
  if (l.byte_level && !parse_special && representable) {
    CHECK(tok.decode(ids) == text);
  }
  // SPM with byte fallback is lossless too, but for U+2581, its escape for a space.
  if (l.spm && !parse_special && text.find("\xE2\x96\x81") == std::string_view::npos) {
    CHECK(tok.decode(ids) == text);
  }
  check_streaming(tok, ids, render_special);

  // Decode arbitrary ids, in range and out of it.
  const std::vector<int32_t> any = ids_from(rest, n_tokens);
  for (int32_t id : any) {
    const std::string piece = tok.token_to_piece(id, render_special);
    if (!vocab.valid_id(id)) CHECK(piece.empty());
  }
  check_streaming(tok, any, render_special);
  return 0;
}
