// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: runs on the audio thread.  No allocation, locks, I/O or
// blocking system calls below except in dsp_ring_new/free/reset, which are
// called only from control threads.

#include "ring.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct DspRingImpl {
  uint32_t         size; ///< Capacity in bytes, a power of two
  uint32_t         mask; ///< size - 1
  _Atomic uint32_t head; ///< Write position, advanced by the writer only
  _Atomic uint32_t tail; ///< Read position, advanced by the reader only
  uint8_t*         data; ///< Storage, `size` bytes
};

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

static uint32_t
used(const uint32_t head, const uint32_t tail, const uint32_t mask)
{
  return (head - tail) & mask;
}

uint32_t
dsp_ring_read_space(const DspRing* const ring)
{
  const uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
  const uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
  return used(head, tail, ring->mask);
}

uint32_t
dsp_ring_write_space(const DspRing* const ring)
{
  const uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
  const uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
  return ring->mask - used(head, tail, ring->mask);
}

DspStatus
dsp_ring_write(DspRing* const ring, const void* const src, const uint32_t size)
{
  const uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
  const uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
  if (ring->mask - used(head, tail, ring->mask) < size) {
    return DSP_ERR_FULL;
  }

  const uint32_t start = head & ring->mask;
  const uint32_t first = ring->size - start;
  if (size <= first) {
    memcpy(ring->data + start, src, size);
  } else {
    memcpy(ring->data + start, src, first);
    memcpy(ring->data, (const uint8_t*)src + first, size - first);
  }

  atomic_store_explicit(
    &ring->head, (head + size) & ring->mask, memory_order_release);
  return DSP_SUCCESS;
}

DspStatus
dsp_ring_peek(const DspRing* const ring, void* const dst, const uint32_t size)
{

  const uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
  const uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
  if (used(head, tail, ring->mask) < size) {
    return DSP_FAILURE;
  }

  const uint32_t start = tail & ring->mask;
  const uint32_t first = ring->size - start;
  if (size <= first) {
    memcpy(dst, ring->data + start, size);
  } else {
    memcpy(dst, ring->data + start, first);
    memcpy((uint8_t*)dst + first, ring->data, size - first);
  }
  return DSP_SUCCESS;
}

DspStatus
dsp_ring_skip(DspRing* const ring, const uint32_t size)
{
  const uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
  const uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
  if (used(head, tail, ring->mask) < size) {
    return DSP_FAILURE;
  }

  atomic_store_explicit(
    &ring->tail, (tail + size) & ring->mask, memory_order_release);
  return DSP_SUCCESS;
}

DspStatus
dsp_ring_read(DspRing* const ring, void* const dst, const uint32_t size)
{
  const DspStatus st = dsp_ring_peek(ring, dst, size);
  return st ? st : dsp_ring_skip(ring, size);
}
