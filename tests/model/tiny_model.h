// Small in-memory GGUF models of every family for the model tests: a map of metadata and
// F32 tensors that a test edits (drop a tensor, change a shape, add keys) before writing
// the bytes with the GGUF byte builder and loading them.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "../gguf/gguf_test_builder.h"
#include "model/model.h"

namespace herd::test {

class TinyModel {
 public:
  using Value = std::variant<uint32_t, float, std::string>;

  struct Tensor {
    std::vector<uint64_t> dims;
    std::vector<float> data;
  };

  explicit TinyModel(std::string arch) : arch_(std::move(arch)) { set("general.architecture", arch_); }

  const std::string& arch() const { return arch_; }
  TinyModel& set(const std::string& key, Value v) {
    kvs_[key] = std::move(v);
    return *this;
  }
  // "<arch>.<key>".
  TinyModel& set_arch(const std::string& key, Value v) { return set(arch_ + "." + key, std::move(v)); }
  TinyModel& erase_key(const std::string& key) {
    kvs_.erase(key);
    return *this;
  }

  // A tensor of pseudo-random values around `mean` with spread `scale`.
  TinyModel& random(const std::string& name, std::vector<uint64_t> dims, float scale, float mean = 0.0f) {
    uint64_t n = 1;
    for (uint64_t d : dims) n *= d;
    Tensor t{std::move(dims), std::vector<float>(n)};
    for (float& v : t.data) v = mean + scale * next_uniform();
    tensors_[name] = std::move(t);
    return *this;
  }
  TinyModel& tensor(const std::string& name, std::vector<uint64_t> dims, std::vector<float> data) {
    tensors_[name] = Tensor{std::move(dims), std::move(data)};
    return *this;
  }
  TinyModel& erase_tensor(const std::string& name) {
    tensors_.erase(name);
    return *this;
  }
  bool has_tensor(const std::string& name) const { return tensors_.count(name) != 0; }
  Tensor& at(const std::string& name) { return tensors_.at(name); }

  std::vector<uint8_t> bytes() const {
    GgufBuilder b;
    b.header(3, tensors_.size(), kvs_.size());
    for (const auto& [key, value] : kvs_) {
      if (const auto* u = std::get_if<uint32_t>(&value)) b.kv_u32(key, *u);
      if (const auto* f = std::get_if<float>(&value)) b.kv_f32(key, *f);
      if (const auto* s = std::get_if<std::string>(&value)) b.kv_string(key, *s);
    }
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors_) {
      b.tensor_info(name, t.dims, 0, offset);
      offset += padded(t.data.size() * sizeof(float));
    }
    b.pad_to(32);
    for (const auto& [name, t] : tensors_) {
      for (float v : t.data) b.f32(v);
      b.zeros(padded(t.data.size() * sizeof(float)) - t.data.size() * sizeof(float));
    }
    return b.bytes();
  }

  // Writes the bytes and loads them; the bytes live as long as this TinyModel.
  Result<std::unique_ptr<Model>> load() {
    buffers_.push_back(std::make_shared<std::vector<uint8_t>>(bytes()));
    HERD_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::parse(*buffers_.back()));
    return Model::from_gguf(std::move(file));
  }

 private:
  static uint64_t padded(uint64_t n) { return (n + 31) / 32 * 32; }
  float next_uniform() {  // in [-1, 1): a 64-bit LCG, top bits
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(static_cast<double>(state_ >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }

  std::string arch_;
  std::map<std::string, Value> kvs_;
  std::map<std::string, Tensor> tensors_;
  std::vector<std::shared_ptr<std::vector<uint8_t>>> buffers_;  // shared: copies of a TinyModel keep them alive too
  uint64_t state_ = 0x243F6A8885A308D3ull;
};

// The shape of the tiny models.
struct TinyShape {
  uint32_t n_vocab = 32, n_embd = 16, n_layer = 2, n_head = 2, n_head_kv = 1, n_ff = 24;
  uint32_t n_expert = 0, n_expert_used = 0, n_ff_exp = 12, n_ff_shexp = 20;
};

// A complete valid model of `arch` ("llama", "qwen2", … as herd supports them) with
// random weights; experts when shape.n_expert > 0 (llama) or the family has them.
inline TinyModel make_tiny_model(const std::string& arch, TinyShape s = {}) {
  TinyModel m(arch);
  const bool moe = arch == "qwen2moe" || arch == "qwen3moe" || s.n_expert > 0;
  if (moe && s.n_expert == 0) {
    s.n_expert = 4;
    s.n_expert_used = 2;
  }
  const bool qkv_bias = arch == "qwen2" || arch == "qwen2moe";
  const bool qk_norm = arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3";
  const bool post_norms = arch == "gemma2" || arch == "gemma3";
  const bool phi3 = arch == "phi3";
  const uint64_t hd = s.n_embd / s.n_head, nq = s.n_embd, nkv = hd * s.n_head_kv, e = s.n_embd;
  m.set_arch("context_length", 64u)
      .set_arch("embedding_length", s.n_embd)
      .set_arch("block_count", s.n_layer)
      .set_arch("feed_forward_length", s.n_ff)
      .set_arch("attention.head_count", s.n_head)
      .set_arch("attention.head_count_kv", s.n_head_kv)
      .set_arch("attention.layer_norm_rms_epsilon", 1e-5f);
  if (moe) {
    m.set_arch("expert_count", s.n_expert).set_arch("expert_used_count", s.n_expert_used);
    if (arch != "llama") m.set_arch("expert_feed_forward_length", s.n_ff_exp);
    if (arch == "qwen2moe") m.set_arch("expert_shared_feed_forward_length", s.n_ff_shexp);
  }
  const float w_scale = 1.0f / std::sqrt(static_cast<float>(e));
  m.random("token_embd.weight", {e, s.n_vocab}, 1.0f);
  m.random("output_norm.weight", {e}, 0.05f, 1.0f);
  if (arch.rfind("gemma", 0) != 0) m.random("output.weight", {e, s.n_vocab}, w_scale);
  for (uint32_t il = 0; il < s.n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    m.random(p + "attn_norm.weight", {e}, 0.05f, 1.0f);
    if (phi3) {
      m.random(p + "attn_qkv.weight", {e, nq + 2 * nkv}, w_scale);
    } else {
      m.random(p + "attn_q.weight", {e, nq}, w_scale);
      m.random(p + "attn_k.weight", {e, nkv}, w_scale);
      m.random(p + "attn_v.weight", {e, nkv}, w_scale);
    }
    if (qkv_bias) {
      m.random(p + "attn_q.bias", {nq}, 0.1f);
      m.random(p + "attn_k.bias", {nkv}, 0.1f);
      m.random(p + "attn_v.bias", {nkv}, 0.1f);
    }
    if (qk_norm) {
      m.random(p + "attn_q_norm.weight", {hd}, 0.05f, 1.0f);
      m.random(p + "attn_k_norm.weight", {hd}, 0.05f, 1.0f);
    }
    m.random(p + "attn_output.weight", {nq, e}, w_scale);
    m.random(p + "ffn_norm.weight", {e}, 0.05f, 1.0f);
    if (post_norms) {
      m.random(p + "post_attention_norm.weight", {e}, 0.05f, 1.0f);
      m.random(p + "post_ffw_norm.weight", {e}, 0.05f, 1.0f);
    }
    if (moe) {
      const uint64_t f = arch == "llama" ? s.n_ff : s.n_ff_exp;
      m.random(p + "ffn_gate_inp.weight", {e, s.n_expert}, 1.0f);
      m.random(p + "ffn_gate_exps.weight", {e, f, s.n_expert}, w_scale);
      m.random(p + "ffn_up_exps.weight", {e, f, s.n_expert}, w_scale);
      m.random(p + "ffn_down_exps.weight", {f, e, s.n_expert}, 1.0f / std::sqrt(static_cast<float>(f)));
      if (arch == "qwen2moe") {
        m.random(p + "ffn_gate_inp_shexp.weight", {e}, w_scale);
        m.random(p + "ffn_gate_shexp.weight", {e, s.n_ff_shexp}, w_scale);
        m.random(p + "ffn_up_shexp.weight", {e, s.n_ff_shexp}, w_scale);
        m.random(p + "ffn_down_shexp.weight", {s.n_ff_shexp, e}, w_scale);
      }
    } else if (phi3) {
      m.random(p + "ffn_up.weight", {e, 2ull * s.n_ff}, w_scale);
      m.random(p + "ffn_down.weight", {s.n_ff, e}, w_scale);
    } else {
      m.random(p + "ffn_gate.weight", {e, s.n_ff}, w_scale);
      m.random(p + "ffn_up.weight", {e, s.n_ff}, w_scale);
      m.random(p + "ffn_down.weight", {s.n_ff, e}, w_scale);
    }
  }
  return m;
}

}  // namespace herd::test
