// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  jload SECONDS

  Samples the server's jack_cpu_load() every 100 ms for SECONDS and prints
  one line:

    jload: samples N mean M median D max X xruns C frames F

  The client is opened but never activated, so it is not in the process
  graph and adds no work to the cycle; jack_cpu_load() reads the server's
  own figure (the share of the period the whole graph took, averaged by the
  server).  "xruns" counts xrun notifications seen while sampling (libjack
  may deliver these only to active clients: jack_bench.sh counts jackd's
  log lines instead).  "frames" is jack_frame_time() elapsed over the
  window.  Note: jack_cpu_load() is wrong once a cycle overruns its period.
*/

#include <jack/jack.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int xruns;

static int
on_xrun(void* arg)
{
  (void)arg;
  ++xruns;
  return 0;
}

static int
cmp_float(const void* a, const void* b)
{
  const float x = *(const float*)a;
  const float y = *(const float*)b;
  return (x > y) - (x < y);
}

int
main(int argc, char** argv)
{
  if (argc != 2 || atof(argv[1]) <= 0) {
    fprintf(stderr, "usage: jload SECONDS\n");
    return 2;
  }
  const int      n      = (int)(atof(argv[1]) * 10.0);
  jack_status_t  status = 0;
  jack_client_t* client = jack_client_open("jload", JackNoStartServer, &status);
  if (!client) {
    fprintf(stderr,
            "jload: cannot join the JACK server (status 0x%x)\n",
            (unsigned)status);
    return 1;
  }
  jack_set_xrun_callback(client, on_xrun, NULL);
  float* s = calloc((size_t)n, sizeof *s);
  if (!s) {
    return 1;
  }
  const jack_nframes_t f0 = jack_frame_time(client);
  struct timespec      next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (int i = 0; i < n; ++i) {
    next.tv_nsec += 100000000L;
    if (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    s[i] = jack_cpu_load(client);
  }
  const jack_nframes_t f1  = jack_frame_time(client);
  double               sum = 0.0;
  for (int i = 0; i < n; ++i) {
    sum += s[i];
  }
  qsort(s, (size_t)n, sizeof *s, cmp_float);
  printf(
    "jload: samples %d mean %.3f median %.3f max %.3f xruns %d frames %u\n",
    n,
    sum / n,
    (double)s[n / 2],
    (double)s[n - 1],
    xruns,
    (unsigned)(f1 - f0));
  free(s);
  jack_client_close(client);
  return 0;
}
