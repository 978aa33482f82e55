// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_BUFALLOC_H
#define DSP_BUFALLOC_H

#include "common/status.h"

#include <stdint.h>

/// The lifetime of a value (a buffer's contents) in step order.
typedef struct {
  uint32_t def;  ///< Step that writes it
  uint32_t last; ///< Last step that reads it (>= def)
} DspLifetime;

/**
   Assign buffers to values so that two values share a buffer only if their
   lifetimes do not overlap.

   A value written at step s never shares with a value read at step s, so a
   node's outputs never alias its inputs.  Greedy interval colouring, which
   uses the fewest buffers for interval lifetimes.

   @param slots Array of `n`, set to each value's buffer index.
   @param n_slots Set to the number of buffers used.
*/
DspStatus dsp_bufalloc_assign(uint32_t           n,
                              const DspLifetime* lives,
                              uint32_t*          slots,
                              uint32_t*          n_slots);

#endif // DSP_BUFALLOC_H
