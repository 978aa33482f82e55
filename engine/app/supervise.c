// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#define _GNU_SOURCE // pipe2

#include "supervise.h"

#include "jack_probe.h"

#include "common/timing.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal = 0;

static void
on_signal(const int sig)
{
  stop_signal = sig;
}

static double
mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
real_time(char* const buf, const size_t size)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(buf, size, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
}

void
dsp_supervise_notify_ready(void)
{
  const char* const env = getenv(DSP_SUPERVISE_READY_ENV);
  const int         fd  = env ? atoi(env) : -1;
  if (fd > 2) {
    unsetenv(DSP_SUPERVISE_READY_ENV); // Once per run
    // Kept open: the supervisor sees it close when this process dies
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    const char byte = 1;
    (void)!write(fd, &byte, 1U);
  }
}

/// Say in one line why a restarted engine cannot run, if the server is
/// the cause.  @return true if something was reported.
static bool
check_server(const char* const server, const double bound_s)
{
  const DspProbeResult r    = dsp_jack_probe(server, bound_s);
  const char* const    name = dsp_jack_probe_name(server);
  switch (r) {
  case DSP_PROBE_RUNNING:
    return false;
  case DSP_PROBE_STALLED:
    fprintf(stderr,
            "dspengine: supervise: JACK server \"%s\" is stalled: no process "
            "cycle in %.1f s after the engine died, so it cannot resume "
            "(is jackd stopped or hung? `kill -CONT` a stopped jackd, or "
            "restart the server); still waiting for it\n",
            name,
            bound_s);
    return true;
  case DSP_PROBE_NO_ANSWER:
    fprintf(stderr,
            "dspengine: supervise: JACK server \"%s\" is stalled: it does not "
            "answer a new client within %.1f s after the engine died, so it "
            "cannot resume (is jackd stopped or hung? `kill -CONT` a stopped "
            "jackd, or restart the server); still waiting for it\n",
            name,
            bound_s + 2.5);
    return true;
  case DSP_PROBE_NO_SERVER:
    fprintf(stderr,
            "dspengine: supervise: no JACK server \"%s\" is running: the "
            "engine cannot resume until one is started\n",
            name);
    return true;
  }
  return false;
}

/**
   Wait for child `pid`, whose readiness pipe is `ready_fd`, to die;
   forward SIGINT/SIGTERM to it.  After a crash (`check`), if it is not
   ready within `bound_s`, check the JACK server (once until a child is
   ready again: `*reported`).  `*ready` says whether it became ready.
*/
static pid_t
wait_child(const pid_t       pid,
           const int         ready_fd,
           const bool        check,
           const char* const server,
           const double      bound_s,
           bool* const       reported,
           bool* const       ready_out,
           int* const        ws)
{
  bool         ready    = false;
  const double deadline = mono_s() + bound_s;
  for (;;) {
    int timeout = -1;
    if (check && !ready && !*reported) {
      const double left = deadline - mono_s();
      timeout           = left > 0.0 ? (int)(left * 1000.0) + 1 : 0;
    }
    struct pollfd pfd = { ready_fd, POLLIN, 0 };
    const int     n   = poll(&pfd, 1U, timeout);
    if (n < 0) {
      if (errno != EINTR) {
        break;
      }
      if (stop_signal) {
        kill(pid, (int)stop_signal); // Forward, then wait for it
      }
      continue;
    }
    if (n == 0) {
      *reported = check_server(server, bound_s); // Not ready in time
      if (!*reported) {
        break; // The server runs: nothing more to watch for
      }
      continue;
    }
    char          byte = 0;
    const ssize_t r    = read(ready_fd, &byte, 1U);
    if (r > 0) {
      if (*reported) {
        fprintf(stderr, "dspengine: supervise: the engine runs again\n");
      }
      ready     = true;
      *reported = false;
    } else if (r == 0 || errno != EINTR) {
      break; // Closed: the child is gone
    }
  }
  *ready_out = ready;

  pid_t r = -1;
  while ((r = waitpid(pid, ws, 0)) < 0 && errno == EINTR) {
    if (stop_signal) {
      kill(pid, (int)stop_signal);
    }
  }
  return r;
}

int
dsp_supervise(const int argc, char** const argv, const char* const server)
{
  // The child's command line: ours without --supervise, resuming always
  char** const child_argv = (char**)calloc((size_t)argc + 3U, sizeof(char*));
  if (!child_argv) {
    fprintf(stderr, "dspengine: supervise: out of memory\n");
    return 1;
  }
  int n = 0;
  for (int i = 0; i < argc; ++i) {
    if (strcmp(argv[i], "--supervise")) {
      child_argv[n++] = argv[i];
    }
  }
  child_argv[n++] = (char*)"--resume";
  child_argv[n++] = (char*)"always";

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  // DSP_SUPERVISE_FAILS overrides the limit (0: never give up, no backoff)
  const char* const env       = getenv("DSP_SUPERVISE_FAILS");
  const int         max_fails = env ? atoi(env) : DSP_SUPERVISE_MAX_FAILS;
  int               fails     = 0;
  int               status    = 0;
  // DSP_SUPERVISE_STALL_S: how long a restart may take before the JACK
  // server is checked
  const char* const stall_env = getenv("DSP_SUPERVISE_STALL_S");
  const double      stall_s =
    stall_env && atof(stall_env) > 0.0 ? atof(stall_env) : DSP_SUPERVISE_STALL;
  bool stall_reported = false;
  for (unsigned run = 1U; !stop_signal; ++run) {
    const double started = mono_s();
    int          pfd[2]  = { -1, -1 };
    if (pipe2(pfd, O_CLOEXEC)) {
      fprintf(stderr, "dspengine: supervise: pipe: %s\n", strerror(errno));
      status = 1;
      break;
    }
    dsp_timing_mark("fork");
    const pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "dspengine: supervise: fork: %s\n", strerror(errno));
      close(pfd[0]);
      close(pfd[1]);
      status = 1;
      break;
    }
    if (pid == 0) {
      // The write end goes to the engine, which reports its first block
      char      fd[16];
      const int w = dup(pfd[1]); // Without FD_CLOEXEC
      snprintf(fd, sizeof(fd), "%d", w);
      setenv(DSP_SUPERVISE_READY_ENV, fd, 1);
      execv("/proc/self/exe", child_argv);
      fprintf(stderr, "dspengine: supervise: exec: %s\n", strerror(errno));
      _exit(127);
    }
    close(pfd[1]);

    int         ws    = 0;
    bool        ready = false;
    const pid_t r     = wait_child(
      pid, pfd[0], run > 1U, server, stall_s, &stall_reported, &ready, &ws);
    close(pfd[0]);
    dsp_timing_mark("death-noticed");
    char when[40];
    real_time(when, sizeof(when));
    if (stop_signal) {
      status = (r == pid && WIFEXITED(ws)) ? WEXITSTATUS(ws) : 0;
      break;
    }
    if (r == pid && WIFEXITED(ws)) {
      fprintf(stderr,
              "dspengine: supervise: engine (pid %d) exited with status %d "
              "at %s\n",
              (int)pid,
              WEXITSTATUS(ws),
              when);
      if (WEXITSTATUS(ws) == 0) {
        break; // Orderly exit (/quit): nothing to restart
      }
    } else if (r == pid && WIFSIGNALED(ws)) {
      fprintf(stderr,
              "dspengine: supervise: engine (pid %d) killed by signal %d "
              "(%s) at %s\n",
              (int)pid,
              WTERMSIG(ws),
              strsignal(WTERMSIG(ws)),
              when);
    }

    if (run > 1U && !ready && !stall_reported) {
      // A restarted engine died before its first block: is it the server?
      stall_reported = check_server(server, stall_s);
    }

    // A death within DSP_SUPERVISE_WINDOW of the start is a rapid failure
    fails = mono_s() - started < DSP_SUPERVISE_WINDOW ? fails + 1 : 1;
    if (max_fails > 0 && fails > max_fails) {
      fprintf(stderr,
              "dspengine: supervise: giving up after %d rapid failures\n",
              fails - 1);
      status = 1;
      break;
    }
    // Backoff after the second rapid failure: 10, 20, 40 ... 640 ms
    if (max_fails > 0 && fails > 2) {
      const int shift = fails - 3 < 6 ? fails - 3 : 6;
      usleep(10000U << (unsigned)shift);
    }
    fprintf(stderr, "dspengine: supervise: restart %u\n", run);
  }
  free((void*)child_argv);
  return status;
}
