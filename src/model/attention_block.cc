// The attention block of every family: norm, q/k/v projections (+ biases), per-head
// q/k norm, rope, the KV cache, causal attention (GQA, sliding window, soft-cap),
// output projection, optional post-norm, residual add.
#include <algorithm>

#include "kernels/attention.h"
#include "kernels/ops.h"
#include "kernels/ops_arch_ref.h"
#include "model/context.h"

namespace herd {

void Context::attention_block(int32_t il, int32_t n) {
  const Hparams& hp = model_.hparams();
  const LayerWeights& l = model_.weights().layers[static_cast<size_t>(il)];
  ThreadPool& pool = *pool_;
  const int64_t n_embd = hp.n_embd, n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv();
  const int32_t head_dim = hp.head_dim;

  for (int32_t t = 0; t < n; ++t) {
    rms_norm(x_.data() + t * n_embd, l.attn_norm.data(), xn_.data() + t * n_embd, n_embd, hp.rms_eps);
  }
  matmul(l.wq, xn_.data(), n, q_.data(), pool);
  matmul(l.wk, xn_.data(), n, k_.data(), pool);
  matmul(l.wv, xn_.data(), n, v_.data(), pool);
  if (!l.bq.empty()) {
    add_rows_ref(q_.data(), l.bq.data(), n, n_q);
    add_rows_ref(k_.data(), l.bk.data(), n, n_kv);
    add_rows_ref(v_.data(), l.bv.data(), n, n_kv);
  }
  const int64_t n_q_heads = static_cast<int64_t>(n) * hp.n_head;
  const int64_t n_k_heads = static_cast<int64_t>(n) * hp.n_head_kv;
  if (!l.q_norm.empty()) {  // per-head RMSNorm, before rope
    for (int64_t h = 0; h < n_q_heads; ++h) {
      float* q = q_.data() + h * head_dim;
      rms_norm(q, l.q_norm.data(), q, head_dim, hp.rms_eps);
    }
    for (int64_t h = 0; h < n_k_heads; ++h) {
      float* k = k_.data() + h * head_dim;
      rms_norm(k, l.k_norm.data(), k, head_dim, hp.rms_eps);
    }
  }
  const std::vector<float>& cos_sin = rope_[layer_rope_[static_cast<size_t>(il)]].cos_sin;
  for (int32_t t = 0; t < n; ++t) {
    const float* cs = cos_sin.data() + static_cast<size_t>(t) * hp.n_rot;
    for (int32_t h = 0; h < hp.n_head; ++h) {
      rope_apply(q_.data() + (static_cast<size_t>(t) * hp.n_head + h) * head_dim, hp.n_rot, cs, hp.rope_style);
    }
    for (int32_t h = 0; h < hp.n_head_kv; ++h) {
      rope_apply(k_.data() + (static_cast<size_t>(t) * hp.n_head_kv + h) * head_dim, hp.n_rot, cs, hp.rope_style);
    }
    const int32_t pos = pos_[static_cast<size_t>(t)];
    const int32_t block = table_[static_cast<size_t>(t)][pos >> kv_.block_shift()];
    const int32_t row = pos & (kv_.block_size() - 1);
    std::copy_n(k_.data() + static_cast<size_t>(t) * n_kv, n_kv, kv_.k(il, block, row));
    std::copy_n(v_.data() + static_cast<size_t>(t) * n_kv, n_kv, kv_.v(il, block, row));
  }
  attention(il, n);
  matmul(l.wo, attn_.data(), n, block_out_.data(), pool);
  for (int32_t t = 0; t < n; ++t) {
    float* out = block_out_.data() + t * n_embd;
    if (!l.post_attn_norm.empty()) rms_norm(out, l.post_attn_norm.data(), out, n_embd, hp.rms_eps);
    float* x = x_.data() + t * n_embd;
    for (int64_t i = 0; i < n_embd; ++i) x[i] += out[i];
  }
}

void Context::attention(int32_t il, int32_t n) {
  const Hparams& hp = model_.hparams();
  // Everything the workers need, so the job captures one reference.
  struct Job {
    const float* q;
    float* out;
    const float* k0;
    const float* v0;
    const int32_t* pos;
    const int32_t* const* tables;
    int64_t kv_stride, block_stride;
    int32_t block_shift;
    int32_t n_head, group, head_dim, n_swa;
    float scale, soft_cap;
    int64_t n_tasks;
  };
  const Job job{q_.data(),
                attn_.data(),
                kv_.k(il, 0, 0),
                kv_.v(il, 0, 0),
                pos_.data(),
                table_.data(),
                kv_.n_embd_kv(),
                kv_.block_stride(),
                kv_.block_shift(),
                hp.n_head,
                hp.n_head / hp.n_head_kv,
                hp.head_dim,
                hp.is_swa_layer(il) ? hp.n_swa : 0,
                hp.query_scale(),
                hp.attn_softcap,
                static_cast<int64_t>(n) * hp.n_head};
  pool_->run([&job](int ith, int nth) {
    for (int64_t task = ith; task < job.n_tasks; task += nth) {
      const int32_t t = static_cast<int32_t>(task / job.n_head);
      const int32_t h = static_cast<int32_t>(task % job.n_head);
      const int32_t kvh = h / job.group;
      const int64_t pos = job.pos[t];
      // Causal: keys up to the own position; a sliding window sees n_swa of them,
      // the own one included (key j is hidden when pos - j >= n_swa).
      const int64_t first = job.n_swa > 0 ? std::max<int64_t>(0, pos - job.n_swa + 1) : 0;
      AttentionSpan span;
      span.k = job.k0 + static_cast<int64_t>(kvh) * job.head_dim;
      span.k_stride = job.kv_stride;
      span.v = job.v0 + static_cast<int64_t>(kvh) * job.head_dim;
      span.v_stride = job.kv_stride;
      span.first = first;
      span.n_keys = pos + 1 - first;
      span.head_dim = job.head_dim;
      span.scale = job.scale;
      span.soft_cap = job.soft_cap;
      span.block_table = job.tables[t];
      span.block_shift = job.block_shift;
      span.block_stride = job.block_stride;
      const size_t off = (static_cast<size_t>(t) * job.n_head + h) * job.head_dim;
      attention_head(job.q + off, span, job.out + off);
    }
  });
}

}  // namespace herd
