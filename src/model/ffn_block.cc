// The FFN block: norm, gated FFN (SiLU or GELU-tanh) or mixture of experts, optional
// post-norm, residual add.
#include <algorithm>

#include "kernels/ops.h"
#include "kernels/ops_arch_ref.h"
#include "model/context.h"

namespace herd {

void Context::ffn_block(int32_t il, int32_t n) {
  const Hparams& hp = model_.hparams();
  const LayerWeights& l = model_.weights().layers[static_cast<size_t>(il)];
  const int64_t n_embd = hp.n_embd;
  for (int32_t t = 0; t < n; ++t) {
    rms_norm(x_.data() + t * n_embd, l.ffn_norm.data(), xn_.data() + t * n_embd, n_embd, hp.rms_eps);
  }
  if (hp.n_expert > 0) {
    moe(l.moe, n, block_out_.data());
  } else {
    gated_ffn(l.ffn_gate, l.ffn_up, l.ffn_down, hp.ffn_act, xn_.data(), n, block_out_.data());
  }
  for (int32_t t = 0; t < n; ++t) {
    float* out = block_out_.data() + t * n_embd;
    if (!l.post_ffn_norm.empty()) rms_norm(out, l.post_ffn_norm.data(), out, n_embd, hp.rms_eps);
    float* x = x_.data() + t * n_embd;
    for (int64_t i = 0; i < n_embd; ++i) x[i] += out[i];
  }
}

void Context::gated_ffn(const WeightMatrix& gate, const WeightMatrix& up, const WeightMatrix& down,
                        FfnActivation act, const float* in, int32_t n, float* out) {
  ThreadPool& pool = *pool_;
  const int64_t n_ff = gate.n_rows;
  for (int32_t t0 = 0; t0 < n; t0 += ffn_chunk_) {
    const int32_t nc = std::min(ffn_chunk_, n - t0);
    const float* x = in + static_cast<int64_t>(t0) * gate.n_cols;
    matmul(gate, x, nc, gate_.data(), pool);
    matmul(up, x, nc, up_.data(), pool);
    if (act == FfnActivation::kGeluTanh) {
      geglu_tanh_ref(gate_.data(), up_.data(), gate_.data(), nc * n_ff);
    } else {
      swiglu(gate_.data(), up_.data(), gate_.data(), nc * n_ff);
    }
    matmul(down, gate_.data(), nc, out + static_cast<int64_t>(t0) * down.n_rows, pool);
  }
}

}  // namespace herd
