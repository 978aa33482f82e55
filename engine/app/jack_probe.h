// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_JACK_PROBE_H
#define DSP_JACK_PROBE_H

/**
   @file jack_probe.h
   Is a JACK server alive and cycling?  Used by the supervisor after the
   engine died (supervise.c), never on the engine's own resume path.
*/

/// What dsp_jack_probe() found.
typedef enum {
  DSP_PROBE_RUNNING,   ///< The server's frame time advances
  DSP_PROBE_STALLED,   ///< Connected, but no cycle ran within the bound
  DSP_PROBE_NO_ANSWER, ///< The server did not answer a client in time
  DSP_PROBE_NO_SERVER, ///< No server of that name is running
} DspProbeResult;

/**
   Probe server `server` (NULL: $JACK_DEFAULT_SERVER, else "default") from
   a forked process: open a client (never starting a server), and wait up
   to `bound_s` seconds for the frame time of the last cycle to move.  The
   process is killed after `bound_s` + 2 s if the server does not answer.
   Blocks the caller for at most that long.
*/
DspProbeResult dsp_jack_probe(const char* server, double bound_s);

/// The server name a probe of `server` uses (as above; static storage).
const char* dsp_jack_probe_name(const char* server);

#endif // DSP_JACK_PROBE_H
