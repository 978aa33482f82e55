// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Real-time code: runs on the audio thread (and on the control thread that
// writes).  No allocation, locks, I/O or system calls.  Creating and
// freeing rings is in ring.c.

#include "ring_impl.h"

#include <string.h>

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
