// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_STANDBY_H
#define DSP_STANDBY_H

#include "common/error.h"
#include "control/engine.h"
#include "options.h"

/**
   @file standby.h
   A standby engine (`--standby`, started by `--supervise` once the running
   engine is ready) does the slow part of a start before it is needed, then
   waits for the running engine's lock on the state region
   (dsp_persist_open(..., wait = true)): the kernel releases it the moment
   that process dies, so a crash is noticed without the supervisor.

   Done ahead: exec and dynamic linking, the engine object, the LV2 bundles
   of the region's current graph (its checkpoint is read without the lock),
   and a JACK client of its own, never activated, named NAME-standby: the
   JACK library maps and locks the server's shared memory (tens of ms)
   once per process, so the real client opened on takeover costs a
   fraction of a first one.  It stays open (inactive) until the engine
   exits: closing it would cost time after a takeover, and a process
   killed inside jack_client_close() can leave libjack's metadata database
   locked for every JACK client of the user.
*/

typedef struct DspStandbyImpl DspStandby;

/**
   Prepare a takeover: open the standby JACK client and load what the
   region's current checkpoint needs into `engine` (its graph is opened
   again from the checkpoint read under the lock).

   @param[out] out New standby to free with dsp_standby_free(); NULL (and
   DSP_SUCCESS) if nothing could be prepared: the takeover then costs a
   normal start.
*/
DspStatus dsp_standby_prepare(const DspOptions* options,
                              DspEngine*        engine,
                              DspStandby**      out,
                              DspError*         err);

/// Close the standby JACK client (at exit).  NULL: no-op.
void dsp_standby_free(DspStandby* standby);

#endif // DSP_STANDBY_H
