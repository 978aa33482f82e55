// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_SUPERVISE_H
#define DSP_SUPERVISE_H

/// Most rapid failures in a row before giving up (DSP_SUPERVISE_FAILS
/// overrides it; 0: never give up, and no backoff).
#define DSP_SUPERVISE_MAX_FAILS 10

/// Seconds a child must live for its death not to count as rapid.
#define DSP_SUPERVISE_WINDOW 10.0

/**
   `dspengine --supervise ...`: run this program again without --supervise
   (and with --resume always) as a child, restart it when it dies (logging
   the exit status or signal), forward SIGINT/SIGTERM to it, back off
   from the third rapid failure in a row on (10 ms, doubling to 640 ms),
   and give up after DSP_SUPERVISE_MAX_FAILS of them.  A child that exits
   with status 0 (an orderly stop) is not restarted.

   @return The exit status for the supervisor.
*/
int dsp_supervise(int argc, char** argv);

#endif // DSP_SUPERVISE_H
