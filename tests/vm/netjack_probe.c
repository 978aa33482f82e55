// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/**
   @file netjack_probe.c
   The host side of the NetJack2 test (tests/vm/vmtest.py netjack): a JACK
   client of the host's server that plays a known signal into the guest's
   NetJack2 session and records what comes back.

   usage: netjack-probe SLAVE SECONDS OUT.f32 [LEAD_S]

   Plays, on channel c (0, 1, ...), silence for LEAD_S seconds (default 0.5)
   and then a sine of amplitude 0.5 at 440 * (c + 1) * 1.5^c Hz into
   SLAVE:to_slave_<c+1>, and records SLAVE:from_slave_<c+1>, for SECONDS.
   OUT.f32 gets, per frame, the sent then the received sample of every
   channel (float32, native order).  The first line on stdout is
   "recording RATE PERIOD CHANNELS" once the ports are connected; the
   caller changes things in the guest meanwhile and analyses the file.
*/

#define _GNU_SOURCE

#include <jack/jack.h>

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CH 8

typedef struct {
  jack_port_t*  out[MAX_CH]; ///< To the guest (SLAVE:to_slave_N)
  jack_port_t*  in[MAX_CH];  ///< From the guest (SLAVE:from_slave_N)
  unsigned      n_ch;        ///< Channels
  double        step[MAX_CH];
  double        phase[MAX_CH];
  float*        rec;    ///< frames * 2 * n_ch, preallocated
  size_t        frames; ///< Capacity in frames
  size_t        lead;   ///< Silent frames before the sine
  atomic_size_t pos;    ///< Frames recorded (written by the callback)
} Probe;

/// [RT] Play and record into the preallocated buffer.
static int
process(const jack_nframes_t n, void* const arg)
{
  Probe* const p   = (Probe*)arg;
  const size_t pos = atomic_load_explicit(&p->pos, memory_order_relaxed);
  for (unsigned c = 0U; c < p->n_ch; ++c) {
    float* const       out = (float*)jack_port_get_buffer(p->out[c], n);
    const float* const in  = (const float*)jack_port_get_buffer(p->in[c], n);
    for (jack_nframes_t i = 0U; i < n; ++i) {
      const size_t f = pos + i;
      float        s = 0.0f;
      if (f >= p->lead) {
        s = (float)(0.5 * sin(p->phase[c]));
        p->phase[c] += p->step[c];
      }
      out[i] = s;
      if (f < p->frames) {
        p->rec[(f * p->n_ch + c) * 2U]      = s;
        p->rec[(f * p->n_ch + c) * 2U + 1U] = in[i];
      }
    }
  }
  atomic_store_explicit(&p->pos, pos + n, memory_order_release);
  return 0;
}

int
main(int argc, char** argv)
{
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: netjack-probe SLAVE SECONDS OUT.f32 [LEAD_S]\n");
    return 2;
  }
  const char* const    slave   = argv[1];
  const double         seconds = atof(argv[2]);
  const double         lead_s  = argc == 5 ? atof(argv[4]) : 0.5;
  jack_status_t        status  = (jack_status_t)0;
  jack_client_t* const client =
    jack_client_open("netjack-probe", JackNoStartServer, &status);
  if (!client) {
    fprintf(stderr, "netjack-probe: no JACK server (0x%x)\n", (unsigned)status);
    return 1;
  }

  // As many channels as the slave's session has
  static Probe p;
  char         name[320];
  for (p.n_ch = 0U; p.n_ch < MAX_CH; ++p.n_ch) {
    snprintf(name, sizeof(name), "%s:to_slave_%u", slave, p.n_ch + 1U);
    if (!jack_port_by_name(client, name)) {
      break;
    }
  }
  if (!p.n_ch) {
    fprintf(stderr, "netjack-probe: no port %s:to_slave_1\n", slave);
    jack_client_close(client);
    return 1;
  }
  const double rate = jack_get_sample_rate(client);
  p.frames          = (size_t)(seconds * rate);
  p.lead            = (size_t)(lead_s * rate);
  p.rec             = (float*)calloc(p.frames * 2U * p.n_ch, sizeof(float));
  if (!p.rec) {
    fprintf(stderr, "netjack-probe: out of memory\n");
    return 1;
  }
  for (unsigned c = 0U; c < p.n_ch; ++c) {
    const double freq = 440.0 * (c + 1U) * pow(1.5, c);
    p.step[c]         = 2.0 * M_PI * freq / rate;
    snprintf(name, sizeof(name), "out_%u", c + 1U);
    p.out[c] = jack_port_register(
      client, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    snprintf(name, sizeof(name), "in_%u", c + 1U);
    p.in[c] = jack_port_register(
      client, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    if (!p.out[c] || !p.in[c]) {
      fprintf(stderr, "netjack-probe: cannot register ports\n");
      return 1;
    }
  }
  jack_set_process_callback(client, process, &p);
  if (jack_activate(client)) {
    fprintf(stderr, "netjack-probe: cannot activate\n");
    return 1;
  }
  for (unsigned c = 0U; c < p.n_ch; ++c) {
    char theirs[320];
    snprintf(theirs, sizeof(theirs), "%s:to_slave_%u", slave, c + 1U);
    const int a = jack_connect(client, jack_port_name(p.out[c]), theirs);
    snprintf(theirs, sizeof(theirs), "%s:from_slave_%u", slave, c + 1U);
    const int b = jack_connect(client, theirs, jack_port_name(p.in[c]));
    if (a || b) {
      fprintf(stderr, "netjack-probe: cannot connect channel %u\n", c + 1U);
      return 1;
    }
  }
  printf("recording %.0f %u %u\n",
         rate,
         (unsigned)jack_get_buffer_size(client),
         p.n_ch);
  fflush(stdout);

  // Bounded wait: twice the duration, then whatever was recorded
  const struct timespec tick = { 0, 20000000 };
  for (unsigned i = 0U;
       i < (unsigned)(seconds * 100.0) + 500U &&
       atomic_load_explicit(&p.pos, memory_order_acquire) < p.frames;
       ++i) {
    nanosleep(&tick, NULL);
  }
  jack_deactivate(client);
  const size_t got = atomic_load(&p.pos);
  jack_client_close(client);

  FILE* const  f = fopen(argv[3], "wb");
  const size_t n = got < p.frames ? got : p.frames;
  if (!f || fwrite(p.rec, sizeof(float) * 2U * p.n_ch, n, f) != n ||
      fclose(f)) {
    fprintf(stderr, "netjack-probe: cannot write %s\n", argv[3]);
    return 1;
  }
  free(p.rec);
  printf("recorded %zu frames\n", n);
  return n == p.frames ? 0 : 1;
}
