// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Creating, freeing and resetting rings: control threads only.

#include "ring_impl.h"

#include <stdlib.h>

static uint32_t
next_power_of_two(uint32_t v)
{
  v = v ? v - 1U : 0U;
  v |= v >> 1U;
  v |= v >> 2U;
  v |= v >> 4U;
  v |= v >> 8U;
  v |= v >> 16U;
  return v + 1U;
}

DspRing*
dsp_ring_new(const uint32_t size)
{
  if (!size || size > (1U << 30U)) {
    return NULL;
  }

  DspRing* const ring = (DspRing*)calloc(1U, sizeof(DspRing));
  if (!ring) {
    return NULL;
  }

  // One extra byte so that a full ring of `size` is distinguishable
  ring->size = next_power_of_two(size + 1U);
  ring->mask = ring->size - 1U;
  ring->data = (uint8_t*)calloc(ring->size, 1U);
  if (!ring->data) {
    free(ring);
    return NULL;
  }

  atomic_init(&ring->head, 0U);
  atomic_init(&ring->tail, 0U);
  return ring;
}

void
dsp_ring_free(DspRing* const ring)
{
  if (ring) {
    free(ring->data);
    free(ring);
  }
}

void
dsp_ring_reset(DspRing* const ring)
{
  atomic_store(&ring->head, 0U);
  atomic_store(&ring->tail, 0U);
}
