// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the fault detector's per-block work.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "fault.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

/// Exponent bits of a float: all zero for zero and subnormals.
#define EXPONENT_BITS 0x7F800000U

/// Magnitude bits of a float (everything but the sign).
#define MAGNITUDE_BITS 0x7FFFFFFFU

/// Bits of 1.0f: stands for "some sample is normal" in DspFaultScan::bits.
#define NORMAL_BITS 0x3F800000U

void
dsp_fault_init(DspFault* const f)
{
  const uint32_t arm    = f->arm;
  const uint32_t bypass = f->bypass;
  memset(f, 0, sizeof(*f));
  f->gain    = 1.0f;
  f->running = 1U;
  f->arm     = arm;
  f->bypass  = bypass;
}

/// [RT] Sum, min and max of `n` samples.
static void
reduce(const float* const buf, const uint32_t n, DspFaultScan* const scan)
{
  uint32_t i   = 0U;
  float    sum = 0.0f;
  float    lo  = buf[0];
  float    hi  = buf[0];
#if defined(__SSE2__)
  if (n >= 4U) {
    __m128 s0 = _mm_setzero_ps();
    __m128 m0 = _mm_loadu_ps(buf);
    __m128 x0 = m0;
    for (; i + 4U <= n; i += 4U) {
      const __m128 a = _mm_loadu_ps(buf + i);
      s0             = _mm_add_ps(s0, a);
      m0             = _mm_min_ps(m0, a);
      x0             = _mm_max_ps(x0, a);
    }
    float s[4];
    float a[4];
    float b[4];
    _mm_storeu_ps(s, s0);
    _mm_storeu_ps(a, m0);
    _mm_storeu_ps(b, x0);
    sum = (s[0] + s[1]) + (s[2] + s[3]);
    for (int k = 0; k < 4; ++k) {
      lo = a[k] < lo ? a[k] : lo;
      hi = b[k] > hi ? b[k] : hi;
    }
  }
#endif
  for (; i < n; ++i) {
    const float x = buf[i];
    sum += x;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  scan->sum = sum;
  scan->min = lo;
  scan->max = hi;
}

/// [RT] OR of the bits of `n` samples.
static uint32_t
or_bits(const float* const buf, const uint32_t n)
{
  uint32_t i    = 0U;
  uint32_t bits = 0U;
#if defined(__SSE2__)
  // Digital silence takes this path on every block: keep it vectorised
  __m128i o0 = _mm_setzero_si128();
  __m128i o1 = _mm_setzero_si128();
  for (; i + 8U <= n; i += 8U) {
    o0 = _mm_or_si128(o0, _mm_castps_si128(_mm_loadu_ps(buf + i)));
    o1 = _mm_or_si128(o1, _mm_castps_si128(_mm_loadu_ps(buf + i + 4U)));
  }
  uint32_t lanes[4];
  _mm_storeu_si128((__m128i*)lanes, _mm_or_si128(o0, o1));
  bits = lanes[0] | lanes[1] | lanes[2] | lanes[3];
#endif
  for (; i < n; ++i) {
    uint32_t u = 0U;
    memcpy(&u, &buf[i], sizeof(u));
    bits |= u;
  }
  return bits;
}

void
dsp_fault_scan(const float* const  buf,
               const uint32_t      n,
               const bool          check_level,
               DspFaultScan* const scan)
{
  // A stuck block has every sample at full scale, so its first one too; a
  // denormal storm (or silence) has every sample below the smallest normal
  // magnitude (under DAZ a subnormal compares as zero).  Most blocks are
  // neither at their first sample: for them one sum, poisoned by NaN and
  // Inf, is all it takes (under one instruction per sample with SSE2, over
  // data the node has just written to L1).
  const float first = fabsf(buf[0]);
  scan->min         = 0.0f;
  scan->max         = 0.0f;
  if (first < FLT_MIN) {
    // One OR over the bits: no exponent bit anywhere means every sample is
    // zero or subnormal, hence finite, and the block cannot be stuck
    const uint32_t bits = or_bits(buf, n);
    if (!(bits & EXPONENT_BITS)) {
      scan->sum  = 0.0f;
      scan->bits = bits;
      return;
    }
  } else if (check_level && first >= DSP_FAULT_FULL_SCALE) {
    reduce(buf, n, scan);
    scan->bits = NORMAL_BITS;
    return;
  }

  // A block that starts below full scale cannot be stuck: min/max stay 0
  scan->sum  = dsp_fault_sum(buf, n);
  scan->bits = NORMAL_BITS;
}

DspFaultKind
dsp_fault_judge(const DspFaultScan* const   scan,
                const uint32_t              n,
                int32_t* const              held,
                const DspFaultLimits* const limits,
                const bool                  check_level,
                bool* const                 denormal_block,
                float* const                value)
{
  *denormal_block = false;
  if (!isfinite(scan->sum)) {
    *value = scan->sum;
    *held  = 0;
    return DSP_FAULT_NAN;
  }

  // No sample with a non-zero exponent, yet some non-zero bits: every
  // sample is zero or subnormal and at least one is subnormal
  *denormal_block =
    !(scan->bits & EXPONENT_BITS) && (scan->bits & MAGNITUDE_BITS) != 0U;

  if (!check_level) {
    return DSP_FAULT_NONE;
  }

  // The whole block at or beyond full scale on one side: no zero crossing
  const int32_t h = *held;
  if (scan->min >= DSP_FAULT_FULL_SCALE) {
    *held = h > 0 ? h + (int32_t)n : (int32_t)n;
  } else if (scan->max <= -DSP_FAULT_FULL_SCALE) {
    *held = h < 0 ? h - (int32_t)n : -(int32_t)n;
  } else {
    *held = 0;
  }
  if ((uint32_t)(*held < 0 ? -*held : *held) >= limits->hold) {
    *value = *held > 0 ? scan->min : scan->max;
    return DSP_FAULT_STUCK;
  }
  return DSP_FAULT_NONE;
}
