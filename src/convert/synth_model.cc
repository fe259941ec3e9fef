#include "convert/synth_model.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include "base/thread_pool.h"
#include "convert/quant_recipe.h"
#include "convert/row_writer.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace herd {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<SynthShape> kShapes = {
    // name, arch, n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx, rope base, eps, bias, tied, vocab
    {"tinyllama-1.1b", "llama", 2048, 22, 32, 4, 5632, 32000, 2048, 10000.0f, 1e-5f, false, false,
     "models/llama-2-tiny-random.gguf"},
    {"llama2-7b", "llama", 4096, 32, 32, 32, 11008, 32000, 4096, 10000.0f, 1e-5f, false, false,
     "models/llama-2-tiny-random.gguf"},
    {"qwen2-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 32768, 1000000.0f, 1e-6f, true, true,
     "models/vocab/ggml-vocab-qwen2.gguf"},
    // The reference "tiny" shape with stories260K's 512-token vocabulary.
    {"tiny", "llama", 256, 2, 4, 2, 512, 512, 512, 10000.0f, 1e-5f, false, false, "models/stories260K.gguf"},
};

// What fills a tensor: N(mean, std) per element, rows seeded independently so that
// threads can produce rows in any order and the file is the same for a seed.
struct TensorPlan {
  std::string name;
  std::vector<uint64_t> dims;
  float mean = 0.0f;
  float std = 0.0f;
};

uint64_t mix64(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Fills a row with approximately normal values: the sum of four uniforms, centred and
// scaled to unit variance (cheap, and the tails do not matter for random weights).
void fill_row(uint64_t seed, float mean, float std, float* dst, int64_t n) {
  uint64_t s = mix64(seed);
  const float scale = std * std::sqrt(3.0f) / 32768.0f;
  for (int64_t i = 0; i < n; ++i) {
    s = mix64(s);
    const int32_t sum = static_cast<int32_t>(s & 0xffff) + static_cast<int32_t>((s >> 16) & 0xffff) +
                        static_cast<int32_t>((s >> 32) & 0xffff) + static_cast<int32_t>(s >> 48);
    dst[i] = mean + scale * static_cast<float>(sum - 2 * 65536);
  }
}

std::vector<TensorPlan> plan_tensors(const SynthShape& sh, int32_t n_layer, int32_t n_vocab) {
  const uint64_t e = static_cast<uint64_t>(sh.n_embd);
  const uint64_t head_dim = e / static_cast<uint64_t>(sh.n_head);
  const uint64_t kv = head_dim * static_cast<uint64_t>(sh.n_head_kv);
  const uint64_t ff = static_cast<uint64_t>(sh.n_ff);
  const float inv_sqrt_e = 1.0f / std::sqrt(static_cast<float>(e));
  std::vector<TensorPlan> t;
  t.push_back({"token_embd.weight", {e, static_cast<uint64_t>(n_vocab)}, 0.0f, sh.tied_output ? 2.5f * inv_sqrt_e : 1.0f});
  for (int32_t il = 0; il < n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    t.push_back({p + "attn_norm.weight", {e}, 1.0f, 0.05f});
    // q·k/sqrt(head_dim) with a std of about 2.5: attention is peaked, not uniform.
    // Unit-rms inputs give q·k/sqrt(head_dim) a std of about 2.5: peaked attention.
    const float qk_std = std::sqrt(2.5f) * inv_sqrt_e;
    t.push_back({p + "attn_q.weight", {e, e}, 0.0f, qk_std});
    t.push_back({p + "attn_k.weight", {e, kv}, 0.0f, qk_std});
    t.push_back({p + "attn_v.weight", {e, kv}, 0.0f, inv_sqrt_e});
    if (sh.qkv_bias) {
      t.push_back({p + "attn_q.bias", {e}, 0.0f, 0.02f});
      t.push_back({p + "attn_k.bias", {kv}, 0.0f, 0.02f});
      t.push_back({p + "attn_v.bias", {kv}, 0.0f, 0.02f});
    }
    // Residual branches scaled down with depth so the stream stays near unit size.
    const float depth = 1.0f / std::sqrt(2.0f * static_cast<float>(n_layer));
    t.push_back({p + "attn_output.weight", {e, e}, 0.0f, inv_sqrt_e * depth});
    t.push_back({p + "ffn_norm.weight", {e}, 1.0f, 0.05f});
    t.push_back({p + "ffn_gate.weight", {e, ff}, 0.0f, inv_sqrt_e});
    t.push_back({p + "ffn_up.weight", {e, ff}, 0.0f, inv_sqrt_e});
    t.push_back({p + "ffn_down.weight", {ff, e}, 0.0f, depth / std::sqrt(static_cast<float>(ff))});
  }
  t.push_back({"output_norm.weight", {e}, 1.0f, 0.05f});
  if (!sh.tied_output) t.push_back({"output.weight", {e, static_cast<uint64_t>(n_vocab)}, 0.0f, 2.5f * inv_sqrt_e});
  return t;
}

// Copies tokenizer.* keys; pads the per-token arrays up to n_vocab. Returns the
// vocabulary's token count.
Result<int32_t> copy_vocab(GgufWriter& w, const std::string& path) {
  HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> vocab, GgufFile::open(path));
  const GgufValue* tokens = vocab->find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->type != GgufType::kArray || tokens->array.empty()) {
    return invalid_argument(path + " has no tokenizer.ggml.tokens");
  }
  w.copy_metadata(*vocab, [](std::string_view key) { return key.substr(0, 10) != "tokenizer."; });
  return static_cast<int32_t>(tokens->array.size());
}

void pad_vocab(GgufWriter& w, int32_t n_tokens, int32_t n_vocab) {
  if (n_tokens >= n_vocab) return;
  auto pad = [&](const char* key, const GgufMetaValue& fill, bool numbered) {
    const GgufMetaValue* v = w.find(key);
    if (v == nullptr || v->array.size() != static_cast<size_t>(n_tokens)) return;
    GgufMetaValue copy = *v;
    for (int32_t i = n_tokens; i < n_vocab; ++i) {
      copy.array.push_back(numbered ? GgufMetaValue::of_string("[PAD" + std::to_string(i) + "]") : fill);
    }
    w.set(key, std::move(copy));
  };
  pad("tokenizer.ggml.tokens", {}, true);
  pad("tokenizer.ggml.scores", GgufMetaValue::of_float(GgufType::kFloat32, 0.0), false);
  pad("tokenizer.ggml.token_type", GgufMetaValue::of_int(GgufType::kInt32, 5), false);  // unused
}

}  // namespace

const std::vector<SynthShape>& synth_shapes() { return kShapes; }

const SynthShape* find_synth_shape(std::string_view name) {
  for (const SynthShape& s : kShapes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<SynthSummary> synth_model(const SynthParams& params) {
  const Clock::time_point t0 = Clock::now();
  const SynthShape* sh = find_synth_shape(params.shape);
  if (sh == nullptr) {
    std::string names;
    for (const SynthShape& s : kShapes) names += (names.empty() ? "" : ", ") + std::string(s.name);
    return invalid_argument("unknown shape \"" + params.shape + "\" (known: " + names + ")");
  }
  const std::optional<FileType> ft = file_type_from_name(params.type);
  if (!ft) return invalid_argument("unknown type \"" + params.type + "\" (known: " + file_type_names() + ")");
  if (params.n_layer < 0) return invalid_argument("layer count must be positive");
  const int32_t n_layer = params.n_layer > 0 ? params.n_layer : sh->n_layer;

  GgufWriter w;
  const std::string a(sh->arch);
  w.set_string("general.architecture", a);
  w.set_string("general.name", std::string(sh->name) + " (synthetic random weights)");
  w.set_u32(a + ".context_length", static_cast<uint32_t>(sh->n_ctx));
  w.set_u32(a + ".embedding_length", static_cast<uint32_t>(sh->n_embd));
  w.set_u32(a + ".block_count", static_cast<uint32_t>(n_layer));
  w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(sh->n_ff));
  w.set_u32(a + ".rope.dimension_count", static_cast<uint32_t>(sh->n_embd / sh->n_head));
  w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(sh->n_head));
  w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(sh->n_head_kv));
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", sh->rms_eps);
  w.set_f32(a + ".rope.freq_base", sh->rope_freq_base);
  w.set_u32("general.file_type", ft->id);
  w.set_u32("general.quantization_version", 2);

  int32_t n_vocab = sh->n_vocab;
  std::string vocab_path = params.vocab_from;
  if (vocab_path.empty() && !params.shared_dir.empty()) {
    vocab_path = (std::filesystem::path(params.shared_dir) / sh->default_vocab).string();
  }
  if (!vocab_path.empty()) {
    Result<int32_t> n_tokens = copy_vocab(w, vocab_path);
    if (!n_tokens.ok()) return n_tokens.status().with_context("--vocab-from " + vocab_path);
    n_vocab = std::max(n_vocab, *n_tokens);
    pad_vocab(w, *n_tokens, n_vocab);
  }
  w.set_u32(a + ".vocab_size", static_cast<uint32_t>(n_vocab));

  const std::vector<TensorPlan> plan = plan_tensors(*sh, n_layer, n_vocab);
  RecipeModel rm{n_layer, sh->n_head, sh->n_head_kv, !sh->tied_output};
  std::vector<DType> types;
  SynthSummary summary;
  for (const TensorPlan& t : plan) {
    const DType type = tensor_type_for(*ft, rm, t.name, t.dims, DType::kF32);
    Status s = check_writable(type);
    if (!s.ok()) return s.with_context("type " + std::string(ft->name) + " needs " + std::string(dtype_name(type)) +
                                       " for " + t.name);
    HERD_RETURN_IF_ERROR(w.add_tensor(t.name, type, t.dims));
    types.push_back(type);
    int64_t n = 1;
    for (uint64_t d : t.dims) n *= static_cast<int64_t>(d);
    summary.n_params += n;
  }
  summary.bytes = w.total_bytes();
  summary.n_tensors = plan.size();
  summary.n_vocab = n_vocab;
  summary.tensors = w.tensors();
  if (params.plan_only) return summary;
  HERD_RETURN_IF_ERROR(w.open(params.output));

  ThreadPool pool(params.n_threads > 0 ? params.n_threads : ThreadPool::default_threads());
  for (size_t i = 0; i < plan.size(); ++i) {
    const TensorPlan& t = plan[i];
    const Clock::time_point tt = Clock::now();
    const int64_t row_len = static_cast<int64_t>(t.dims[0]);
    int64_t n_rows = 1;
    for (size_t d = 1; d < t.dims.size(); ++d) n_rows *= static_cast<int64_t>(t.dims[d]);
    const uint64_t tensor_seed = mix64(params.seed ^ mix64(i + 1));
    HERD_RETURN_IF_ERROR(write_rows(w, pool, types[i], row_len, n_rows, [&](int64_t row, float* dst) {
      fill_row(tensor_seed + static_cast<uint64_t>(row), t.mean, t.std, dst, row_len);
    }));
    if (params.on_tensor) {
      QuantizeProgress p;
      p.index = i + 1;
      p.n_tensors = plan.size();
      p.name = t.name;
      p.from = DType::kF32;
      p.to = types[i];
      p.bytes_in = static_cast<uint64_t>(row_len * n_rows) * 4;
      p.bytes_out = w.tensors()[i].n_bytes;
      p.seconds = std::chrono::duration<double>(Clock::now() - tt).count();
      params.on_tensor(p);
    }
  }
  HERD_RETURN_IF_ERROR(w.finish());
  summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return summary;
}

}  // namespace herd
