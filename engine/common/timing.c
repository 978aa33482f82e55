// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void
dsp_timing_mark(const char* const phase)
{
  static int on = -1;
  if (on < 0) {
    on = getenv("DSP_TIMING") != NULL;
  }
  if (on) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr,
            "dspengine: timing: %s %lld.%06ld\n",
            phase,
            (long long)ts.tv_sec,
            ts.tv_nsec / 1000L);
  }
}
