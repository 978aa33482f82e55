// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_REGION_IMPL_H
#define DSP_STATE_REGION_IMPL_H

#include "region.h"

#include <stdbool.h>
#include <stdint.h>

/// A mapped region (private to engine/state).
struct DspRegionImpl {
  char*         path;     ///< Path as given (owned)
  uint8_t*      data;     ///< Mapping of `size` bytes
  uint64_t      size;     ///< Region size
  int           fd;       ///< Open file, locked if writable
  DspRegionKind kind;     ///< File or device
  bool          writable; ///< Opened with DSP_REGION_WRITE

  // Writer bookkeeping for slots.c, valid once `scanned`: the writer is
  // the region's only writer (flock), so after one scan it knows which
  // slot holds the newest checkpoint without reading the region again.
  bool     scanned;   ///< The slots were scanned since open
  bool     have_last; ///< A valid checkpoint exists
  unsigned last_slot; ///< Slot of the newest valid checkpoint
  uint64_t last_gen;  ///< Its generation
};

#endif // DSP_STATE_REGION_IMPL_H
