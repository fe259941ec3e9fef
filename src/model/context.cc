#include "model/context.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "kernels/ops_ref.h"

namespace herd {

Context::Context(const Model& model, KvCache kv, int32_t n_batch, int n_threads)
    : model_(model), kv_(std::move(kv)), n_batch_(n_batch), pool_(std::make_unique<ThreadPool>(n_threads)) {}

Result<std::unique_ptr<Context>> Context::create(const Model& model, const ContextParams& params) {
  const Hparams& hp = model.hparams();
  int32_t n_ctx = params.n_ctx > 0 ? params.n_ctx : std::min(hp.n_ctx_train, 4096);
  if (params.n_ctx < 0) return invalid_argument("context size must not be negative");
  if (params.n_batch <= 0) return invalid_argument("batch size must be positive");
  if (params.n_threads < 0 || params.n_threads > 1024) return invalid_argument("thread count must be in [0, 1024]");
  const int32_t n_batch = std::min(params.n_batch, n_ctx);
  const int n_threads = params.n_threads > 0 ? params.n_threads : ThreadPool::default_threads();
  HERD_ASSIGN_OR_RETURN(KvCache kv, KvCache::create({hp.n_layer, n_ctx, hp.n_embd_kv()}));
  std::unique_ptr<Context> ctx(new Context(model, std::move(kv), n_batch, n_threads));
  try {
    const size_t b = static_cast<size_t>(n_batch);
    const size_t width = static_cast<size_t>(std::max(hp.n_embd, hp.n_embd_q()));
    ctx->x_.resize(b * width);
    ctx->xn_.resize(b * width);
    ctx->q_.resize(b * static_cast<size_t>(hp.n_embd_q()));
    ctx->k_.resize(b * static_cast<size_t>(hp.n_embd_kv()));
    ctx->v_.resize(b * static_cast<size_t>(hp.n_embd_kv()));
    ctx->attn_.resize(b * static_cast<size_t>(hp.n_embd_q()));
    ctx->gate_.resize(b * static_cast<size_t>(hp.n_ff));
    ctx->up_.resize(b * static_cast<size_t>(hp.n_ff));
    ctx->scores_.resize(static_cast<size_t>(n_threads) * static_cast<size_t>(n_ctx));
    ctx->cos_sin_.resize(b * static_cast<size_t>(hp.n_rot));
    ctx->logits_.resize(static_cast<size_t>(hp.n_vocab));
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory allocating the context buffers");
  }
  return ctx;
}

Status Context::eval(std::span<const int32_t> tokens, bool all_logits) {
  const Hparams& hp = model_.hparams();
  if (tokens.empty()) return invalid_argument("nothing to evaluate: no tokens");
  for (int32_t t : tokens) {
    if (t < 0 || t >= hp.n_vocab) {
      return invalid_argument("token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                              std::to_string(hp.n_vocab) + ")");
    }
  }
  if (static_cast<int64_t>(tokens.size()) > kv_.n_ctx() - n_past_) {
    return out_of_range("context is full: " + std::to_string(n_past_) + " + " + std::to_string(tokens.size()) +
                        " tokens exceed n_ctx " + std::to_string(kv_.n_ctx()));
  }
  const size_t n_vocab = static_cast<size_t>(hp.n_vocab);
  const size_t rows = all_logits ? tokens.size() : 1;
  try {
    if (logits_.size() < rows * n_vocab) logits_.resize(rows * n_vocab);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory for the logits of " + std::to_string(rows) + " positions");
  }
  for (size_t done = 0; done < tokens.size();) {
    const int32_t n = static_cast<int32_t>(std::min<size_t>(static_cast<size_t>(n_batch_), tokens.size() - done));
    const bool last_chunk = done + static_cast<size_t>(n) == tokens.size();
    float* out = all_logits ? logits_.data() + done * n_vocab : (last_chunk ? logits_.data() : nullptr);
    forward_batch(tokens.data() + done, n, all_logits, out);
    done += static_cast<size_t>(n);
  }
  n_logit_rows_ = static_cast<int64_t>(rows);
  return Status();
}

std::span<const float> Context::logits(int64_t i) const {
  const size_t n_vocab = static_cast<size_t>(model_.hparams().n_vocab);
  if (i < 0 || i >= n_logit_rows_) return {};
  return {logits_.data() + static_cast<size_t>(i) * n_vocab, n_vocab};
}

std::span<const float> Context::last_logits() const { return logits(n_logit_rows_ - 1); }

void Context::forward_batch(const int32_t* tokens, int32_t n, bool all_logits, float* logits_out) {
  const Hparams& hp = model_.hparams();
  const ModelWeights& w = model_.weights();
  ThreadPool& pool = *pool_;
  const int64_t n_embd = hp.n_embd;

  for (int32_t t = 0; t < n; ++t) weight_row_to_f32(w.token_embd, tokens[t], x_.data() + t * n_embd);

  const float* freq_factors = w.rope_freqs.empty() ? nullptr : w.rope_freqs.data();
  for (int32_t t = 0; t < n; ++t) {
    rope_cos_sin(n_past_ + t, hp.n_rot, hp.rope_freq_base, hp.rope_scale, freq_factors,
                 cos_sin_.data() + static_cast<size_t>(t) * hp.n_rot);
  }

  for (int32_t il = 0; il < hp.n_layer; ++il) {
    const LayerWeights& l = w.layers[static_cast<size_t>(il)];
    // Attention block: x += wo · attn(rope(wq·xn), rope(wk·xn), wv·xn).
    for (int32_t t = 0; t < n; ++t) {
      rms_norm_ref(x_.data() + t * n_embd, l.attn_norm.data(), xn_.data() + t * n_embd, n_embd, hp.rms_eps);
    }
    matmul(l.wq, xn_.data(), n, q_.data(), pool);
    matmul(l.wk, xn_.data(), n, k_.data(), pool);
    matmul(l.wv, xn_.data(), n, v_.data(), pool);
    for (int32_t t = 0; t < n; ++t) {
      const float* cs = cos_sin_.data() + static_cast<size_t>(t) * hp.n_rot;
      for (int32_t h = 0; h < hp.n_head; ++h) {
        rope_apply_ref(q_.data() + (static_cast<size_t>(t) * hp.n_head + h) * hp.head_dim, hp.n_rot, cs, hp.rope_style);
      }
      for (int32_t h = 0; h < hp.n_head_kv; ++h) {
        rope_apply_ref(k_.data() + (static_cast<size_t>(t) * hp.n_head_kv + h) * hp.head_dim, hp.n_rot, cs,
                       hp.rope_style);
      }
      std::copy_n(k_.data() + static_cast<size_t>(t) * hp.n_embd_kv(), hp.n_embd_kv(), kv_.k(il, n_past_ + t));
      std::copy_n(v_.data() + static_cast<size_t>(t) * hp.n_embd_kv(), hp.n_embd_kv(), kv_.v(il, n_past_ + t));
    }
    attention(il, n);
    matmul(l.wo, attn_.data(), n, xn_.data(), pool);
    for (int64_t i = 0; i < n * n_embd; ++i) x_[i] += xn_[i];

    // FFN block: x += down(silu(gate·xn) * up·xn).
    for (int32_t t = 0; t < n; ++t) {
      rms_norm_ref(x_.data() + t * n_embd, l.ffn_norm.data(), xn_.data() + t * n_embd, n_embd, hp.rms_eps);
    }
    matmul(l.ffn_gate, xn_.data(), n, gate_.data(), pool);
    matmul(l.ffn_up, xn_.data(), n, up_.data(), pool);
    swiglu_ref(gate_.data(), up_.data(), gate_.data(), static_cast<int64_t>(n) * hp.n_ff);
    matmul(l.ffn_down, gate_.data(), n, xn_.data(), pool);
    for (int64_t i = 0; i < n * n_embd; ++i) x_[i] += xn_[i];
  }

  n_past_ += n;
  if (logits_out == nullptr) return;
  // Only the rows whose logits are wanted go through the output projection.
  const int32_t first = all_logits ? 0 : n - 1;
  const int32_t rows = n - first;
  for (int32_t t = first; t < n; ++t) {
    rms_norm_ref(x_.data() + t * n_embd, w.output_norm.data(), xn_.data() + (t - first) * n_embd, n_embd, hp.rms_eps);
  }
  matmul(w.output, xn_.data(), rows, logits_out, pool);
}

void Context::attention(int32_t layer, int32_t n) {
  const Hparams& hp = model_.hparams();
  const int32_t head_dim = hp.head_dim;
  const int32_t group = hp.n_head / hp.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t n_tasks = static_cast<int64_t>(n) * hp.n_head;
  const int32_t pos0 = n_past_;
  pool_->run([&](int ith, int nth) {
    float* scores = scores_.data() + static_cast<size_t>(ith) * kv_.n_ctx();
    for (int64_t task = ith; task < n_tasks; task += nth) {
      const int32_t t = static_cast<int32_t>(task / hp.n_head);
      const int32_t h = static_cast<int32_t>(task % hp.n_head);
      const int32_t kvh = h / group;
      const int32_t n_keys = pos0 + t + 1;  // causal: keys 0 .. own position
      const float* q = q_.data() + (static_cast<size_t>(t) * hp.n_head + h) * head_dim;
      for (int32_t j = 0; j < n_keys; ++j) {
        const float* k = kv_.k(layer, j) + static_cast<size_t>(kvh) * head_dim;
        float dot = 0.0f;
        for (int32_t d = 0; d < head_dim; ++d) dot += q[d] * k[d];
        scores[j] = dot * scale;
      }
      softmax_ref(scores, n_keys);
      float* out = attn_.data() + (static_cast<size_t>(t) * hp.n_head + h) * head_dim;
      std::fill_n(out, head_dim, 0.0f);
      for (int32_t j = 0; j < n_keys; ++j) {
        const float* v = kv_.v(layer, j) + static_cast<size_t>(kvh) * head_dim;
        const float p = scores[j];
        for (int32_t d = 0; d < head_dim; ++d) out[d] += p * v[d];
      }
    }
  });
}

}  // namespace herd
