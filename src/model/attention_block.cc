// The attention block of every family: norm, q/k/v projections (+ biases), per-head
// q/k norm, rope, the KV cache, causal attention (GQA, sliding window, soft-cap),
// output projection, optional post-norm, residual add.
#include <algorithm>
#include <atomic>
#include <functional>

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
  matmul(l.wq, xn_.data(), n, q_buf(), pool);
  matmul(l.wk, xn_.data(), n, k_.data(), pool);
  matmul(l.wv, xn_.data(), n, v_.data(), pool);
  if (!l.bq.empty()) {
    add_rows_ref(q_buf(), l.bq.data(), n, n_q);
    add_rows_ref(k_.data(), l.bk.data(), n, n_kv);
    add_rows_ref(v_.data(), l.bv.data(), n, n_kv);
  }
  const int64_t n_q_heads = static_cast<int64_t>(n) * hp.n_head;
  const int64_t n_k_heads = static_cast<int64_t>(n) * hp.n_head_kv;
  if (!l.q_norm.empty()) {  // per-head RMSNorm, before rope
    for (int64_t h = 0; h < n_q_heads; ++h) {
      float* q = q_buf() + h * head_dim;
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
      rope_apply(q_buf() + (static_cast<size_t>(t) * hp.n_head + h) * head_dim, hp.n_rot, cs, hp.rope_style);
    }
    for (int32_t h = 0; h < hp.n_head_kv; ++h) {
      rope_apply(k_.data() + (static_cast<size_t>(t) * hp.n_head_kv + h) * head_dim, hp.n_rot, cs, hp.rope_style);
    }
    const int32_t pos = pos_[static_cast<size_t>(t)];
    const int32_t block = table_[static_cast<size_t>(t)][pos >> kv_.block_shift()];
    const int32_t row = pos & (kv_.block_size() - 1);
    kv_.write_k(il, block, row, k_.data() + static_cast<size_t>(t) * n_kv);
    kv_.write_v(il, block, row, v_.data() + static_cast<size_t>(t) * n_kv);
  }
  attention(il, n);
  matmul(l.wo, attn_buf(), n, block_out_.data(), pool);
  for (int32_t t = 0; t < n; ++t) {
    float* out = block_out_.data() + t * n_embd;
    if (!l.post_attn_norm.empty()) rms_norm(out, l.post_attn_norm.data(), out, n_embd, hp.rms_eps);
    float* x = x_.data() + t * n_embd;
    for (int64_t i = 0; i < n_embd; ++i) x[i] += out[i];
  }
}

// Tasks are (sequence, KV head, tile of its positions): one attention_tile call whose
// rows are that KV head's query heads at up to kAttentionTileTokens consecutive positions,
// so each key and value row is loaded once per tile. Later positions see more keys, so
// the tasks run largest first from a shared counter. With few tasks (decode) a KV head's
// query heads are split over several tasks to keep every thread busy. How rows are
// grouped never changes their results (attention_tile is batch invariant).
void Context::attention(int32_t il, int32_t n) {
  const Hparams& hp = model_.hparams();
  const int32_t group = hp.n_head / hp.n_head_kv, head_dim = hp.head_dim;
  const int32_t n_swa = hp.is_swa_layer(il) ? hp.n_swa : 0;
  // Causal: keys up to the own position; a sliding window sees n_swa of them, the own
  // one included (key j is hidden when pos - j >= n_swa).
  const auto first_key = [&](int32_t t) -> int64_t {
    const int64_t pos = pos_[static_cast<size_t>(t)];
    return n_swa > 0 ? std::max<int64_t>(0, pos - n_swa + 1) : 0;
  };

  if (attn_order_.size() < static_cast<size_t>(n)) attn_order_.resize(static_cast<size_t>(n));
  int32_t* order = attn_order_.data();
  for (int32_t t = 0; t < n; ++t) order[t] = t;
  std::sort(order, order + n, [this](int32_t a, int32_t b) {
    const int32_t* ta = table_[static_cast<size_t>(a)];
    const int32_t* tb = table_[static_cast<size_t>(b)];
    if (ta != tb) return std::less<const int32_t*>()(ta, tb);
    const int32_t pa = pos_[static_cast<size_t>(a)], pb = pos_[static_cast<size_t>(b)];
    return pa != pb ? pa < pb : a < b;
  });

  // Tokens per tile: as many as the kernels take in one pass with the whole group.
  const int32_t tile_tokens =
      std::clamp<int32_t>(kAttentionTileFloats / std::max(1, group * head_dim), 1, kAttentionTileTokens);
  // A tile: order[b .. tile_end(b)), up to tile_tokens rows of one sequence.
  const auto tile_end = [&](int32_t b) {
    const int32_t* table = table_[static_cast<size_t>(order[b])];
    int32_t e = b + 1;
    while (e < n && e - b < tile_tokens && table_[static_cast<size_t>(order[e])] == table) ++e;
    return e;
  };
  int32_t n_tiles = 0;
  for (int32_t b = 0; b < n; b = tile_end(b)) ++n_tiles;
  const int n_threads = pool_->size();
  const int64_t whole = static_cast<int64_t>(n_tiles) * hp.n_head_kv;
  const int32_t split = whole >= 2 * n_threads
                            ? 1
                            : std::min<int32_t>(group, static_cast<int32_t>((2 * n_threads + whole - 1) / whole));
  const int32_t heads_per_task = (group + split - 1) / split;
  const size_t max_tasks = static_cast<size_t>(whole) * static_cast<size_t>(split);
  if (attn_tasks_.size() < max_tasks) attn_tasks_.resize(max_tasks);
  size_t n_tasks = 0;
  for (int32_t b = 0; b < n;) {
    const int32_t e = tile_end(b);
    int64_t keys = 0;
    for (int32_t i = b; i < e; ++i) keys += pos_[static_cast<size_t>(order[i])] + 1 - first_key(order[i]);
    for (int32_t kvh = 0; kvh < hp.n_head_kv; ++kvh) {
      for (int32_t h0 = 0; h0 < group; h0 += heads_per_task) {
        const int32_t nh = std::min(heads_per_task, group - h0);
        attn_tasks_[n_tasks++] = AttentionTask{b, e - b, kvh, h0, nh, keys * nh};
      }
    }
    b = e;
  }
  AttentionTask* tasks = attn_tasks_.data();
  std::sort(tasks, tasks + n_tasks, [](const AttentionTask& a, const AttentionTask& b) {
    if (a.cost != b.cost) return a.cost > b.cost;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.kv_head != b.kv_head ? a.kv_head < b.kv_head : a.head0 < b.head0;
  });

  AttentionSpan span;  // the cache of this layer; each task sets its KV head and table
  span.k = kv_.k(il, 0, 0);
  span.v = kv_.v(il, 0, 0);
  span.k_stride = span.v_stride = kv_.n_embd_kv();
  span.k_type = kv_.type_k();
  span.v_type = kv_.type_v();
  span.head_dim = head_dim;
  span.scale = hp.query_scale();
  span.soft_cap = hp.attn_softcap;
  span.block_shift = kv_.block_shift();
  span.block_stride = kv_.block_stride();
  std::atomic<size_t> next{0};
  pool_->run([&](int, int) {
    for (;;) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_tasks) break;
      const AttentionTask& task = tasks[i];
      AttentionSpan s = attention_span_at(span, static_cast<int64_t>(task.kv_head) * head_dim);
      s.block_table = table_[static_cast<size_t>(order[task.begin])];
      AttentionTile tile;
      tile.n_tokens = task.n_tokens;
      tile.n_heads = task.n_heads;
      for (int32_t j = 0; j < task.n_tokens; ++j) {
        const int32_t t = order[task.begin + j];
        const size_t head = static_cast<size_t>(t) * hp.n_head + static_cast<size_t>(task.kv_head * group + task.head0);
        const size_t off = head * static_cast<size_t>(head_dim);
        tile.q[j] = q_buf() + off;
        tile.out[j] = attn_buf() + off;
        tile.first[j] = first_key(t);
        tile.n_keys[j] = pos_[static_cast<size_t>(t)] + 1 - tile.first[j];
      }
      attention_tile(tile, s);
    }
  });
}

}  // namespace herd
