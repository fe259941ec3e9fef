// libFuzzer target for model loading from mutated REAL files. Random bytes rarely get
// past the GGUF reader, so the input here is not a file: it is a list of edits applied to
// one of several real models (a trained llama, a 32000-token llama, and synthetic
// reference models of every family: MoE, biases, q/k norms, fused tensors, sliding
// windows, quantized types). Edits change hparams to boundary values, swap the
// architecture, cut or poison vocab arrays, and retype, reshape, move, drop or rename
// tensors. The edited file then goes through the whole loader (GGUF reader, model,
// tokenizer) and, when it loads, a tokenizer round trip and one tiny forward pass.
//
// Beyond the sanitizers (and libFuzzer's -rss_limit_mb / -malloc_limit_mb, which catch a
// count that sizes an allocation past what the file holds), it traps when:
//   - a load fails with kInternal (an exception reached the loader's barrier) or
//     kResourceExhausted (an allocation sized by a count the loader should have bounded);
//   - a loaded model's weights do not match its hparams, or its forward pass fails or
//     gives logits of the wrong size; encoded ids leave [0, n_tokens).
//
// Input: byte 0 picks the base model (modulo the number found); then each edit is an op
// byte followed by the operand bytes that op reads (see apply_edit). Running out of bytes
// ends the edits. The base models are read once from $HERD_SHARED_DIR (default: the
// HERD_SHARED_DIR the build was configured with); those absent are skipped.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_image.h"
#include "model/context.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace {

using herd::GgufImage;
using herd::GgufMetaValue;
using herd::GgufTensorInfo;
using herd::GgufType;

#define CHECK(cond)                                                                        \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "fuzz_model_load: line %d: invariant failed: %s\n", __LINE__, #cond); \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (0)

constexpr const char* kBaseModels[] = {
    "models/stories260K.gguf",
    "models/llama-2-tiny-random.gguf",
    "reference/logits/llama-tiny-Q4_K_M.gguf",
    "reference/logits/llama3-tiny-Q4_K_M.gguf",
    "reference/logits/mixtral-tiny-Q4_0.gguf",
    "reference/logits/qwen2-tiny-Q4_K_M.gguf",
    "reference/logits/qwen2moe-tiny-F16.gguf",
    "reference/logits/qwen3-tiny-Q4_K_M.gguf",
    "reference/logits/qwen3moe-tiny-F16.gguf",
    "reference/logits/gemma-tiny-F16.gguf",
    "reference/logits/gemma3-tiny-F16.gguf",
    "reference/logits/phi3-tiny-F16.gguf",
};

struct Base {
  std::unique_ptr<herd::GgufFile> file;
  GgufImage image;
};

std::vector<Base>& bases() {
  static std::vector<Base> loaded = [] {
    const char* env = std::getenv("HERD_SHARED_DIR");
    const std::string dir = env != nullptr ? env : HERD_SHARED_DIR;
    std::vector<Base> out;
    for (const char* rel : kBaseModels) {
      auto f = herd::GgufFile::open(dir + "/" + rel);
      if (!f.ok()) continue;
      Base b;
      b.file = std::move(f).value();
      b.image = GgufImage::from(*b.file);
      out.push_back(std::move(b));
    }
    if (out.empty()) {
      std::fprintf(stderr, "fuzz_model_load: no base model under %s\n", dir.c_str());
      std::abort();
    }
    return out;
  }();
  return loaded;
}

// The fuzz input read front to back; zeros once it is used up.
class Input {
 public:
  explicit Input(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool empty() const { return at_ >= bytes_.size(); }
  uint8_t u8() { return empty() ? 0 : bytes_[at_++]; }
  uint64_t u64(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(u8()) << (8 * i);
    return v;
  }
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(u64(2) % n); }
  std::string text() {
    const size_t n = u8() % 12;
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>(u8());
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
};

// Counts and sizes at the edges the loader must hold: zero, one, powers of two and their
// neighbours, the 32- and 64-bit limits, a million.
// Arithmetic on the current value wraps (in uint64) rather than overflowing.
int64_t edge_int(Input& in, int64_t current) {
  const auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  const auto cur = static_cast<uint64_t>(current);
  switch (in.u8() % 16) {
    case 0: return 0;
    case 1: return 1;
    case 2: return -1;
    case 3: return wrap(cur + 1);
    case 4: return wrap(cur - 1);
    case 5: return wrap(cur * 2);
    case 6: return current / 2;
    case 7: return 1000000;
    case 8: return std::numeric_limits<int32_t>::max();
    case 9: return int64_t{1} << 32;
    case 10: return std::numeric_limits<int64_t>::max();
    case 11: return std::numeric_limits<int64_t>::min();
    case 12: return int64_t{1} << (in.u8() % 63);
    case 13: return static_cast<int64_t>(in.u64(2));
    case 14: return static_cast<int64_t>(in.u64(8));
    default: return wrap(cur + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(in.u8()))));
  }
}

double edge_float(Input& in, double current) {
  switch (in.u8() % 10) {
    case 0: return std::numeric_limits<double>::quiet_NaN();
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return -std::numeric_limits<double>::infinity();
    case 3: return 0.0;
    case 4: return -current;
    case 5: return current * 1e30;
    case 6: return 1e-40;
    case 7: return 1e39;  // infinite once stored as f32
    case 8: return static_cast<double>(static_cast<int8_t>(in.u8()));
    default: return current * 2;
  }
}

std::string arch_of(const GgufImage& img) {
  for (const auto& [k, v] : img.kvs) {
    if (k == "general.architecture" && v.type == GgufType::kString) return v.str;
  }
  return "llama";
}

constexpr const char* kArchIntKeys[] = {
    "block_count", "embedding_length", "feed_forward_length", "attention.head_count",
    "attention.head_count_kv", "attention.key_length", "attention.value_length", "rope.dimension_count",
    "context_length", "expert_count", "expert_used_count", "expert_feed_forward_length",
    "expert_shared_feed_forward_length", "attention.sliding_window", "attention.sliding_window_pattern",
    "rope.scaling.original_context_length",
};
constexpr const char* kArchFloatKeys[] = {
    "attention.layer_norm_rms_epsilon", "rope.freq_base", "rope.scaling.factor", "attn_logit_softcapping",
    "final_logit_softcapping", "rope.freq_base_swa", "rope.scaling.attn_factor",
};
constexpr const char* kTokenizerIntKeys[] = {
    "tokenizer.ggml.bos_token_id",     "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.padding_token_id", "tokenizer.ggml.eot_token_id", "general.alignment",
};
constexpr const char* kArchNames[] = {"llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma",
                                      "gemma2", "gemma3", "phi3", "bert", "clip", ""};
constexpr const char* kTokenizerModels[] = {"llama", "gpt2", "bert", "t5", "none", ""};
constexpr const char* kVocabArrays[] = {"tokenizer.ggml.tokens", "tokenizer.ggml.scores",
                                        "tokenizer.ggml.token_type", "tokenizer.ggml.merges"};
constexpr const char* kTensorSuffixes[] = {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
                                           "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight",
                                           "ffn_up.weight", "ffn_down.weight", "ffn_gate_inp.weight",
                                           "ffn_gate_exps.weight", "attn_qkv.weight", "ffn_gate.0.weight"};

// Sets an integer key, keeping its integer type when it has one.
void set_int(GgufImage& img, const std::string& key, Input& in) {
  GgufMetaValue* v = img.find(key);
  const bool is_int = v != nullptr && v->type != GgufType::kArray && v->type != GgufType::kString &&
                      v->type != GgufType::kFloat32 && v->type != GgufType::kFloat64;
  const bool is_signed = is_int && (v->type == GgufType::kInt8 || v->type == GgufType::kInt16 ||
                                    v->type == GgufType::kInt32 || v->type == GgufType::kInt64);
  const int64_t current = !is_int ? 0 : is_signed ? v->i : static_cast<int64_t>(v->u);
  const int64_t next = edge_int(in, current);
  const GgufType type = is_int ? v->type : (in.u8() & 1) ? GgufType::kUint64 : GgufType::kUint32;
  if (type == GgufType::kInt8 || type == GgufType::kInt16 || type == GgufType::kInt32 || type == GgufType::kInt64) {
    img.set(key, GgufMetaValue::of_int(type, next));
  } else {
    img.set(key, GgufMetaValue::of_uint(type, static_cast<uint64_t>(next)));
  }
}

// A value of any type, for keys that should have another.
GgufMetaValue any_value(Input& in) {
  const uint8_t t = in.u8() % 13;
  const auto type = static_cast<GgufType>(t);
  switch (type) {
    case GgufType::kString: return GgufMetaValue::of_string(in.text());
    case GgufType::kArray: {
      std::vector<GgufMetaValue> elems(in.u8() % 4, GgufMetaValue::of_uint(GgufType::kUint32, in.u8()));
      return GgufMetaValue::of_array(GgufType::kUint32, std::move(elems));
    }
    case GgufType::kFloat32:
    case GgufType::kFloat64: return GgufMetaValue::of_float(type, edge_float(in, 1.0));
    case GgufType::kInt8:
    case GgufType::kInt16:
    case GgufType::kInt32:
    case GgufType::kInt64: return GgufMetaValue::of_int(type, edge_int(in, 1));
    default: return GgufMetaValue::of_uint(type, static_cast<uint64_t>(edge_int(in, 1)));
  }
}

void edit_vocab_array(GgufImage& img, Input& in) {
  GgufMetaValue* a = img.find(kVocabArrays[in.pick(std::size(kVocabArrays))]);
  if (a == nullptr || a->type != GgufType::kArray) return;
  std::vector<GgufMetaValue>& elems = a->array;
  const size_t i = in.pick(elems.size());
  switch (in.u8() % 6) {
    case 0: elems.resize(elems.size() * (in.u8() % 4) / 4); break;  // cut short
    case 1: if (!elems.empty()) elems.pop_back(); break;
    case 2: if (!elems.empty()) elems.push_back(elems[i]); break;
    case 3: elems.clear(); break;
    default:
      if (elems.empty()) break;
      GgufMetaValue& e = elems[i];
      if (e.type == GgufType::kString) e.str = (in.u8() & 1) ? in.text() : elems[in.pick(elems.size())].str;
      if (e.type == GgufType::kFloat32) e.f = edge_float(in, e.f);
      if (e.type == GgufType::kInt32) e.i = edge_int(in, e.i);
      break;
  }
}

void edit_tensor(GgufImage& img, Input& in) {
  if (img.tensors.empty()) return;
  const size_t i = in.pick(img.tensors.size());
  GgufTensorInfo& t = img.tensors[i];
  switch (in.u8() % 8) {
    case 0: {  // retype to any known type (the reader checks the new byte size)
      if (auto info = herd::dtype_info(in.u8() % 48)) t.type = info->type;
      break;
    }
    case 1: {
      const size_t d = in.pick(t.dims.size());
      t.dims[d] = static_cast<uint64_t>(edge_int(in, static_cast<int64_t>(t.dims[d])));
      break;
    }
    case 2: if (t.dims.size() >= 2) std::swap(t.dims[0], t.dims[1]); break;
    case 3: if (t.dims.size() < 5) t.dims.push_back(in.u8() % 2 ? 1 : in.u8()); break;
    case 4: if (!t.dims.empty()) t.dims.pop_back(); break;
    case 5: {
      const int64_t other = static_cast<int64_t>(img.tensors[in.pick(img.tensors.size())].offset);
      t.offset = static_cast<uint64_t>((in.u8() & 1) ? other : edge_int(in, static_cast<int64_t>(t.offset)));
      break;
    }
    case 6: img.tensors.erase(img.tensors.begin() + static_cast<std::ptrdiff_t>(i)); break;
    default:
      t.name = (in.u8() & 1) ? img.tensors[in.pick(img.tensors.size())].name
                             : "blk." + std::to_string(in.u8() % 8) + "." +
                                   kTensorSuffixes[in.pick(std::size(kTensorSuffixes))];
      break;
  }
}

// Applies one edit; true when it may have changed what the tokenizer reads.
bool apply_edit(GgufImage& img, Input& in) {
  const std::string arch = arch_of(img);
  const uint8_t op = in.u8() % 10;
  switch (op) {
    case 0:
    case 1: set_int(img, arch + "." + kArchIntKeys[in.pick(std::size(kArchIntKeys))], in); break;
    case 2: {
      const std::string key = arch + "." + kArchFloatKeys[in.pick(std::size(kArchFloatKeys))];
      const GgufMetaValue* v = img.find(key);
      const double current = v != nullptr ? v->f : 1.0;
      img.set(key, GgufMetaValue::of_float(GgufType::kFloat32, edge_float(in, current)));
      break;
    }
    case 3: set_int(img, kTokenizerIntKeys[in.pick(std::size(kTokenizerIntKeys))], in); break;
    case 4: {  // another architecture (the keys keep the old prefix unless renamed below)
      const std::string next = kArchNames[in.pick(std::size(kArchNames))];
      img.set("general.architecture", GgufMetaValue::of_string(next));
      if (in.u8() & 1) {
        for (auto& [k, v] : img.kvs) {
          if (k.rfind(arch + ".", 0) == 0) k = next + k.substr(arch.size());
        }
      }
      break;
    }
    case 5: {
      if (in.u8() & 1) {
        img.set("tokenizer.ggml.model", GgufMetaValue::of_string(kTokenizerModels[in.pick(std::size(kTokenizerModels))]));
      } else {
        img.set("tokenizer.ggml.pre", GgufMetaValue::of_string((in.u8() & 1) ? "llama-bpe" : in.text()));
      }
      break;
    }
    case 6: {  // any key to a value of another type, or gone
      if (img.kvs.empty()) break;
      const size_t k = in.pick(img.kvs.size());
      const bool tokenizer_key = img.kvs[k].first.rfind("tokenizer.", 0) == 0;
      if (in.u8() & 1) {
        img.kvs[k].second = any_value(in);
      } else {
        img.kvs.erase(img.kvs.begin() + static_cast<std::ptrdiff_t>(k));
      }
      return tokenizer_key;
    }
    case 7: edit_vocab_array(img, in); break;
    default: edit_tensor(img, in); break;
  }
  return op == 3 || op == 5 || op == 7;
}

void check_load_error(const herd::Status& s) {
  CHECK(!s.ok());
  CHECK(!s.message().empty());
  CHECK(s.code() != herd::StatusCode::kInternal);           // an exception was caught
  CHECK(s.code() != herd::StatusCode::kResourceExhausted);  // a count outgrew the file
}

// The weights a loaded model exposes agree with its hparams.
void check_model(const herd::Model& model) {
  const herd::Hparams& hp = model.hparams();
  const herd::ModelWeights& w = model.weights();
  CHECK(hp.n_vocab > 0 && hp.n_embd > 0 && hp.n_layer > 0);
  CHECK(w.layers.size() == static_cast<size_t>(hp.n_layer));
  CHECK(w.token_embd.n_rows == hp.n_vocab && w.token_embd.n_cols == hp.n_embd);
  CHECK(w.output_norm.size() == static_cast<size_t>(hp.n_embd));
  for (const herd::LayerWeights& l : w.layers) {
    CHECK(l.attn_norm.size() == static_cast<size_t>(hp.n_embd));
    CHECK(l.wq.n_rows == hp.n_embd_q() && l.wk.n_rows == hp.n_embd_kv());
    if (hp.n_expert > 0) CHECK(l.moe.gate_exps.size() == static_cast<size_t>(hp.n_expert));
  }
}

void forward(const herd::Model& model) {
  herd::ContextParams params;
  params.n_ctx = 16;
  params.n_batch = 4;
  params.n_threads = 1;
  auto ctx = herd::Context::create(model, params);
  if (!ctx.ok()) {
    check_load_error(ctx.status());
    return;
  }
  const int32_t n_vocab = model.hparams().n_vocab;
  const int32_t ids[] = {1 % n_vocab, n_vocab - 1, 0};
  const herd::Status s = (*ctx)->eval(ids, true);
  CHECK(s.ok());
  for (int64_t i = 0; i < 3; ++i) CHECK((*ctx)->logits(i).size() == static_cast<size_t>(n_vocab));
}

void round_trip(const herd::Tokenizer& tok) {
  const std::vector<int32_t> ids = tok.encode("Once upon a time, <s> there was\n a \xE2\x96\x81 cat.", true, true);
  for (int32_t id : ids) CHECK(tok.vocab().valid_id(id));
  (void)tok.decode(ids, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in({data, size});
  const std::vector<Base>& all = bases();
  GgufImage img = all[in.u8() % all.size()].image;
  bool vocab_edited = false;
  for (int edits = 0; !in.empty() && edits < 16; ++edits) vocab_edited |= apply_edit(img, in);

  const std::vector<uint8_t> bytes = img.bytes();
  auto file = herd::GgufFile::parse(bytes);
  if (!file.ok()) {
    check_load_error(file.status());
    return 0;
  }
  // The base models' tokenizers load; building one again (32000 tokens for one of them)
  // would only slow the edits that cannot change it.
  if (vocab_edited) {
    auto tok = herd::Tokenizer::from_gguf(**file);
    if (tok.ok()) {
      round_trip(**tok);
    } else {
      check_load_error(tok.status());
    }
  }
  auto model = herd::Model::from_gguf(std::move(file).value());
  if (!model.ok()) {
    check_load_error(model.status());
    return 0;
  }
  check_model(**model);
  forward(**model);
  return 0;
}
