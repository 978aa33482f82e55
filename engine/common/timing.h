// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_TIMING_H
#define DSP_TIMING_H

/**
   @file timing.h
   A phase log for profiling start-up and resume (bench/resume): with
   DSP_TIMING set in the environment, dsp_timing_mark() prints
   `dspengine: timing: PHASE SECONDS` on stderr, SECONDS being
   CLOCK_MONOTONIC (comparable between the supervisor and its child).
   Without it, nothing is printed.  Control threads only.
*/

/// Log that `phase` was reached now (if DSP_TIMING is set).
void dsp_timing_mark(const char* phase);

#endif // DSP_TIMING_H
