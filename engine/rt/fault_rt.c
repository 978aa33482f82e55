// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: the fault detector's per-block work.  Nothing here
// allocates, locks, prints, does I/O or makes a system call.

#include "fault.h"

#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

/// Exponent bits of a float: all zero for zero and subnormals.
#define EXPONENT_BITS 0x7F800000U

/// Magnitude bits of a float (everything but the sign).
#define MAGNITUDE_BITS 0x7FFFFFFFU

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

void
dsp_fault_scan(const float* const  buf,
               const uint32_t      n,
               DspFaultScan* const scan)
{
  uint32_t i    = 0U;
  float    sum  = 0.0f;
  float    lo   = buf[0];
  float    hi   = buf[0];
  uint32_t bits = 0U;
#if defined(__SSE2__)
  // One pass, four lanes: add (poisoned by NaN/Inf), min, max and OR.  The
  // buffer was just written by the node, so it is in L1.
  if (n >= 4U) {
    __m128  vsum  = _mm_setzero_ps();
    __m128  vmin  = _mm_loadu_ps(buf);
    __m128  vmax  = vmin;
    __m128i vbits = _mm_setzero_si128();
    for (; i + 4U <= n; i += 4U) {
      const __m128 x = _mm_loadu_ps(buf + i);
      vsum           = _mm_add_ps(vsum, x);
      vmin           = _mm_min_ps(vmin, x);
      vmax           = _mm_max_ps(vmax, x);
      vbits          = _mm_or_si128(vbits, _mm_castps_si128(x));
    }
    float    s[4];
    float    a[4];
    float    b[4];
    uint32_t o[4];
    _mm_storeu_ps(s, vsum);
    _mm_storeu_ps(a, vmin);
    _mm_storeu_ps(b, vmax);
    _mm_storeu_si128((__m128i*)(void*)o, vbits);
    sum  = (s[0] + s[1]) + (s[2] + s[3]);
    lo   = fminf(fminf(a[0], a[1]), fminf(a[2], a[3]));
    hi   = fmaxf(fmaxf(b[0], b[1]), fmaxf(b[2], b[3]));
    bits = o[0] | o[1] | o[2] | o[3];
  }
#endif
  for (; i < n; ++i) {
    const float x = buf[i];
    uint32_t    u = 0U;
    memcpy(&u, &x, sizeof(u));
    sum += x;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
    bits |= u;
  }
  scan->sum  = sum;
  scan->min  = lo;
  scan->max  = hi;
  scan->bits = bits;
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
