#include "model/context.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "kernels/ops.h"
#include "kernels/ops_arch_ref.h"

namespace herd {
namespace {

bool same_rope(const RopeParams& a, const RopeParams& b) {
  return a.freq_base == b.freq_base && a.scale == b.scale && a.mscale == b.mscale;
}

}  // namespace

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
  HERD_RETURN_IF_ERROR(ctx->allocate(n_ctx));
  return ctx;
}

Status Context::allocate(int32_t n_ctx) {
  const Hparams& hp = model_.hparams();
  const ModelWeights& w = model_.weights();

  // Rope: the global table, plus one for the sliding layers when theirs differs.
  const float* factors = w.rope_freqs.empty() ? nullptr : w.rope_freqs.data();
  if (hp.rope_longrope) {
    const std::vector<float>& f = n_ctx > hp.rope_n_ctx_orig ? w.rope_factors_long : w.rope_factors_short;
    if (!f.empty()) factors = f.data();
  }
  rope_.push_back({hp.rope_global(), factors, {}});
  layer_rope_.assign(static_cast<size_t>(hp.n_layer), 0);
  for (int32_t il = 0; il < hp.n_layer; ++il) {
    if (same_rope(hp.layer_rope(il), hp.rope_global())) continue;
    if (rope_.size() == 1) rope_.push_back({hp.layer_rope(il), factors, {}});
    layer_rope_[static_cast<size_t>(il)] = 1;
  }

  const size_t b = static_cast<size_t>(n_batch_);
  const auto sz = [](int64_t v) { return static_cast<size_t>(v); };
  const size_t n_ff_max = sz(std::max({hp.n_ff, hp.n_expert > 0 ? hp.n_ff_exp : 0, hp.n_expert > 0 ? hp.n_ff_shexp : 0}));
  try {
    for (RopeTable& r : rope_) r.cos_sin.resize(b * sz(hp.n_rot));
    x_.resize(b * sz(hp.n_embd));
    xn_.resize(b * sz(std::max(hp.n_embd, hp.n_embd_q())));
    q_.resize(b * sz(hp.n_embd_q()));
    k_.resize(b * sz(hp.n_embd_kv()));
    v_.resize(b * sz(hp.n_embd_kv()));
    attn_.resize(b * sz(hp.n_embd_q()));
    block_out_.resize(b * sz(hp.n_embd));
    gate_.resize(b * n_ff_max);
    up_.resize(b * n_ff_max);
    if (hp.n_expert > 0) {
      router_.resize(b * sz(hp.n_expert));
      chosen_.resize(b * sz(hp.n_expert_used));
      chosen_w_.resize(b * sz(hp.n_expert_used));
      expert_rows_.resize(b);
      expert_w_.resize(b);
      expert_in_.resize(b * sz(hp.n_embd));
      expert_out_.resize(b * sz(hp.n_embd));
    }
    logits_.resize(sz(hp.n_vocab));
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory allocating the context buffers");
  }
  return Status();
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

void Context::fill_rope_tables(int32_t n) {
  const int n_rot = model_.hparams().n_rot;
  for (RopeTable& r : rope_) {
    for (int32_t t = 0; t < n; ++t) {
      float* cs = r.cos_sin.data() + static_cast<size_t>(t) * n_rot;
      rope_cos_sin(n_past_ + t, n_rot, r.params.freq_base, r.params.scale, r.freq_factors, cs);
      if (r.params.mscale != 1.0f) {
        for (int i = 0; i < n_rot; ++i) cs[i] *= r.params.mscale;
      }
    }
  }
}

void Context::forward_batch(const int32_t* tokens, int32_t n, bool all_logits, float* logits_out) {
  const Hparams& hp = model_.hparams();
  const ModelWeights& w = model_.weights();
  const int64_t n_embd = hp.n_embd;

  for (int32_t t = 0; t < n; ++t) {
    float* row = x_.data() + t * n_embd;
    weight_row_to_f32(w.token_embd, tokens[t], row);
    if (hp.embd_scale != 1.0f) {
      for (int64_t i = 0; i < n_embd; ++i) row[i] *= hp.embd_scale;
    }
  }
  fill_rope_tables(n);

  for (int32_t il = 0; il < hp.n_layer; ++il) {
    attention_block(il, n);
    ffn_block(il, n);
  }

  n_past_ += n;
  if (logits_out == nullptr) return;
  // Only the rows whose logits are wanted go through the output projection.
  const int32_t first = all_logits ? 0 : n - 1;
  const int32_t rows = n - first;
  for (int32_t t = first; t < n; ++t) {
    rms_norm(x_.data() + t * n_embd, w.output_norm.data(), xn_.data() + (t - first) * n_embd, n_embd, hp.rms_eps);
  }
  matmul(w.output, xn_.data(), rows, logits_out, *pool_);
  if (hp.final_softcap > 0.0f) softcap_ref(logits_out, static_cast<int64_t>(rows) * hp.n_vocab, hp.final_softcap);
}

}  // namespace herd
