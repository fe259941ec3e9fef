#include "model/decoder_loader.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "model/model.h"
#include "model/weight_loader.h"

namespace herd {
namespace {

// The fewest tensors a layer has: a norm, attention in and out, a norm, FFN in and out
// (fused ones count once); four leaves room for families not written yet.
constexpr uint64_t kMinTensorsPerLayer = 4;

Status load_attention(const WeightLoader& load, const std::string& p, const DecoderSpec& spec, const Hparams& hp,
                      LayerWeights* l) {
  const int64_t n_embd = hp.n_embd, n_q = hp.n_embd_q(), n_kv = hp.n_embd_kv();
  HERD_ASSIGN_OR_RETURN(l->attn_norm, load.vector(p + "attn_norm.weight", n_embd));
  if (spec.fused_qkv) {
    HERD_ASSIGN_OR_RETURN(WeightMatrix qkv, load.matrix(p + "attn_qkv.weight", n_embd, n_q + 2 * n_kv));
    l->wq = row_slice(qkv, 0, n_q);
    l->wk = row_slice(qkv, n_q, n_kv);
    l->wv = row_slice(qkv, n_q + n_kv, n_kv);
  } else {
    HERD_ASSIGN_OR_RETURN(l->wq, load.matrix(p + "attn_q.weight", n_embd, n_q));
    HERD_ASSIGN_OR_RETURN(l->wk, load.matrix(p + "attn_k.weight", n_embd, n_kv));
    HERD_ASSIGN_OR_RETURN(l->wv, load.matrix(p + "attn_v.weight", n_embd, n_kv));
  }
  if (spec.qkv_bias) {
    HERD_ASSIGN_OR_RETURN(l->bq, load.vector(p + "attn_q.bias", n_q));
    HERD_ASSIGN_OR_RETURN(l->bk, load.vector(p + "attn_k.bias", n_kv));
    HERD_ASSIGN_OR_RETURN(l->bv, load.vector(p + "attn_v.bias", n_kv));
  }
  if (spec.qk_norm) {
    HERD_ASSIGN_OR_RETURN(l->q_norm, load.vector(p + "attn_q_norm.weight", hp.head_dim));
    HERD_ASSIGN_OR_RETURN(l->k_norm, load.vector(p + "attn_k_norm.weight", hp.head_dim));
  }
  HERD_ASSIGN_OR_RETURN(l->wo, load.matrix(p + "attn_output.weight", n_q, n_embd));
  if (spec.post_norms) {
    HERD_ASSIGN_OR_RETURN(l->post_attn_norm, load.vector(p + "post_attention_norm.weight", n_embd));
  }
  return Status();
}

// ffn_<part>_exps.weight [n_cols, n_rows, n_expert], or in files converted before the
// experts were merged, one ffn_<part>.<e>.weight [n_cols, n_rows] per expert.
Result<std::vector<WeightMatrix>> load_experts(const WeightLoader& load, const std::string& p, const std::string& part,
                                               int64_t n_cols, int64_t n_rows, int64_t n_exp) {
  const std::string merged = p + "ffn_" + part + "_exps.weight";
  if (load.has(merged) || !load.has(p + "ffn_" + part + ".0.weight")) return load.experts(merged, n_cols, n_rows, n_exp);
  std::vector<WeightMatrix> out(static_cast<size_t>(n_exp));
  for (int64_t e = 0; e < n_exp; ++e) {
    HERD_ASSIGN_OR_RETURN(out[static_cast<size_t>(e)],
                          load.matrix(p + "ffn_" + part + "." + std::to_string(e) + ".weight", n_cols, n_rows));
  }
  return out;
}

Status load_moe(const WeightLoader& load, const std::string& p, const DecoderSpec& spec, const Hparams& hp,
                MoeWeights* m) {
  const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff_exp, n_exp = hp.n_expert;
  HERD_ASSIGN_OR_RETURN(m->gate_inp, load.matrix(p + "ffn_gate_inp.weight", n_embd, n_exp));
  HERD_ASSIGN_OR_RETURN(m->gate_exps, load_experts(load, p, "gate", n_embd, n_ff, n_exp));
  HERD_ASSIGN_OR_RETURN(m->up_exps, load_experts(load, p, "up", n_embd, n_ff, n_exp));
  HERD_ASSIGN_OR_RETURN(m->down_exps, load_experts(load, p, "down", n_ff, n_embd, n_exp));
  if (spec.shared_expert) {
    const int64_t n_sh = hp.n_ff_shexp;
    HERD_ASSIGN_OR_RETURN(m->gate_inp_shexp, load.vector(p + "ffn_gate_inp_shexp.weight", n_embd));
    HERD_ASSIGN_OR_RETURN(m->gate_shexp, load.matrix(p + "ffn_gate_shexp.weight", n_embd, n_sh));
    HERD_ASSIGN_OR_RETURN(m->up_shexp, load.matrix(p + "ffn_up_shexp.weight", n_embd, n_sh));
    HERD_ASSIGN_OR_RETURN(m->down_shexp, load.matrix(p + "ffn_down_shexp.weight", n_sh, n_embd));
  }
  return Status();
}

Status load_ffn(const WeightLoader& load, const std::string& p, const DecoderSpec& spec, const Hparams& hp,
                LayerWeights* l) {
  const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff;
  HERD_ASSIGN_OR_RETURN(l->ffn_norm, load.vector(p + "ffn_norm.weight", n_embd));
  if (hp.n_expert > 0) {
    HERD_RETURN_IF_ERROR(load_moe(load, p, spec, hp, &l->moe));
  } else if (spec.fused_gate_up) {
    HERD_ASSIGN_OR_RETURN(WeightMatrix gate_up, load.matrix(p + "ffn_up.weight", n_embd, 2 * n_ff));
    l->ffn_gate = row_slice(gate_up, 0, n_ff);
    l->ffn_up = row_slice(gate_up, n_ff, n_ff);
  } else {
    HERD_ASSIGN_OR_RETURN(l->ffn_gate, load.matrix(p + "ffn_gate.weight", n_embd, n_ff));
    HERD_ASSIGN_OR_RETURN(l->ffn_up, load.matrix(p + "ffn_up.weight", n_embd, n_ff));
  }
  if (hp.n_expert == 0) {
    HERD_ASSIGN_OR_RETURN(l->ffn_down, load.matrix(p + "ffn_down.weight", n_ff, n_embd));
  }
  if (spec.post_norms) {
    HERD_ASSIGN_OR_RETURN(l->post_ffn_norm, load.vector(p + "post_ffw_norm.weight", n_embd));
  }
  return Status();
}

// Counts from metadata size allocations (one LayerWeights per layer, one matrix view per
// expert), so each is held against the file's tensors before anything is allocated: a
// header claiming a million layers fails here, not after a gigabyte of empty layers.
Status check_counts_fit_file(const GgufFile& file, const Hparams& hp) {
  const uint64_t n_tensors = file.tensors().size();
  if (static_cast<uint64_t>(hp.n_layer) * kMinTensorsPerLayer > n_tensors) {
    return corrupt_file(hp.arch + ".block_count = " + std::to_string(hp.n_layer) + " needs at least " +
                        std::to_string(static_cast<uint64_t>(hp.n_layer) * kMinTensorsPerLayer) +
                        " tensors; the file has " + std::to_string(n_tensors));
  }
  if (hp.n_expert > 0) {
    const GgufTensor* router = file.find_tensor("blk.0.ffn_gate_inp.weight");
    if (router == nullptr || router->dims.size() != 2 || router->dims[1] != static_cast<uint64_t>(hp.n_expert)) {
      return corrupt_file(hp.arch + ".expert_count = " + std::to_string(hp.n_expert) +
                          " does not match the router blk.0.ffn_gate_inp.weight (" +
                          (router == nullptr ? std::string("missing") : "shape " + shape_string(router->dims)) + ")");
    }
  }
  return Status();
}

}  // namespace

Status load_decoder(const GgufFile& file, const DecoderSpec& spec, Hparams* hp, ModelWeights* w) {
  const WeightLoader load(file);
  const GgufTensor* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) return not_found("tensor \"token_embd.weight\" is missing");
  if (embd->dims.size() != 2 || embd->dims[1] == 0 || embd->dims[1] > static_cast<uint64_t>(INT32_MAX)) {
    return corrupt_file("tensor \"token_embd.weight\" must be 2-D [n_embd, n_vocab]");
  }
  if (hp->n_expert == 0 && load.has("blk.0.ffn_gate_inp.weight")) {
    return corrupt_file("the file has expert tensors (blk.0.ffn_gate_inp.weight) but no " + hp->arch +
                        ".expert_count");
  }
  HERD_RETURN_IF_ERROR(check_counts_fit_file(file, *hp));
  hp->n_vocab = static_cast<int32_t>(embd->dims[1]);
  const int64_t n_embd = hp->n_embd;

  HERD_ASSIGN_OR_RETURN(w->token_embd, load.matrix("token_embd.weight", n_embd, hp->n_vocab));
  HERD_ASSIGN_OR_RETURN(w->output_norm, load.vector("output_norm.weight", n_embd));
  if (load.has("output.weight")) {
    HERD_ASSIGN_OR_RETURN(w->output, load.matrix("output.weight", n_embd, hp->n_vocab));
  } else {
    w->output = w->token_embd;
  }
  const int64_t n_freq = hp->n_rot / 2;
  if (load.has("rope_freqs.weight")) {
    HERD_ASSIGN_OR_RETURN(w->rope_freqs, load.vector("rope_freqs.weight", n_freq));
  }
  if (hp->rope_longrope) {
    if (load.has("rope_factors_long.weight")) {
      HERD_ASSIGN_OR_RETURN(w->rope_factors_long, load.vector("rope_factors_long.weight", n_freq));
    }
    if (load.has("rope_factors_short.weight")) {
      HERD_ASSIGN_OR_RETURN(w->rope_factors_short, load.vector("rope_factors_short.weight", n_freq));
    }
  }
  w->layers.resize(static_cast<size_t>(hp->n_layer));
  for (int32_t il = 0; il < hp->n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerWeights& l = w->layers[static_cast<size_t>(il)];
    HERD_RETURN_IF_ERROR(load_attention(load, p, spec, *hp, &l));
    HERD_RETURN_IF_ERROR(load_ffn(load, p, spec, *hp, &l));
  }
  return Status();
}

}  // namespace herd
