// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_DENORMAL_H
#define DSP_DENORMAL_H

#if defined(__SSE__)
#  include <xmmintrin.h>
#endif

/**
   @file denormal.h
   Flush-to-zero (FTZ) and denormals-are-zero (DAZ) for the calling thread.
*/

/// MXCSR bits: FTZ (bit 15) and DAZ (bit 6).
#define DSP_MXCSR_FTZ_DAZ 0x8040U

/**
   [RT] Set FTZ and DAZ on this thread if they are not set yet (MXCSR is per
   thread, so every thread that runs a plan needs it; reading it is cheap,
   writing it only happens once per thread).  No-op without SSE.
*/
static inline void
dsp_denormals_flush(void)
{
#if defined(__SSE__)
  const unsigned csr = _mm_getcsr();
  if ((csr & DSP_MXCSR_FTZ_DAZ) != DSP_MXCSR_FTZ_DAZ) {
    _mm_setcsr(csr | DSP_MXCSR_FTZ_DAZ);
  }
#endif
}

#endif // DSP_DENORMAL_H
