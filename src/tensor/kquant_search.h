// Scale searches behind the K-quant and IQ4 quantizers: given a small group of floats,
// pick a scale (and for the offset types a min) and integer codes that keep the
// weighted error small. They follow GGML's reference searches (no importance matrix)
// step for step, float operation for float operation, so that the blocks they give
// match llama-quantize's bytes.
#pragma once

#include <cstdint>

namespace herd {

// Round to nearest, ties to even (GGML's nearest_int). Inputs beyond +-4194303 clamp
// there and NaN gives 0, so the result is always a safe int.
int round_to_int(float v);

// Asymmetric fit of x[0..n) to scale * L + min with L in 0..nmax, min <= 0, minimising
// sum(w * |err|) (use_abs) or sum(w * err^2): starts from the min/max grid, then tries
// nstep + 1 grids with nmax + rmin + rdelta * k steps across [min, max], refitting scale
// and min by weighted least squares on each. Writes L, *neg_min = -min; returns scale
// (0 with L = 0 when all of x is equal). `aux` is scratch of n bytes.
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min,
                    uint8_t* aux, float rmin, float rdelta, int nstep, bool use_abs);

// Symmetric fit of x to scale * (L - nmax) with L - nmax in [-nmax, nmax - 1], weights
// x^2: scales -(nmax + k/10) / max for k in -9..9 (max = the signed largest element)
// and keeps the best least-squares scale. Returns the scale (0 and L = 0 for an
// all-zero group).
float fit_symmetric(int n, int nmax, const float* x, int8_t* L);

// Symmetric fit as above starting from -nmax / max, then up to 5 sweeps that move
// single codes to their best value while the weighted (x^2) fit improves.
float fit_symmetric_sweeps(int n, int nmax, const float* x, int8_t* L);

// Index of the entry of the ascending 16-entry table `levels` nearest to v (ties go to
// the upper entry; NaN gives 15).
int nearest_level(const int8_t* levels, float v);

// Groups whose largest magnitude is below this quantize to zero.
inline constexpr float kGroupMaxEps = 1e-15f;

}  // namespace herd
