// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_RING_H
#define DSP_RING_H

#include "common/status.h"

#include <stdint.h>

/**
   @file ring.h
   A lock-free single-producer/single-consumer byte ring.

   One thread writes, one thread reads; neither ever blocks.  Reading and
   writing are [RT]-safe (no allocation, no locks, no system calls).  Records
   are written and read whole: a write that does not fit fails and writes
   nothing.
*/

typedef struct DspRingImpl DspRing;

/**
   Create a ring that can hold at least `size` bytes.

   @return A ring to free with dsp_ring_free(), or NULL if out of memory.
*/
DspRing* dsp_ring_new(uint32_t size);

/// Free a ring.  NULL is a no-op.
void dsp_ring_free(DspRing* ring);

/// Discard all contents (only while neither side is in use).
void dsp_ring_reset(DspRing* ring);

/// [RT] Number of bytes available to read.
uint32_t dsp_ring_read_space(const DspRing* ring);

/// [RT] Number of bytes that can be written.
uint32_t dsp_ring_write_space(const DspRing* ring);

/// [RT] Write `size` bytes, all or nothing (DSP_ERR_FULL if no room).
DspStatus dsp_ring_write(DspRing* ring, const void* src, uint32_t size);

/// [RT] Copy `size` bytes without consuming them (DSP_FAILURE if too few).
DspStatus dsp_ring_peek(const DspRing* ring, void* dst, uint32_t size);

/// [RT] Read and consume `size` bytes (DSP_FAILURE if fewer are available).
DspStatus dsp_ring_read(DspRing* ring, void* dst, uint32_t size);

/// [RT] Discard `size` bytes (DSP_FAILURE if fewer are available).
DspStatus dsp_ring_skip(DspRing* ring, uint32_t size);

#endif // DSP_RING_H
