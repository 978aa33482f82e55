// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STATE_WRITER_H
#define DSP_STATE_WRITER_H

#include "common/error.h"
#include "state/checkpoint.h"
#include "state/region.h"

#include <stdint.h>

/**
   @file writer.h
   The checkpoint thread: it serialises checkpoints and commits them to a
   state region, off the control thread (docs/checkpoint.md, "Threads").

   The control thread builds a checkpoint model and submits it; the thread
   writes the newest one it has.  A model submitted while another is still
   waiting replaces it (coalescing: the newer one holds everything the
   older one did).  A caller that must not acknowledge a change before it
   is in the region waits for the ticket its submission returned.  Neither
   call is made on the audio thread (they lock a mutex); the audio thread
   never sees the writer or the region.
*/

typedef struct DspWriterImpl DspWriter;

/**
   Start a checkpoint thread writing to `region` (borrowed: it must outlive
   the writer, and nothing else may write to it meanwhile).

   @param[out] out New writer to free with dsp_writer_free().
*/
DspStatus dsp_writer_new(DspRegion* region, DspWriter** out, DspError* err);

/**
   Hand `cp` (ownership taken; freed by the writer) to the thread.

   @return The ticket of this checkpoint, for dsp_writer_wait(), or 0 if
   it could not be queued (never happens once the writer runs).
*/
uint64_t dsp_writer_submit(DspWriter* writer, DspCheckpoint* cp);

/**
   Wait until the checkpoint of `ticket` (or a newer one that replaced it)
   has been committed, or its write failed.

   @return DSP_SUCCESS once it is in the region; the write's status, with
   its message in `err` (e.g. a checkpoint larger than a slot), otherwise.
*/
DspStatus dsp_writer_wait(DspWriter* writer, uint64_t ticket, DspError* err);

/// Checkpoints committed so far.
uint64_t dsp_writer_count(DspWriter* writer);

/// Write what is pending, stop the thread and free `writer` (NULL: no-op).
void dsp_writer_free(DspWriter* writer);

#endif // DSP_STATE_WRITER_H
