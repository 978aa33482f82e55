// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the fault detector's common case, once per node per
// block.  Nothing here allocates, locks, prints, does I/O or makes a system
// call.  dsp_fault_clear_pick() runs on the control thread.

#include "fault.h"
#include "simd.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#if defined(DSP_SIMD_AVX)
#  include <immintrin.h>
#endif

/// Magnitude bits of FLT_MIN, the smallest normal float.
#define MIN_NORMAL_BITS 0x00800000U

/**
   [RT] Whether an output's first sample lets its block pass without a
   scan: normal (a denormal storm or silence starts below FLT_MIN) and
   below full scale where the level counts (`watch` 1: a stuck block starts
   at it), finite otherwise.  One unsigned comparison of the magnitude bits
   covers both ends; NaN and Inf fail it.
*/
static inline bool
first_ok(const float* const buf, const uint8_t watch)
{
  uint32_t bits = 0U;
  memcpy(&bits, buf, sizeof(bits));
  const uint32_t top = watch == 1U ? 0x3F800000U  // 1.0f: full scale
                                   : 0x7F800000U; // Inf
  return (bits & 0x7FFFFFFFU) - MIN_NORMAL_BITS < top - MIN_NORMAL_BITS;
}

bool
dsp_fault_clear_generic(const float* const* const outs,
                        const uint8_t* const      watch,
                        const uint32_t            n_outs,
                        const uint32_t            n)
{
  bool  ok  = true;
  float sum = 0.0f;
  for (uint32_t q = 0U; q < n_outs; ++q) {
    if (watch[q]) {
      ok &= first_ok(outs[q], watch[q]);
      sum += dsp_fault_sum(outs[q], n);
    }
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
dsp_fault_clear_avx(const float* const* const outs,
                    const uint8_t* const      watch,
                    const uint32_t            n_outs,
                    const uint32_t            n)
{
  // Four accumulators of eight lanes shared by every output, 64 samples
  // per turn: a NaN or Inf lane stays non-finite whatever is added to it
  __m256         s0   = _mm256_setzero_ps();
  __m256         s1   = _mm256_setzero_ps();
  __m256         s2   = _mm256_setzero_ps();
  __m256         s3   = _mm256_setzero_ps();
  float          tail = 0.0f;
  bool           ok   = true;
  const uint32_t n64  = n & ~63U;
  for (uint32_t q = 0U; q < n_outs; ++q) {
    if (!watch[q]) {
      continue;
    }
    const float* const buf = outs[q];
    ok &= first_ok(buf, watch[q]);
    for (uint32_t i = 0U; i < n64; i += 64U) {
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
    if (n64 != n) {
      // Periods are powers of two: only odd or small blocks come here
      uint32_t i = n64;
      for (; i + 8U <= n; i += 8U) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(buf + i));
      }
      for (; i < n; ++i) {
        tail += buf[i];
      }
    }
  }
  const float sum =
    sum8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))) + tail;
  return ok && isfinite(sum);
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
