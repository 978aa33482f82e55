// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

/**
   @file jackwire.c
   dspguest-jackwire: keeps a JACK client wired to the server's physical
   ports, channel by channel (its inputs from the capture ports, its outputs
   to the playback ports, in registration order; reused cyclically if there
   are fewer), and wires it again whenever a port appears: the engine
   restarting, or NetJack2's net driver finding its master (its
   system:capture_N / system:playback_N exist only while a master is there).

   The guest's /init runs it when the guest's jackd is a NetJack2 slave
   (docs/guest.md).  Event-driven: a port-registration callback wakes the
   main thread (jack_connect cannot be called from a callback); nothing is
   polled.  It has no process callback, so it takes no part in the audio
   cycle.  Exits 1 when the server goes away (the caller restarts it).
*/

#define _GNU_SOURCE

#include <jack/jack.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int         wake_fd[2] = { -1, -1 }; ///< Callback -> main thread
static atomic_bool gone;                    ///< The server shut us down
static atomic_bool stop;                    ///< SIGTERM/SIGINT

static void
wake(void)
{
  const char c = 1;
  // A full pipe already means "rewire": losing this byte is fine
  if (write(wake_fd[1], &c, 1) < 0 && errno != EAGAIN) {
    atomic_store(&gone, true);
  }
}

static void
on_port(const jack_port_id_t port, const int registered, void* const arg)
{
  (void)port;
  (void)arg;
  if (registered) {
    wake();
  }
}

static void
on_shutdown(void* const arg)
{
  (void)arg;
  atomic_store(&gone, true);
  wake();
}

static void
on_signal(const int sig)
{
  (void)sig;
  atomic_store(&stop, true);
  const char c = 1;
  (void)!write(wake_fd[1], &c, 1);
}

/// Wire one direction; returns the number of new connections.
static unsigned
wire_dir(jack_client_t* const client, const char* const name, const bool in)
{
  char pattern[300];
  snprintf(pattern, sizeof(pattern), "^%s:", name);
  // Our client's inputs are fed by the physical capture ports (outputs)
  const char** const mine =
    jack_get_ports(client,
                   pattern,
                   JACK_DEFAULT_AUDIO_TYPE,
                   in ? JackPortIsInput : JackPortIsOutput);
  const char** const phys = jack_get_ports(
    client,
    NULL,
    JACK_DEFAULT_AUDIO_TYPE,
    JackPortIsPhysical | (in ? JackPortIsOutput : JackPortIsInput));
  unsigned made = 0U;
  size_t   n    = 0U;
  while (phys && phys[n]) {
    ++n;
  }
  for (size_t i = 0U; mine && mine[i] && n; ++i) {
    const char* const theirs = phys[i % n];
    const int         r      = in ? jack_connect(client, theirs, mine[i])
                                  : jack_connect(client, mine[i], theirs);
    if (!r) {
      printf("dspguest-jackwire: %s -> %s\n",
             in ? theirs : mine[i],
             in ? mine[i] : theirs);
      ++made;
    } else if (r != EEXIST) {
      fprintf(stderr,
              "dspguest-jackwire: cannot connect %s to %s\n",
              in ? theirs : mine[i],
              in ? mine[i] : theirs);
    }
  }
  jack_free((void*)mine);
  jack_free((void*)phys);
  return made;
}

int
main(int argc, char** argv)
{
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(stderr,
            "usage: dspguest-jackwire CLIENT\n"
            "Keeps CLIENT's audio inputs connected from the physical capture\n"
            "ports and its outputs to the physical playback ports.\n");
    return 2;
  }
  const char* const name = argv[1];
  if (pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK)) {
    perror("dspguest-jackwire: pipe");
    return 1;
  }
  jack_status_t        status = (jack_status_t)0;
  jack_client_t* const client =
    jack_client_open("jackwire", JackNoStartServer, &status);
  if (!client) {
    fprintf(stderr,
            "dspguest-jackwire: no JACK server (status 0x%x)\n",
            (unsigned)status);
    return 1;
  }
  jack_set_port_registration_callback(client, on_port, NULL);
  jack_on_shutdown(client, on_shutdown, NULL);
  if (jack_activate(client)) {
    fprintf(stderr, "dspguest-jackwire: cannot activate\n");
    jack_client_close(client);
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  setvbuf(stdout, NULL, _IOLBF, 0);

  bool dirty = true; // wire once at start
  while (!atomic_load(&stop) && !atomic_load(&gone)) {
    if (dirty) {
      wire_dir(client, name, true);
      wire_dir(client, name, false);
      dirty = false;
    }
    struct pollfd p = { .fd = wake_fd[0], .events = POLLIN };
    if (poll(&p, 1, -1) > 0) {
      // Let a burst of registrations (a client's every port) settle
      usleep(100000);
      char buf[64];
      while (read(wake_fd[0], buf, sizeof(buf)) > 0) {
      }
      dirty = true;
    }
  }
  const int rc = atomic_load(&gone) ? 1 : 0;
  if (!atomic_load(&gone)) {
    jack_client_close(client);
  }
  return rc;
}
