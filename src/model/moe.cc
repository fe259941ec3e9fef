// Mixture of experts: softmax over the router logits, the top n_expert_used experts
// per token (weights renormalised to sum 1 unless the family says not to), each expert
// run once on the tokens routed to it, plus an optional shared expert gated by a sigmoid.
#include <algorithm>
#include <cstring>

#include "kernels/ops_arch_ref.h"
#include "kernels/ops_ref.h"
#include "model/context.h"

namespace herd {

void Context::route(const MoeWeights& m, int32_t n) {
  const Hparams& hp = model_.hparams();
  const int32_t n_exp = hp.n_expert, k = hp.n_expert_used;
  matmul(m.gate_inp, xn_.data(), n, router_.data(), *pool_);
  for (int32_t t = 0; t < n; ++t) {
    float* p = router_.data() + static_cast<size_t>(t) * n_exp;
    softmax_ref(p, n_exp);
    int32_t* ids = chosen_.data() + static_cast<size_t>(t) * k;
    float* w = chosen_w_.data() + static_cast<size_t>(t) * k;
    // Top-k by repeated selection (k is small); on a tie the lower expert id wins.
    float sum = 0.0f;
    for (int32_t j = 0; j < k; ++j) {
      int32_t best = -1;
      for (int32_t e = 0; e < n_exp; ++e) {
        if (std::find(ids, ids + j, e) != ids + j) continue;
        if (best < 0 || p[e] > p[best]) best = e;
      }
      ids[j] = best;
      w[j] = p[best];
      sum += p[best];
    }
    if (hp.expert_weights_norm && sum > 0.0f) {
      for (int32_t j = 0; j < k; ++j) w[j] /= sum;
    }
  }
}

void Context::moe(const MoeWeights& m, int32_t n, float* out) {
  const Hparams& hp = model_.hparams();
  const int64_t n_embd = hp.n_embd;
  const int32_t k = hp.n_expert_used;
  const size_t row_bytes = static_cast<size_t>(n_embd) * sizeof(float);
  route(m, n);
  std::fill_n(out, static_cast<size_t>(n) * n_embd, 0.0f);

  // Hot spot: each expert's weights are read once for all the tokens that chose it.
  for (int32_t e = 0; e < hp.n_expert; ++e) {
    int32_t n_rows = 0;
    for (int32_t t = 0; t < n; ++t) {
      for (int32_t j = 0; j < k; ++j) {
        if (chosen_[static_cast<size_t>(t) * k + j] != e) continue;
        expert_rows_[n_rows] = t;
        expert_w_[n_rows] = chosen_w_[static_cast<size_t>(t) * k + j];
        std::memcpy(expert_in_.data() + n_rows * n_embd, xn_.data() + t * n_embd, row_bytes);
        ++n_rows;
      }
    }
    if (n_rows == 0) continue;
    const size_t ei = static_cast<size_t>(e);
    gated_ffn(m.gate_exps[ei], m.up_exps[ei], m.down_exps[ei], FfnActivation::kSilu, expert_in_.data(), n_rows,
              expert_out_.data());
    for (int32_t r = 0; r < n_rows; ++r) {
      float* dst = out + expert_rows_[r] * n_embd;
      const float* src = expert_out_.data() + r * n_embd;
      const float wr = expert_w_[r];
      for (int64_t i = 0; i < n_embd; ++i) dst[i] += wr * src[i];
    }
  }

  if (!present(m.gate_shexp)) return;
  gated_ffn(m.gate_shexp, m.up_shexp, m.down_shexp, FfnActivation::kSilu, xn_.data(), n, expert_out_.data());
  for (int32_t t = 0; t < n; ++t) {
    const float g = sigmoid_ref(dot_ref(xn_.data() + t * n_embd, m.gate_inp_shexp.data(), n_embd));
    float* dst = out + t * n_embd;
    const float* src = expert_out_.data() + t * n_embd;
    for (int64_t i = 0; i < n_embd; ++i) dst[i] += g * src[i];
  }
}

}  // namespace herd
