// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/*
  passthru [--name NAME] [--channels N]

  The floor of a JACK effect client: N inputs (in_1..), N outputs
  (out_1..), and a process callback that only copies each input buffer to
  its output.  Used by bench/jack/jack_bench.sh to measure what one client
  in the chain costs before it does any DSP.  Runs until SIGINT/SIGTERM;
  prints "passthru: ready" on stderr once active.
*/

#include <jack/jack.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSTHRU_MAX_CH 8

static jack_port_t*          ins[PASSTHRU_MAX_CH];
static jack_port_t*          outs[PASSTHRU_MAX_CH];
static unsigned              n_ch = 2;
static volatile sig_atomic_t quit;

static int
process(jack_nframes_t n, void* arg)
{
  (void)arg;
  for (unsigned c = 0; c < n_ch; ++c) {
    const float* in  = jack_port_get_buffer(ins[c], n);
    float*       out = jack_port_get_buffer(outs[c], n);
    memcpy(out, in, n * sizeof(float));
  }
  return 0;
}

static void
on_signal(int sig)
{
  (void)sig;
  quit = 1;
}

static void
on_shutdown(void* arg)
{
  (void)arg;
  quit = 1;
}

int
main(int argc, char** argv)
{
  const char* name = "passthru";
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--name") && i + 1 < argc) {
      name = argv[++i];
    } else if (!strcmp(argv[i], "--channels") && i + 1 < argc) {
      n_ch = (unsigned)atoi(argv[++i]);
      if (n_ch < 1 || n_ch > PASSTHRU_MAX_CH) {
        fprintf(
          stderr, "passthru: --channels must be 1..%d\n", PASSTHRU_MAX_CH);
        return 2;
      }
    } else {
      fprintf(stderr, "usage: passthru [--name NAME] [--channels N]\n");
      return 2;
    }
  }

  jack_status_t  status = 0;
  jack_client_t* client = jack_client_open(name, JackNoStartServer, &status);
  if (!client) {
    fprintf(stderr,
            "passthru: cannot join the JACK server (status 0x%x)\n",
            (unsigned)status);
    return 1;
  }
  for (unsigned c = 0; c < n_ch; ++c) {
    char pname[32];
    snprintf(pname, sizeof pname, "in_%u", c + 1);
    ins[c] = jack_port_register(
      client, pname, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    snprintf(pname, sizeof pname, "out_%u", c + 1);
    outs[c] = jack_port_register(
      client, pname, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    if (!ins[c] || !outs[c]) {
      fprintf(stderr, "passthru: cannot register ports\n");
      jack_client_close(client);
      return 1;
    }
  }
  jack_set_process_callback(client, process, NULL);
  jack_on_shutdown(client, on_shutdown, NULL);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (jack_activate(client)) {
    fprintf(stderr, "passthru: cannot activate\n");
    jack_client_close(client);
    return 1;
  }
  fprintf(stderr,
          "passthru: ready (realtime %s)\n",
          jack_is_realtime(client) ? "yes" : "no");
  while (!quit) {
    usleep(50000);
  }
  jack_deactivate(client);
  jack_client_close(client);
  return 0;
}
