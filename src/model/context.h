// The state of one sequence being evaluated: KV cache, scratch buffers, logits.
// eval() runs the whole batch of new tokens through the model at once. Every buffer
// is sized in create(), so decoding allocates nothing per token.
//
// The forward pass is split by block: context.cc (embedding, layer loop, output),
// attention_block.cc, ffn_block.cc and moe.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "kv/kv_cache.h"
#include "model/model.h"

namespace herd {

struct ContextParams {
  int32_t n_ctx = 0;      // 0: the model's training context, capped at 4096
  int32_t n_batch = 512;  // longest run of tokens evaluated in one pass
  int32_t n_threads = 0;  // 0: all hardware threads
};

class Context {
 public:
  static Result<std::unique_ptr<Context>> create(const Model& model, const ContextParams& params);

  // Evaluates tokens at positions n_past() .. n_past() + n - 1 and appends them to the
  // cache. With all_logits every position's logits are kept, else only the last.
  Status eval(std::span<const int32_t> tokens, bool all_logits);

  // Logits row i of the last eval (with all_logits: i in [0, n); else only i = 0).
  std::span<const float> logits(int64_t i = 0) const;
  // The logits of the last evaluated position.
  std::span<const float> last_logits() const;

  int32_t n_past() const { return n_past_; }
  int32_t n_ctx() const { return kv_.n_ctx(); }
  void clear() { n_past_ = 0; n_logit_rows_ = 0; }
  int n_threads() const { return pool_->size(); }

 private:
  // One rope configuration (gemma3 has two: sliding and global layers) and its cos/sin
  // table for the positions of the current batch.
  struct RopeTable {
    RopeParams params;
    const float* freq_factors = nullptr;  // rope_freqs or long-rope factors; null: none
    std::vector<float> cos_sin;           // [n_batch][n_rot]
  };

  Context(const Model& model, KvCache kv, int32_t n_batch, int n_threads);
  Status allocate(int32_t n_ctx);
  void forward_batch(const int32_t* tokens, int32_t n, bool all_logits, float* logits_out);
  void fill_rope_tables(int32_t n);

  // attention_block.cc: x += post_norm(wo · attn(norm(x))).
  void attention_block(int32_t il, int32_t n);
  void attention(int32_t il, int32_t n);
  // ffn_block.cc: x += post_norm(ffn(norm(x))), dense or mixture of experts.
  void ffn_block(int32_t il, int32_t n);
  // out[t] = down(act(gate · in[t]) * (up · in[t])) for t < n, through gate_/up_.
  void gated_ffn(const WeightMatrix& gate, const WeightMatrix& up, const WeightMatrix& down, FfnActivation act,
                 const float* in, int32_t n, float* out);
  // moe.cc: out = the mixture of experts (and shared expert) of xn_.
  void moe(const MoeWeights& m, int32_t n, float* out);
  void route(const MoeWeights& m, int32_t n);

  const Model& model_;
  KvCache kv_;
  int32_t n_batch_;
  std::unique_ptr<ThreadPool> pool_;
  int32_t n_past_ = 0;

  std::vector<RopeTable> rope_;        // 1 or 2 tables
  std::vector<uint8_t> layer_rope_;    // [n_layer] index into rope_

  // Scratch, sized for n_batch tokens: [n_batch][width].
  std::vector<float> x_;        // residual stream [n_embd]
  std::vector<float> xn_;       // normed input of a block [max(n_embd, n_embd_q)]
  std::vector<float> q_, k_, v_, attn_;
  std::vector<float> block_out_;  // output of a block before the residual add [n_embd]
  std::vector<float> gate_, up_;  // [max(n_ff, n_ff_exp, n_ff_shexp)]
  // Mixture of experts.
  std::vector<float> router_;       // [n_batch][n_expert]
  std::vector<int32_t> chosen_;     // [n_batch][n_expert_used] expert ids
  std::vector<float> chosen_w_;     // [n_batch][n_expert_used] their weights
  std::vector<int32_t> expert_rows_;  // [n_batch] tokens routed to the current expert
  std::vector<float> expert_w_;       // [n_batch] their weights
  std::vector<float> expert_in_, expert_out_;  // [n_batch][n_embd]

  std::vector<float> logits_;    // [rows][n_vocab]
  int64_t n_logit_rows_ = 0;
};

}  // namespace herd
