// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_LIVE_H
#define DSP_LIVE_H

#include "options.h"

/**
   Run the graph live under JACK until SIGINT/SIGTERM (or "quit" with
   --stdin-control).  @return The process exit status.
*/
int dsp_live_run(const DspOptions* options);

#endif // DSP_LIVE_H
