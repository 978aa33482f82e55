// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// portwatch PREFIX: a JACK client that prints `registered PORT SECONDS`
// (CLOCK_REALTIME) each time a port whose name starts with PREFIX is
// registered, until killed.  bench/resume/run.sh times a restarted jalv
// with it: jalv prints nothing when it starts processing, and registers
// its ports just before it activates.

#include <jack/jack.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static jack_client_t* client = NULL;
static const char*    prefix = "";

// JACK's notification thread, not the process thread: it may print
static void
on_port(const jack_port_id_t id, const int registered, void* const data)
{
  (void)data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  const jack_port_t* const port = jack_port_by_id(client, id);
  const char* const        name = port ? jack_port_name(port) : NULL;
  if (registered && name && !strncmp(name, prefix, strlen(prefix))) {
    printf(
      "registered %s %lld.%09ld\n", name, (long long)ts.tv_sec, ts.tv_nsec);
    fflush(stdout);
  }
}

int
main(const int argc, char** const argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: portwatch PREFIX\n");
    return 2;
  }
  prefix = argv[1];
  if (!(client = jack_client_open("portwatch", JackNoStartServer, NULL))) {
    fprintf(stderr, "portwatch: no JACK server\n");
    return 1;
  }
  jack_set_port_registration_callback(client, on_port, NULL);
  if (jack_activate(client)) {
    fprintf(stderr, "portwatch: cannot activate\n");
    return 1;
  }
  printf("watching\n");
  fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sig = 0;
  sigwait(&set, &sig);
  jack_client_close(client);
  return 0;
}
