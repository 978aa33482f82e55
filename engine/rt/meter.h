// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_METER_H
#define DSP_METER_H

#include "simd.h"

#include <stdint.h>

/**
   @file meter.h
   Output meters: the runtime folds every output sample of every cycle into
   its channel's peak and sum of squares (engine/rt/stats.h publishes them
   as peak and RMS about every 100 ms).
*/

/**
   [RT] Fold the `n` samples of `buf` into a channel's meter: `*peak`
   becomes the largest absolute value seen (NaN ignored), and the sum of
   their squares is added to `*sumsq`.  The variants give the same peak;
   their sums of squares differ only in rounding (order of addition).
*/
typedef void (*DspMeterFunc)(const float* buf,
                             uint32_t     n,
                             float*       peak,
                             double*      sumsq);

/// [RT] DspMeterFunc for any CPU (SSE2 on x86-64).
void dsp_meter_block_generic(const float* buf,
                             uint32_t     n,
                             float*       peak,
                             double*      sumsq);

#if defined(DSP_SIMD_AVX)
/// [RT] DspMeterFunc for CPUs with AVX (only call if it has it).
void dsp_meter_block_avx(const float* buf,
                         uint32_t     n,
                         float*       peak,
                         double*      sumsq);
#endif

/// The fastest DspMeterFunc this CPU runs (control thread).
DspMeterFunc dsp_meter_pick(void);

#endif // DSP_METER_H
