#include "kernels/matmul.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/kernel_table.h"
#include "tensor/quant_ref.h"

namespace herd {
namespace {

// Rows per cache block in prompt processing: a block of weight rows stays in L1/L2
// while every token of the batch passes over it (the tile kernel walks the tokens).
constexpr int64_t kRowBlock = 16;

// Bytes of weight rows, and of token rows, per cache slab of the tile path (two of
// them fit L2 next to each other).
constexpr int64_t kL2Slab = 512 * 1024;

// Threads split GEMM rows in multiples of its panel height, so only the last panel of
// the matrix is partial.
constexpr int64_t kGemmRowAlign = 16;

// Token rows converted to the weight's activation type. Reused across calls on the
// calling thread, so token generation does not allocate once it has warmed up. 64-byte
// aligned: a GEMM whose activation rows are whole cache lines (the float GEMM's f32
// rows) then never splits a vector load across two lines.
uint8_t* act_scratch(size_t bytes) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < bytes + 64) buf.resize(bytes + 64);
  return buf.data() + (-reinterpret_cast<uintptr_t>(buf.data()) & 63);
}

// The shared state of one matmul call, captured by a single pointer so the pool's
// std::function never allocates.
struct Job {
  const WeightMatrix* w;
  const TypeKernels* tk;
  FromF32Fn convert;  // null: activations are the float rows themselves
  const float* x;
  uint8_t* act_buf;
  const uint8_t* acts;
  size_t act_bytes;
  int64_t n_tokens;
  float* y;
  bool use_gemm;
};

void convert_rows(const Job& j, int64_t begin, int64_t end) {
  for (int64_t t = begin; t < end; ++t) {
    j.convert(j.x + t * j.w->n_cols, j.act_buf + static_cast<size_t>(t) * j.act_bytes, j.w->n_cols);
  }
}

void multiply_rows(const Job& j, int64_t begin, int64_t end) {
  const WeightMatrix& w = *j.w;
  if (j.use_gemm) {
    // The GEMM blocks rows and K itself (panels of kGemmRowAlign rows).
    j.tk->gemm(w.row(begin), w.row_bytes, end - begin, j.acts, j.act_bytes, j.n_tokens, w.n_cols, j.y + begin,
               w.n_rows);
    return;
  }
  // Two-level blocking for long prompts: a slab of weight rows and a slab of tokens,
  // each about kL2Slab bytes, share L2, and every token slab passes over the row slab
  // before the next one is read. (With all tokens at once, activations of 512 tokens,
  // 4 MB in f32, streamed from L3 once per 16 rows.) Each (row, token) is still one
  // tile dot product, so the result is the same for any blocking.
  const int64_t row_slab = std::max<int64_t>(kRowBlock, kL2Slab / static_cast<int64_t>(w.row_bytes) /
                                                            kRowBlock * kRowBlock);
  const int64_t tok_slab = std::max<int64_t>(4, kL2Slab / static_cast<int64_t>(j.act_bytes) / 4 * 4);
  for (int64_t r0 = begin; r0 < end; r0 += row_slab) {
    const int64_t r1 = std::min(end, r0 + row_slab);
    for (int64_t t0 = 0; t0 < j.n_tokens; t0 += tok_slab) {
      const int64_t nt = std::min(j.n_tokens - t0, tok_slab);
      for (int64_t r = r0; r < r1; r += kRowBlock) {
        const int64_t nr = r1 - r < kRowBlock ? r1 - r : kRowBlock;
        j.tk->vec_dot_tile(w.row(r), w.row_bytes, nr, j.acts + static_cast<size_t>(t0) * j.act_bytes, j.act_bytes,
                           nt, w.n_cols, j.y + t0 * w.n_rows + r, w.n_rows);
      }
    }
  }
}

// Types without a kernel in the table: the exact float reference, row by row.
void matmul_reference(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
  pool.parallel_for(w.n_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t t = 0; t < n_tokens; ++t) {
        y[t * w.n_rows + r] = dot_f32_ref(w.type, w.row(r), x + t * w.n_cols, w.n_cols);
      }
    }
  });
}

}  // namespace

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
  if (n_tokens <= 0 || w.n_rows <= 0) return;
  const KernelTable& kt = kernels();
  const TypeKernels& tk = kt.of(w.type);
  const DType act_type = matmul_act_type(w.type);
  Job job{&w, &tk, nullptr, x, nullptr, reinterpret_cast<const uint8_t*>(x),
          static_cast<size_t>(w.n_cols) * sizeof(float), n_tokens, y, false};
  // The GEMM serves every token count alike (batch invariance: one row's result never
  // depends on how many tokens came with it).
  job.use_gemm = tk.gemm != nullptr && tk.gemm_from_f32 != nullptr && tk.gemm_act_block > 0 &&
                 w.n_cols % tk.gemm_act_block == 0;
  if (job.use_gemm) {
    job.convert = tk.gemm_from_f32;
  } else if (act_type != DType::kF32) {
    job.convert = kt.of(act_type).from_f32;
  }
  if (!job.use_gemm && (tk.vec_dot_tile == nullptr || (act_type != DType::kF32 && job.convert == nullptr))) {
    matmul_reference(w, x, n_tokens, y, pool);
    return;
  }

  if (job.convert != nullptr) {
    // Activations are quantized once per call, as the reference engine does.
    job.act_bytes = job.use_gemm ? static_cast<size_t>(w.n_cols / tk.gemm_act_block) *
                                       static_cast<size_t>(tk.gemm_act_block_bytes)
                                 : static_cast<size_t>(dtype_row_bytes(act_type, static_cast<uint64_t>(w.n_cols)).value_or(0));
    job.act_buf = act_scratch(job.act_bytes * static_cast<size_t>(n_tokens));
    job.acts = job.act_buf;
    if (n_tokens == 1) {
      convert_rows(job, 0, 1);
    } else {
      const Job* jp = &job;
      pool.run([jp](int ith, int nth) {
        int64_t begin, end;
        split_range(jp->n_tokens, ith, nth, &begin, &end);
        convert_rows(*jp, begin, end);
      });
    }
  }

  const Job* jp = &job;
  pool.run([jp](int ith, int nth) {
    int64_t begin, end;
    if (jp->use_gemm) {
      const int64_t n_rows = jp->w->n_rows;
      split_range((n_rows + kGemmRowAlign - 1) / kGemmRowAlign, ith, nth, &begin, &end);
      begin *= kGemmRowAlign;
      end = end * kGemmRowAlign < n_rows ? end * kGemmRowAlign : n_rows;
    } else {
      split_range(jp->w->n_rows, ith, nth, &begin, &end);
    }
    if (begin < end) multiply_rows(*jp, begin, end);
  });
}

void weight_row_to_f32(const WeightMatrix& w, int64_t r, float* dst) {
  dequantize_row_ref(w.type, w.row(r), dst, w.n_cols);
}

}  // namespace herd
