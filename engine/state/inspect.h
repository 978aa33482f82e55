// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_INSPECT_H
#define DSP_STATE_INSPECT_H

#include "checkpoint.h"

#include <stdbool.h>
#include <stdio.h>

/**
   @file inspect.h
   Printing checkpoints for people (`dspengine --inspect-state PATH`) and
   tools (`--json`).
*/

/**
   Print `cp` to `out`: text (graph, generation, slot, counters, then
   parameters as `node.param = value`), or one JSON object if `json`.

   @param info Where `cp` was read from, or NULL.
*/
void dsp_inspect_print(const DspCheckpoint*     cp,
                       const DspCheckpointInfo* info,
                       FILE*                    out,
                       bool                     json);

/**
   The whole `--inspect-state PATH [--json]` command: open the region
   read-only, read the newest valid checkpoint and print it to `out`, or
   one line to `errout` saying why not.

   @return Process exit status: 0 if a checkpoint was printed, 1 if the
   region holds none (empty, corrupt or foreign), 2 if it cannot be opened.
*/
int dsp_inspect_region(const char* path, FILE* out, FILE* errout, bool json);

#endif // DSP_STATE_INSPECT_H
