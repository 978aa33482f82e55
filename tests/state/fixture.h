// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_TEST_STATE_FIXTURE_H
#define DSP_TEST_STATE_FIXTURE_H

#include "state/checkpoint.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Make a fresh path for a state file under /dev/shm (or /tmp); the file
/// does not exist.  `buf` must hold 64 bytes.
char* fixture_path(char* buf);

/**
   Build a checkpoint whose whole content is a function of `seq`: graph
   JSON, `seq % 7 + 1` parameters, a node state of a length that varies with
   `seq` (up to `max_state` bytes), a prepared slot, settings and counters
   (param_changes = seq).  NULL if out of memory.
*/
DspCheckpoint* fixture_checkpoint(uint64_t seq, size_t max_state);

/// True if `a` and `b` hold the same content.
bool fixture_equal(const DspCheckpoint* a, const DspCheckpoint* b);

#endif // DSP_TEST_STATE_FIXTURE_H
