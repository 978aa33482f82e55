// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: output metering, over every output sample of every
// cycle.  Nothing here allocates, locks, prints, does I/O or makes a system
// call.  dsp_meter_pick() runs on the control thread.

#include "meter.h"

#include <math.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#if defined(DSP_SIMD_AVX)
#  include <immintrin.h>
#endif

void
dsp_meter_block_generic(const float* const buf,
                        const uint32_t     n,
                        float* const       peak,
                        double* const      sumsq)
{
  uint32_t i  = 0U;
  float    pk = *peak;
  float    sq = 0.0f;
#if defined(__SSE2__)
  const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
  __m128       pk4      = _mm_set1_ps(pk);
  __m128       sq_a     = _mm_setzero_ps();
  __m128       sq_b     = _mm_setzero_ps();
  for (; i + 8U <= n; i += 8U) {
    const __m128 a = _mm_loadu_ps(buf + i);
    const __m128 b = _mm_loadu_ps(buf + i + 4U);
    // maxps returns its second operand when the first is NaN
    pk4  = _mm_max_ps(_mm_and_ps(a, abs_mask), pk4);
    pk4  = _mm_max_ps(_mm_and_ps(b, abs_mask), pk4);
    sq_a = _mm_add_ps(sq_a, _mm_mul_ps(a, a));
    sq_b = _mm_add_ps(sq_b, _mm_mul_ps(b, b));
  }
  float lanes[4];
  _mm_storeu_ps(lanes, pk4);
  for (int k = 0; k < 4; ++k) {
    pk = lanes[k] > pk ? lanes[k] : pk;
  }
  _mm_storeu_ps(lanes, _mm_add_ps(sq_a, sq_b));
  sq = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
#endif
  for (; i < n; ++i) {
    const float a = fabsf(buf[i]);
    pk            = a > pk ? a : pk;
    sq += buf[i] * buf[i];
  }
  *peak = pk;
  *sumsq += (double)sq;
}

#if defined(DSP_SIMD_AVX)

__attribute__((target("avx"))) void
dsp_meter_block_avx(const float* const buf,
                    const uint32_t     n,
                    float* const       peak,
                    double* const      sumsq)
{
  const __m256   abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  const uint32_t n16      = n & ~15U;
  __m256         pk_a     = _mm256_set1_ps(*peak);
  __m256         pk_b     = pk_a;
  __m256         sq_a     = _mm256_setzero_ps();
  __m256         sq_b     = _mm256_setzero_ps();
  for (uint32_t i = 0U; i < n16; i += 16U) {
    const __m256 a = _mm256_loadu_ps(buf + i);
    const __m256 b = _mm256_loadu_ps(buf + i + 8U);
    // vmaxps returns its second operand when the first is NaN
    pk_a = _mm256_max_ps(_mm256_and_ps(a, abs_mask), pk_a);
    pk_b = _mm256_max_ps(_mm256_and_ps(b, abs_mask), pk_b);
    sq_a = _mm256_add_ps(sq_a, _mm256_mul_ps(a, a));
    sq_b = _mm256_add_ps(sq_b, _mm256_mul_ps(b, b));
  }

  // Neither lane set holds a NaN: max is exact in any order
  __m256 pk8 = _mm256_max_ps(pk_a, pk_b);
  __m128 pk4 =
    _mm_max_ps(_mm256_castps256_ps128(pk8), _mm256_extractf128_ps(pk8, 1));
  pk4      = _mm_max_ps(pk4, _mm_movehl_ps(pk4, pk4));
  float pk = _mm_cvtss_f32(_mm_max_ss(pk4, _mm_shuffle_ps(pk4, pk4, 1)));

  const __m256 sq8 = _mm256_add_ps(sq_a, sq_b);
  __m128       sq4 =
    _mm_add_ps(_mm256_castps256_ps128(sq8), _mm256_extractf128_ps(sq8, 1));
  sq4      = _mm_add_ps(sq4, _mm_movehl_ps(sq4, sq4));
  float sq = _mm_cvtss_f32(_mm_add_ss(sq4, _mm_shuffle_ps(sq4, sq4, 1)));

  for (uint32_t i = n16; i < n; ++i) {
    const float a = fabsf(buf[i]);
    pk            = a > pk ? a : pk;
    sq += buf[i] * buf[i];
  }
  *peak = pk;
  *sumsq += (double)sq;
}

#endif

DspMeterFunc
dsp_meter_pick(void)
{
#if defined(DSP_SIMD_AVX)
  if (dsp_simd_avx()) {
    return dsp_meter_block_avx;
  }
#endif
  return dsp_meter_block_generic;
}
