// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_PERSIST_H
#define DSP_PERSIST_H

#include "control/engine.h"
#include "state/checkpoint.h"

#include <stdbool.h>
#include <stdint.h>

/**
   @file persist.h
   The engine's checkpoint writer (docs/checkpoint.md): it keeps the state
   region up to date from the engine's getters, on the control thread.

   The control thread builds each checkpoint from the engine's getters and
   hands it to the checkpoint thread (state/writer.h), which serialises and
   commits it.  The commit hook (dsp_persist_hook) waits for the write
   before the change is acknowledged.  LV2 plugin state (the slow part) is
   saved when a graph is loaded and then every DSP_PERSIST_STATE_PERIOD
   seconds (dsp_persist_tick; not waited for); parameters are written on
   every change (or OSC pass).
*/

/// Seconds between periodic checkpoints of LV2 plugin state.
#define DSP_PERSIST_STATE_PERIOD 1.0

typedef struct DspPersistImpl DspPersist;

/// What the engine should start from.
typedef enum {
  DSP_RESUME_AUTO,   ///< Resume unless --graph names another graph
  DSP_RESUME_ALWAYS, ///< Resume a valid checkpoint, ignoring --graph
  DSP_RESUME_NEVER,  ///< Start from --graph and overwrite
} DspResumeMode;

/**
   Open (creating if missing) the region at `path` for writing and read its
   newest checkpoint.  A region without a valid checkpoint is reported in
   one line on stderr; if it is foreign, checkpoints are off.

   @param wait If another process writes the region, wait until it is gone
   (a standby engine, standby.h) rather than fail.
   @param[out] out New writer to free with dsp_persist_free().
*/
DspStatus dsp_persist_open(const char*  path,
                           bool         wait,
                           DspPersist** out,
                           DspError*    err);

/// True if checkpoints are written (the region is ours and locked).
bool dsp_persist_enabled(const DspPersist* p);

/// The checkpoint read from the region, or NULL (owned by `p`).
const DspCheckpoint* dsp_persist_previous(const DspPersist* p);

/**
   Decide whether to resume: `graph` is the --graph argument or NULL.
   Prints the decision on stderr unless `quiet`.
*/
bool dsp_persist_should_resume(const DspPersist* p,
                               DspResumeMode     mode,
                               const char*       graph,
                               bool              quiet);

/**
   Resume the previous checkpoint into `engine` (not started yet): open
   its graph and arrange for node state to be restored at start.  Call
   dsp_persist_apply() after dsp_engine_start().
*/
DspStatus dsp_persist_resume(DspPersist* p, DspEngine* engine, DspError* err);

/// Apply the resumed parameters, bypass states and slots (after start).
void dsp_persist_apply(DspPersist* p, DspEngine* engine, bool quiet);

/**
   Start counting this boot (resumed or not), record the settings, and
   write the first checkpoint of this run.
*/
DspStatus dsp_persist_begin(DspPersist*      p,
                            const DspEngine* engine,
                            bool             resumed,
                            double           rate,
                            uint32_t         period,
                            const char*      backend,
                            DspError*        err);

/// The commit hook: pass `p` as its data.
DspStatus dsp_persist_hook(void*            data,
                           const DspEngine* engine,
                           const DspChange* change,
                           DspError*        err);

/**
   Batch mode (`on`): the hook only records that a change is pending, and
   dsp_persist_flush() writes one checkpoint for all of them; the caller
   must flush before acknowledging any (the OSC server does, through
   dsp_osc_set_flush()).
*/
void dsp_persist_set_batch(DspPersist* p, bool on);

/**
   Write the changes deferred in batch mode, if any, and wait for the
   write.  On failure (e.g. the checkpoint does not fit a slot) `err` says
   why and the pass's changes must not be acknowledged.
*/
DspStatus dsp_persist_flush(DspPersist*      p,
                            const DspEngine* engine,
                            DspError*        err);

/// Record a new server period (buffer-size change) and write it.
void dsp_persist_set_period(DspPersist*      p,
                            const DspEngine* engine,
                            uint32_t         period);

/// Periodic work: save plugin state and write if due.
void dsp_persist_tick(DspPersist* p, const DspEngine* engine);

/// Write a final checkpoint marked clean (orderly exit).
DspStatus dsp_persist_finish(DspPersist*      p,
                             const DspEngine* engine,
                             DspError*        err);

/// Close the region and free `p` (NULL is a no-op).
void dsp_persist_free(DspPersist* p);

#endif // DSP_PERSIST_H
