// The state of one sequence being evaluated: KV cache, scratch buffers, logits.
// eval() runs the whole batch of new tokens through the model at once.
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
  Context(const Model& model, KvCache kv, int32_t n_batch, int n_threads);
  void forward_batch(const int32_t* tokens, int32_t n, bool all_logits, float* logits_out);
  void attention(int32_t layer, int32_t n);

  const Model& model_;
  KvCache kv_;
  int32_t n_batch_;
  std::unique_ptr<ThreadPool> pool_;
  int32_t n_past_ = 0;

  // Scratch, sized for n_batch tokens: [n_batch][width].
  std::vector<float> x_, xn_, q_, k_, v_, attn_, gate_, up_;
  std::vector<float> scores_;    // [n_threads][n_ctx]
  std::vector<float> cos_sin_;   // [n_batch][n_rot]
  std::vector<float> logits_;    // [rows][n_vocab]
  int64_t n_logit_rows_ = 0;
};

}  // namespace herd
