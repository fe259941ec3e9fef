#include "sampling/sampling_params.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace herd {
namespace {

std::string format_float(float v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v));
  return buf;
}

Status bad(const char* field, float value, const char* rule) {
  return invalid_argument(std::string("sampling: ") + field + " must be " + rule + ", got " +
                          format_float(value));
}

}  // namespace

Status validate(const SamplingParams& p) {
  if (!std::isfinite(p.temperature)) {
    return bad("temperature", p.temperature, "a finite number (<= 0 means greedy)");
  }
  // Written as !(in range) so that NaN fails too.
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    return bad("top_p", p.top_p, "in (0, 1] (1 turns it off)");
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return bad("min_p", p.min_p, "in [0, 1] (0 turns it off)");
  }
  if (!(p.repeat_penalty > 0.0f && std::isfinite(p.repeat_penalty))) {
    return bad("repeat_penalty", p.repeat_penalty, "a finite number > 0 (1 turns it off)");
  }
  if (p.repeat_last_n < 0) {
    return invalid_argument("sampling: repeat_last_n must be >= 0 (0 turns penalties off), got " +
                            std::to_string(p.repeat_last_n));
  }
  if (!std::isfinite(p.frequency_penalty)) {
    return bad("frequency_penalty", p.frequency_penalty, "a finite number");
  }
  if (!std::isfinite(p.presence_penalty)) {
    return bad("presence_penalty", p.presence_penalty, "a finite number");
  }
  for (const auto& [token, bias] : p.logit_bias) {
    if (token < 0) return invalid_argument("sampling: logit_bias token ids must be >= 0, got " + std::to_string(token));
    if (!(bias >= -100.0f && bias <= 100.0f)) return bad("logit_bias", bias, "in [-100, 100]");
  }
  return Status::ok_status();
}

}  // namespace herd
