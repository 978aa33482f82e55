// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// A JACK server probe in a child process: a stalled server can leave
// jack_client_open() or jack_client_close() waiting for ever, so the probe
// runs where it can be killed.

#include "jack_probe.h"

#include <jack/jack.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char*
dsp_jack_probe_name(const char* const server)
{
  const char* const env = getenv("JACK_DEFAULT_SERVER");
  return server ? server : (env && env[0]) ? env : "default";
}

/// The probe process: exit status is a DspProbeResult.
static int
probe(const char* const server, const double bound_s)
{
  jack_status_t        status = (jack_status_t)0;
  jack_client_t* const c =
    jack_client_open("dspengine-probe",
                     JackNoStartServer | JackServerName | JackUseExactName,
                     &status,
                     server);
  if (!c) {
    return (status & JackServerFailed) ? DSP_PROBE_NO_SERVER
                                       : DSP_PROBE_NO_ANSWER;
  }
  // The frame time of the last cycle's start, from the server's shared
  // engine state: it moves once per cycle whether or not we are active
  const jack_nframes_t first = jack_last_frame_time(c);
  const double         end   = mono_s() + bound_s;
  while (mono_s() < end) {
    if (jack_last_frame_time(c) != first) {
      jack_client_close(c);
      return DSP_PROBE_RUNNING;
    }
    usleep(2000U);
  }
  _exit(DSP_PROBE_STALLED); // Closing would wait for the stalled server
}

DspProbeResult
dsp_jack_probe(const char* const server, const double bound_s)
{
  const char* const name = dsp_jack_probe_name(server);
  const pid_t       pid  = fork();
  if (pid < 0) {
    return DSP_PROBE_NO_ANSWER;
  }
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    alarm((unsigned)(bound_s + 2.5)); // Default action: terminate
    _exit(probe(name, bound_s));
  }
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(ws) && WEXITSTATUS(ws) <= DSP_PROBE_NO_SERVER) {
    return (DspProbeResult)WEXITSTATUS(ws);
  }
  return DSP_PROBE_NO_ANSWER; // Killed by its alarm: the server hangs
}
