#include "model/context.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "kernels/ops.h"
#include "kernels/ops_arch_ref.h"
#include "kernels/attention.h"
#include "kv/kv_budget.h"

namespace herd {
namespace {

bool same_rope(const RopeParams& a, const RopeParams& b) {
  return a.freq_base == b.freq_base && a.scale == b.scale && a.mscale == b.mscale;
}

}  // namespace

Context::Context(const Model& model, KvCache kv, int32_t n_ctx, int32_t n_batch, int n_threads)
    : model_(model),
      kv_(std::move(kv)),
      n_ctx_(n_ctx),
      n_batch_(n_batch),
      pool_(std::make_unique<ThreadPool>(n_threads)) {}

Result<std::unique_ptr<Context>> Context::create(const Model& model, const ContextParams& params) {
  const Hparams& hp = model.hparams();
  if (params.n_ctx < 0) return invalid_argument("context size must not be negative");
  if ((params.kv_type_k == DType::kQ8_0 || params.kv_type_v == DType::kQ8_0) && hp.head_dim % 32 != 0) {
    return invalid_argument("a q8_0 kv cache needs a head size that is a multiple of 32; this model's is " +
                            std::to_string(hp.head_dim) + " (use f16)");
  }
  if ((params.kv_type_k != DType::kF32 || params.kv_type_v != DType::kF32) && hp.head_dim > kMaxTypedHeadDim) {
    return invalid_argument("an f16 or q8_0 kv cache takes head sizes up to " + std::to_string(kMaxTypedHeadDim) +
                            "; this model's is " + std::to_string(hp.head_dim) + " (use f32)");
  }
  int32_t n_ctx = params.n_ctx;
  if (n_ctx == 0) {
    // The training context, unless one sequence of it would not fit in the memory left.
    n_ctx = hp.n_ctx_train;
    const uint64_t per_token = kv_bytes_per_token(hp.n_layer, hp.n_embd_kv(), params.kv_type_k, params.kv_type_v);
    const uint64_t budget = default_kv_budget(UINT64_MAX, model.gguf().file_size(), available_memory_bytes());
    if (per_token > 0 && budget / per_token < static_cast<uint64_t>(n_ctx)) {
      n_ctx = static_cast<int32_t>(std::max<uint64_t>(budget / per_token, std::min(hp.n_ctx_train, 256)));
    }
  }
  if (params.n_batch <= 0) return invalid_argument("batch size must be positive");
  if (params.n_threads < 0 || params.n_threads > 1024) return invalid_argument("thread count must be in [0, 1024]");
  if (params.kv_blocks < 0) return invalid_argument("kv block count must not be negative");
  const int32_t n_batch = std::min(params.n_batch, n_ctx);
  const int n_threads = params.n_threads > 0 ? params.n_threads : ThreadPool::default_threads();
  const int32_t bs = params.kv_block_size;
  const int32_t blocks = params.kv_blocks > 0 ? params.kv_blocks : (bs > 0 ? n_ctx / bs + (n_ctx % bs != 0) : 0);
  KvCacheParams kvp;
  kvp.n_layer = hp.n_layer;
  kvp.n_embd_kv = static_cast<int32_t>(hp.n_embd_kv());
  kvp.n_blocks = blocks;
  kvp.block_size = bs;
  kvp.type_k = params.kv_type_k;
  kvp.type_v = params.kv_type_v;
  HERD_ASSIGN_OR_RETURN(KvCache kv, KvCache::create(kvp));
  std::unique_ptr<Context> ctx(new Context(model, std::move(kv), n_ctx, n_batch, n_threads));
  HERD_RETURN_IF_ERROR(ctx->allocate());
  return ctx;
}

Status Context::allocate() {
  const int32_t n_ctx = n_ctx_;
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
  // Only FFN widths that the loaded weights have (each checked against a tensor) size the
  // scratch: a MoE file's dense feed_forward_length, or a shared-expert width without a
  // shared expert, is an unchecked number from the file.
  const std::vector<LayerWeights>& layers = model_.weights().layers;
  const bool shexp = hp.n_expert > 0 && !layers.empty() && present(layers[0].moe.gate_shexp);
  const size_t n_ff_max = sz(hp.n_expert > 0 ? std::max(hp.n_ff_exp, shexp ? hp.n_ff_shexp : 0) : hp.n_ff);
  try {
    for (RopeTable& r : rope_) r.cos_sin.resize(b * sz(hp.n_rot));
    x_.resize(b * sz(hp.n_embd));
    xn_.resize(b * sz(std::max(hp.n_embd, hp.n_embd_q())));
    k_.resize(b * sz(hp.n_embd_kv()));
    v_.resize(b * sz(hp.n_embd_kv()));
    block_out_.resize(b * sz(hp.n_embd));
    const double per_token = 2.0 * static_cast<double>(n_ff_max) * sizeof(float);
    const double budget = kFfnScratchShare * static_cast<double>(model_.gguf().file_size());
    ffn_chunk_ = static_cast<int32_t>(std::min<double>(std::max<double>(budget / per_token, kFfnMinChunk), n_batch_));
    const size_t ffn_rows = static_cast<size_t>(ffn_chunk_);
    gate_.resize(std::max(ffn_rows * n_ff_max, b * sz(hp.n_embd_q())));  // also the queries
    up_.resize(gate_.size());                                            // also attention's output
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
    pos_.resize(b);
    table_.resize(b);
    eval_rows_.resize(b);
    const int32_t own = std::min<int64_t>(kv_.n_blocks(), (static_cast<int64_t>(n_ctx) + kv_.block_size() - 1) >> kv_.block_shift());
    own_blocks_.resize(static_cast<size_t>(own));
    for (int32_t i = 0; i < own; ++i) own_blocks_[static_cast<size_t>(i)] = i;
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory allocating the context buffers");
  }
  return Status();
}

Status Context::reserve_logits(size_t rows) {
  const size_t n_vocab = static_cast<size_t>(model_.hparams().n_vocab);
  try {
    if (logits_.size() < rows * n_vocab) logits_.resize(rows * n_vocab);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("out of memory for the logits of " + std::to_string(rows) + " positions");
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
  const int64_t room = std::min<int64_t>(n_ctx_, static_cast<int64_t>(own_blocks_.size()) << kv_.block_shift());
  if (static_cast<int64_t>(tokens.size()) > room - n_past_) {
    return out_of_range("context is full: " + std::to_string(n_past_) + " + " + std::to_string(tokens.size()) +
                        " tokens exceed n_ctx " + std::to_string(room));
  }
  const size_t n_vocab = static_cast<size_t>(hp.n_vocab);
  const size_t rows = all_logits ? tokens.size() : 1;
  HERD_RETURN_IF_ERROR(reserve_logits(rows));
  const std::span<const int32_t> table(own_blocks_);
  const int32_t seq0 = 0;
  for (size_t done = 0; done < tokens.size();) {
    const int32_t n = static_cast<int32_t>(std::min<size_t>(static_cast<size_t>(n_batch_), tokens.size() - done));
    const bool last_chunk = done + static_cast<size_t>(n) == tokens.size();
    for (int32_t i = 0; i < n; ++i) pos_[static_cast<size_t>(i)] = n_past_ + i;
    BatchInput chunk;
    chunk.tokens = tokens.subspan(done, static_cast<size_t>(n));
    chunk.positions = std::span<const int32_t>(pos_.data(), static_cast<size_t>(n));
    chunk.seqs = std::span<const int32_t>(&seq0, 1);  // every row: sequence 0 (see forward)
    chunk.block_tables = std::span<const std::span<const int32_t>>(&table, 1);
    std::span<const int32_t> out_rows;
    float* out = nullptr;
    if (all_logits) {
      for (int32_t i = 0; i < n; ++i) eval_rows_[static_cast<size_t>(i)] = i;
      out_rows = std::span<const int32_t>(eval_rows_.data(), static_cast<size_t>(n));
      out = logits_.data() + done * n_vocab;
    } else if (last_chunk) {
      eval_rows_[0] = n - 1;
      out_rows = std::span<const int32_t>(eval_rows_.data(), 1);
      out = logits_.data();
    }
    forward(chunk, 0, n, out_rows, out);
    n_past_ += n;
    done += static_cast<size_t>(n);
  }
  n_logit_rows_ = static_cast<int64_t>(rows);
  return Status();
}

Status Context::check_batch(const BatchInput& b) const {
  const Hparams& hp = model_.hparams();
  const size_t n = b.tokens.size();
  if (n == 0) return invalid_argument("nothing to evaluate: no tokens");
  if (b.positions.size() != n || b.seqs.size() != n) {
    return invalid_argument("batch: tokens, positions and sequences differ in length");
  }
  for (size_t i = 0; i < n; ++i) {
    const int32_t t = b.tokens[i], p = b.positions[i], s = b.seqs[i];
    if (t < 0 || t >= hp.n_vocab) {
      return invalid_argument("token id " + std::to_string(t) + " is outside the vocabulary [0, " +
                              std::to_string(hp.n_vocab) + ")");
    }
    if (s < 0 || static_cast<size_t>(s) >= b.block_tables.size()) return invalid_argument("batch: no block table for a row");
    if (p < 0 || p >= n_ctx_) {
      return out_of_range("position " + std::to_string(p) + " is outside the context [0, " + std::to_string(n_ctx_) + ")");
    }
    const std::span<const int32_t> table = b.block_tables[static_cast<size_t>(s)];
    const size_t block = static_cast<size_t>(p >> kv_.block_shift());
    if (block >= table.size()) return invalid_argument("batch: position " + std::to_string(p) + " has no kv block");
    for (size_t k = 0; k <= block; ++k) {
      if (table[k] < 0 || table[k] >= kv_.n_blocks()) return invalid_argument("batch: kv block id out of range");
    }
  }
  for (size_t i = 0; i < b.logit_rows.size(); ++i) {
    const int32_t r = b.logit_rows[i];
    if (r < 0 || static_cast<size_t>(r) >= n || (i > 0 && r <= b.logit_rows[i - 1])) {
      return invalid_argument("batch: logit rows must be ascending rows of the batch");
    }
  }
  return Status();
}

Status Context::eval_batch(const BatchInput& batch) {
  HERD_RETURN_IF_ERROR(check_batch(batch));
  const size_t n_vocab = static_cast<size_t>(model_.hparams().n_vocab);
  HERD_RETURN_IF_ERROR(reserve_logits(batch.logit_rows.size()));
  const int32_t n_rows = static_cast<int32_t>(batch.tokens.size());
  size_t out_done = 0;
  for (int32_t row0 = 0; row0 < n_rows; row0 += n_batch_) {
    const int32_t n = std::min(n_batch_, n_rows - row0);
    size_t out_end = out_done;
    while (out_end < batch.logit_rows.size() && batch.logit_rows[out_end] < row0 + n) ++out_end;
    forward(batch, row0, n, batch.logit_rows.subspan(out_done, out_end - out_done),
            logits_.data() + out_done * n_vocab);
    out_done = out_end;
  }
  n_logit_rows_ = static_cast<int64_t>(batch.logit_rows.size());
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
      rope_cos_sin(pos_[static_cast<size_t>(t)], n_rot, r.params.freq_base, r.params.scale, r.freq_factors, cs);
      if (r.params.mscale != 1.0f) {
        for (int i = 0; i < n_rot; ++i) cs[i] *= r.params.mscale;
      }
    }
  }
}

void Context::forward(const BatchInput& batch, int32_t row0, int32_t n, std::span<const int32_t> out_rows,
                      float* logits_out) {
  const Hparams& hp = model_.hparams();
  const ModelWeights& w = model_.weights();
  const int64_t n_embd = hp.n_embd;

  for (int32_t t = 0; t < n; ++t) {
    const size_t row = static_cast<size_t>(row0 + t);
    // eval() passes a single sequence for all rows.
    const int32_t seq = batch.seqs.size() == 1 ? batch.seqs[0] : batch.seqs[row];
    pos_[static_cast<size_t>(t)] = batch.positions[row];
    table_[static_cast<size_t>(t)] = batch.block_tables[static_cast<size_t>(seq)].data();
    float* x = x_.data() + t * n_embd;
    weight_row_to_f32(w.token_embd, batch.tokens[row], x);
    if (hp.embd_scale != 1.0f) {
      for (int64_t i = 0; i < n_embd; ++i) x[i] *= hp.embd_scale;
    }
  }
  fill_rope_tables(n);

  for (int32_t il = 0; il < hp.n_layer; ++il) {
    attention_block(il, n);
    ffn_block(il, n);
  }

  if (out_rows.empty()) return;
  // Only the rows whose logits are wanted go through the output projection.
  const int32_t rows = static_cast<int32_t>(out_rows.size());
  for (int32_t i = 0; i < rows; ++i) {
    const int32_t t = out_rows[static_cast<size_t>(i)] - row0;
    rms_norm(x_.data() + t * n_embd, w.output_norm.data(), xn_.data() + i * n_embd, n_embd, hp.rms_eps);
  }
  matmul(w.output, xn_.data(), rows, logits_out, *pool_);
  if (hp.final_softcap > 0.0f) softcap_ref(logits_out, static_cast<int64_t>(rows) * hp.n_vocab, hp.final_softcap);
}

}  // namespace herd
