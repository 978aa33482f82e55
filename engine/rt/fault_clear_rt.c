// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the fault detector's common case, once per node per
// block.  Nothing here allocates, locks, prints, does I/O or makes a system
// call.  dsp_fault_clear_pick() runs on the control thread.

#include "fault.h"
#include "simd.h"

#include <math.h>
#include <string.h>

#if defined(DSP_SIMD_AVX)
#  include <immintrin.h>
#endif

/// [RT] Whether an output's first sample lets its block pass (DspFaultWatch).
static inline bool
first_ok(const float* const buf, const uint32_t range)
{
  uint32_t bits = 0U;
  memcpy(&bits, buf, sizeof(bits));
  return (bits & 0x7FFFFFFFU) - DSP_FAULT_MIN_NORMAL_BITS < range;
}

bool
dsp_fault_clear_generic(float* const* const        ports,
                        const DspFaultWatch* const watch,
                        const uint32_t             n_watch,
                        const uint32_t             n)
{
  bool  ok  = true;
  float sum = 0.0f;
  for (uint32_t k = 0U; k < n_watch; ++k) {
    const float* const buf = ports[watch[k].port];
    ok &= first_ok(buf, watch[k].range);
    sum += dsp_fault_sum(buf, n);
  }
  return ok && isfinite(sum);
}

#if defined(DSP_SIMD_AVX)

/// [RT] Horizontal sum of eight lanes.
__attribute__((target("avx"))) static inline float
sum8(const __m256 v)
{
  const __m128 h =
    _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
}

__attribute__((target("avx"))) bool
dsp_fault_clear_avx(float* const* const        ports,
                    const DspFaultWatch* const watch,
                    const uint32_t             n_watch,
                    const uint32_t             n)
{
  if (n & 63U) {
    // Periods are powers of two: only odd or small blocks come here
    return dsp_fault_clear_generic(ports, watch, n_watch, n);
  }

  // Four accumulators of eight lanes shared by every output, 64 samples
  // per turn: a NaN or Inf lane stays non-finite whatever is added to it
  __m256 s0 = _mm256_setzero_ps();
  __m256 s1 = _mm256_setzero_ps();
  __m256 s2 = _mm256_setzero_ps();
  __m256 s3 = _mm256_setzero_ps();
  bool   ok = true;
  for (uint32_t k = 0U; k < n_watch; ++k) {
    const float* const buf = ports[watch[k].port];
    ok &= first_ok(buf, watch[k].range);
    for (uint32_t i = 0U; i < n; i += 64U) {
      const float* const p = buf + i;
      s0                   = _mm256_add_ps(s0, _mm256_loadu_ps(p));
      s1                   = _mm256_add_ps(s1, _mm256_loadu_ps(p + 8U));
      s2                   = _mm256_add_ps(s2, _mm256_loadu_ps(p + 16U));
      s3                   = _mm256_add_ps(s3, _mm256_loadu_ps(p + 24U));
      s0                   = _mm256_add_ps(s0, _mm256_loadu_ps(p + 32U));
      s1                   = _mm256_add_ps(s1, _mm256_loadu_ps(p + 40U));
      s2                   = _mm256_add_ps(s2, _mm256_loadu_ps(p + 48U));
      s3                   = _mm256_add_ps(s3, _mm256_loadu_ps(p + 56U));
    }
  }
  return ok && isfinite(sum8(
                 _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))));
}

#endif

DspFaultClearFunc
dsp_fault_clear_pick(void)
{
#if defined(DSP_SIMD_AVX)
  if (dsp_simd_avx()) {
    return dsp_fault_clear_avx;
  }
#endif
  return dsp_fault_clear_generic;
}
