// Llama (and Llama-2/3, Mistral-style dense models): RMSNorm, RoPE on adjacent
// pairs, grouped-query attention, SwiGLU FFN, optional tied output.
#include "gguf/gguf_file.h"
#include "model/arch/architectures.h"
#include "model/model.h"
#include "model/weight_loader.h"

namespace herd {

Status load_llama(const GgufFile& file, Hparams* hp, ModelWeights* w) {
  hp->rope_style = RopeStyle::kAdjacentPairs;
  if (file.find_tensor("blk.0.ffn_gate_inp.weight") != nullptr) {
    return unsupported("llama with experts (mixture of experts) is not supported yet");
  }
  const WeightLoader load(file);
  const GgufTensor* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) return not_found("tensor \"token_embd.weight\" is missing");
  if (embd->dims.size() != 2 || embd->dims[1] > static_cast<uint64_t>(INT32_MAX)) {
    return corrupt_file("tensor \"token_embd.weight\" must be 2-D [n_embd, n_vocab]");
  }
  hp->n_vocab = static_cast<int32_t>(embd->dims[1]);
  const int64_t n_embd = hp->n_embd, n_q = hp->n_embd_q(), n_kv = hp->n_embd_kv(), n_ff = hp->n_ff;

  HERD_ASSIGN_OR_RETURN(w->token_embd, load.matrix("token_embd.weight", n_embd, hp->n_vocab));
  HERD_ASSIGN_OR_RETURN(w->output_norm, load.vector("output_norm.weight", n_embd));
  if (load.has("output.weight")) {
    HERD_ASSIGN_OR_RETURN(w->output, load.matrix("output.weight", n_embd, hp->n_vocab));
  } else {
    w->output = w->token_embd;
  }
  if (load.has("rope_freqs.weight")) {
    HERD_ASSIGN_OR_RETURN(w->rope_freqs, load.vector("rope_freqs.weight", hp->n_rot / 2));
  }
  w->layers.resize(static_cast<size_t>(hp->n_layer));
  for (int32_t il = 0; il < hp->n_layer; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    LayerWeights& l = w->layers[static_cast<size_t>(il)];
    HERD_ASSIGN_OR_RETURN(l.attn_norm, load.vector(p + "attn_norm.weight", n_embd));
    HERD_ASSIGN_OR_RETURN(l.wq, load.matrix(p + "attn_q.weight", n_embd, n_q));
    HERD_ASSIGN_OR_RETURN(l.wk, load.matrix(p + "attn_k.weight", n_embd, n_kv));
    HERD_ASSIGN_OR_RETURN(l.wv, load.matrix(p + "attn_v.weight", n_embd, n_kv));
    HERD_ASSIGN_OR_RETURN(l.wo, load.matrix(p + "attn_output.weight", n_q, n_embd));
    HERD_ASSIGN_OR_RETURN(l.ffn_norm, load.vector(p + "ffn_norm.weight", n_embd));
    HERD_ASSIGN_OR_RETURN(l.ffn_gate, load.matrix(p + "ffn_gate.weight", n_embd, n_ff));
    HERD_ASSIGN_OR_RETURN(l.ffn_up, load.matrix(p + "ffn_up.weight", n_embd, n_ff));
    HERD_ASSIGN_OR_RETURN(l.ffn_down, load.matrix(p + "ffn_down.weight", n_ff, n_embd));
  }
  return Status();
}

}  // namespace herd
