// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_SUPERVISE_H
#define DSP_SUPERVISE_H

#include <stdbool.h>

/// Most rapid failures in a row before giving up (DSP_SUPERVISE_FAILS
/// overrides it; 0: never give up, and no backoff).
#define DSP_SUPERVISE_MAX_FAILS 10

/// Seconds a child must live for its death not to count as rapid.
#define DSP_SUPERVISE_WINDOW 10.0

/// Seconds a restarted engine may take to process its first block before
/// the supervisor checks the JACK server (DSP_SUPERVISE_STALL_S overrides).
#define DSP_SUPERVISE_STALL 2.0

/// Environment variable naming the child's readiness pipe descriptor.
#define DSP_SUPERVISE_READY_ENV "DSP_SUPERVISE_READY_FD"

/**
   In a supervised engine: tell the supervisor the engine runs (its first
   block was processed).  A no-op when not supervised.
*/
void dsp_supervise_notify_ready(void);

/**
   `dspengine --supervise ...`: run this program again without --supervise
   (and with --resume always) as a child, restart it when it dies (logging
   the exit status or signal), forward SIGINT/SIGTERM to it, back off
   from the third rapid failure in a row on (10 ms, doubling to 640 ms),
   and give up after DSP_SUPERVISE_MAX_FAILS of them.  A child that exits
   with status 0 (an orderly stop) is not restarted.

   After a crash, if the restarted engine has not processed a block within
   DSP_SUPERVISE_STALL seconds (or dies before it does), the JACK server
   `server` (NULL: the default) is probed off the resume path
   (jack_probe.h) and a stalled, unresponsive or missing server is
   reported in one line.

   @return The exit status for the supervisor.
*/
int dsp_supervise(int argc, char** argv, const char* server, bool standby);

#endif // DSP_SUPERVISE_H
