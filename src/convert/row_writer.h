// Converts rows of float weights to a tensor type on all threads and streams them to a
// GgufWriter chunk by chunk, so only a few megabytes are ever held, whatever the model.
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/gguf_writer.h"
#include "tensor/dtype.h"

namespace herd {

// Fills dst[0 .. row_len) with the float values of row `row`. Called from several
// threads at once, for distinct rows.
using RowProducer = std::function<void(int64_t row, float* dst)>;

// Writes n_rows rows of row_len elements in `type` (which must have a reference
// quantizer: dtype_has_ref, and row_len whole blocks of it) as the writer's current
// tensor. kUnsupported when the type has no quantizer yet.
Status write_rows(GgufWriter& writer, ThreadPool& pool, DType type, int64_t row_len, int64_t n_rows,
                  const RowProducer& produce);

// Unsupported("... not supported yet") unless rows of `type` can be written.
Status check_writable(DType type);

}  // namespace herd
