// The state of evaluation: a paged KV cache, scratch buffers, logits.
// Two ways in:
//  - eval(): one sequence (the CLI): its tokens go through the model a batch at a time,
//    at positions n_past() onwards, in KV blocks 0, 1, 2, ...
//  - eval_batch(): tokens of many sequences at once (the server), each with its own
//    position and block table; which block holds what is the caller's business.
// A token's output depends only on its own sequence (its tokens, positions and KV),
// never on what else shares the batch. Every buffer is sized in create(), so decoding
// allocates nothing per token.
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
  int32_t n_ctx = 0;      // longest sequence; 0: the model's training context (less if RAM is short)
  int32_t n_batch = 512;  // most tokens evaluated in one pass
  int32_t n_threads = 0;  // 0: all hardware threads
  int32_t kv_blocks = 0;  // blocks in the KV pool; 0: enough for one sequence of n_ctx
  int32_t kv_block_size = 16;  // positions per KV block: a power of two
  DType kv_type_k = DType::kF16;  // KV cache element types: F16, Q8_0 or F32
  DType kv_type_v = DType::kF16;
};

// Tokens of several sequences evaluated together. Row i is token tokens[i] at position
// positions[i] of sequence seqs[i], whose KV rows live in block_tables[seqs[i]] (block
// of position p: table[p / kv_block_size]). A row's key/value is written before any row
// attends, so a sequence's chunk may span consecutive rows. Positions 0 .. p - 1 of a
// row's sequence must already be in its blocks (written now or earlier).
struct BatchInput {
  std::span<const int32_t> tokens;
  std::span<const int32_t> positions;
  std::span<const int32_t> seqs;
  std::span<const std::span<const int32_t>> block_tables;
  std::span<const int32_t> logit_rows;  // rows whose logits are wanted, ascending
};

class Context {
 public:
  // The FFN's gate/up scratch grows with the tokens it runs at once; it may take about
  // kFfnScratchShare of the weights' bytes, so small models run long prompt batches
  // through the FFN in chunks (never under kFfnMinChunk tokens: the GEMMs need them to
  // run at full speed) and bigger ones do not chunk at all. Rows never depend on it.
  static constexpr double kFfnScratchShare = 0.015;
  static constexpr int32_t kFfnMinChunk = 128;
  int32_t ffn_chunk_tokens() const { return ffn_chunk_; }

  static Result<std::unique_ptr<Context>> create(const Model& model, const ContextParams& params);

  // Evaluates tokens at positions n_past() .. n_past() + n - 1 and appends them to the
  // cache. With all_logits every position's logits are kept, else only the last.
  Status eval(std::span<const int32_t> tokens, bool all_logits);

  // Evaluates a batch of many sequences; afterwards logits(i) belongs to
  // batch row logit_rows[i].
  Status eval_batch(const BatchInput& batch);

  // Logits row i of the last eval (with all_logits: i in [0, n); else only i = 0).
  std::span<const float> logits(int64_t i = 0) const;
  // The logits of the last evaluated position.
  std::span<const float> last_logits() const;

  int32_t n_past() const { return n_past_; }
  int32_t n_ctx() const { return n_ctx_; }
  KvCache& kv() { return kv_; }
  const KvCache& kv() const { return kv_; }
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

  Context(const Model& model, KvCache kv, int32_t n_ctx, int32_t n_batch, int n_threads);
  Status allocate();
  Status check_batch(const BatchInput& batch) const;
  Status reserve_logits(size_t rows);
  // Rows [row0, row0 + n) of the batch: embeddings, every layer, then the logits of
  // rows out_rows (indices into the batch, ascending) into logits_out.
  void forward(const BatchInput& batch, int32_t row0, int32_t n, std::span<const int32_t> out_rows, float* logits_out);
  void fill_rope_tables(int32_t n);

  // attention_block.cc: x += post_norm(wo · attn(norm(x))).
  void attention_block(int32_t il, int32_t n);
  void attention(int32_t il, int32_t n);
  // ffn_block.cc: x += post_norm(ffn(norm(x))), dense or mixture of experts.
  void ffn_block(int32_t il, int32_t n);
  // out[t] = down(act(gate · in[t]) * (up · in[t])) for t < n, through gate_/up_, at
  // most ffn_chunk_tokens() tokens at a time.
  void gated_ffn(const WeightMatrix& gate, const WeightMatrix& up, const WeightMatrix& down, FfnActivation act,
                 const float* in, int32_t n, float* out);
  // moe.cc: out = the mixture of experts (and shared expert) of xn_.
  void moe(const MoeWeights& m, int32_t n, float* out);
  void route(const MoeWeights& m, int32_t n);

  const Model& model_;
  KvCache kv_;
  int32_t n_ctx_;
  int32_t n_batch_;
  int32_t ffn_chunk_ = 0;  // tokens per FFN pass, <= n_batch_
  std::unique_ptr<ThreadPool> pool_;
  int32_t n_past_ = 0;
  std::vector<int32_t> own_blocks_;  // eval()'s block table: 0, 1, 2, ...

  // The rows being evaluated: position and block table of each.
  std::vector<int32_t> pos_;               // [n_batch]
  std::vector<const int32_t*> table_;      // [n_batch]
  std::vector<int32_t> eval_rows_;         // scratch for eval(): 0 .. n-1 or the last

  std::vector<RopeTable> rope_;        // 1 or 2 tables
  std::vector<uint8_t> layer_rope_;    // [n_layer] index into rope_

  // Scratch, sized for n_batch tokens: [n_batch][width].
  std::vector<float> x_;        // residual stream [n_embd]
  std::vector<float> xn_;       // normed input of a block [max(n_embd, n_embd_q)]
  std::vector<float> k_, v_;    // [n_embd_kv]
  std::vector<float> block_out_;  // output of a block before the residual add [n_embd]
  // The FFN's scratch, [ffn_chunk_][max(n_ff, n_ff_exp, n_ff_shexp)]
  // (the FFN runs in token chunks), which the attention block's queries and outputs
  // ([n_batch][n_embd_q]) borrow: the two blocks never run at once, and a prompt batch's
  // peak memory stays near one of them, not both.
  std::vector<float> gate_, up_;
  float* q_buf() { return gate_.data(); }
  float* attn_buf() { return up_.data(); }
  // Mixture of experts.
  std::vector<float> router_;       // [n_batch][n_expert]
  std::vector<int32_t> chosen_;     // [n_batch][n_expert_used] expert ids
  std::vector<float> chosen_w_;     // [n_batch][n_expert_used] their weights
  std::vector<int32_t> expert_rows_;  // [n_batch] tokens routed to the current expert
  std::vector<float> expert_w_;       // [n_batch] their weights
  std::vector<float> expert_in_, expert_out_;  // [n_batch][n_embd]

  // attention_block.cc: the batch rows grouped by sequence (block table) in position
  // order, and the tasks of one attention call.
  struct AttentionTask {
    int32_t begin = 0, n_tokens = 0;  // rows attn_order_[begin .. begin + n_tokens) of one sequence
    int32_t kv_head = 0, head0 = 0, n_heads = 0;  // query heads kv_head * group + head0 ...
    int64_t cost = 0;  // keys x heads: the largest tasks go first
  };
  std::vector<int32_t> attn_order_;          // [n_batch]
  std::vector<AttentionTask> attn_tasks_;    // grows to the largest call's count

  std::vector<float> logits_;    // [rows][n_vocab]
  int64_t n_logit_rows_ = 0;
};

}  // namespace herd
