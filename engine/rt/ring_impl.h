// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RING_IMPL_H
#define DSP_RING_IMPL_H

#include "ring.h"

#include <stdatomic.h>
#include <stdint.h>

struct DspRingImpl {
  uint32_t         size; ///< Capacity in bytes, a power of two
  uint32_t         mask; ///< size - 1
  _Atomic uint32_t head; ///< Write position, advanced by the writer only
  _Atomic uint32_t tail; ///< Read position, advanced by the reader only
  uint8_t*         data; ///< Storage, `size` bytes
};

#endif // DSP_RING_IMPL_H
