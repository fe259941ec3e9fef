#include "tokenizer/streaming_decoder.h"

#include <algorithm>

#include "tokenizer/utf8.h"

namespace herd {

StreamingDecoder::StreamingDecoder(const Tokenizer& tok, bool render_special, bool at_text_start)
    : tok_(&tok), render_special_(render_special), at_start_(at_text_start) {}

std::string StreamingDecoder::push(int32_t id) {
  const bool render = render_special_ || std::find(render_also_.begin(), render_also_.end(), id) != render_also_.end();
  tok_->append_piece(id, render, at_start_, pending_);
  const size_t n = utf8_complete_prefix(pending_);
  std::string out = utf8_sanitize(std::string_view(pending_).substr(0, n));
  pending_.erase(0, n);
  return out;
}

std::string StreamingDecoder::finish() {
  std::string out = utf8_sanitize(pending_);
  pending_.clear();
  at_start_ = true;
  return out;
}

}  // namespace herd
