// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#include "supervise.h"

#include <errno.h>
#include <signal.h>
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

int
dsp_supervise(const int argc, char** const argv)
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
  for (unsigned run = 1U; !stop_signal; ++run) {
    const double started = mono_s();
    const pid_t  pid     = fork();
    if (pid < 0) {
      fprintf(stderr, "dspengine: supervise: fork: %s\n", strerror(errno));
      status = 1;
      break;
    }
    if (pid == 0) {
      execv("/proc/self/exe", child_argv);
      fprintf(stderr, "dspengine: supervise: exec: %s\n", strerror(errno));
      _exit(127);
    }

    int   ws = 0;
    pid_t r  = -1;
    while ((r = waitpid(pid, &ws, 0)) < 0 && errno == EINTR) {
      if (stop_signal) {
        kill(pid, (int)stop_signal); // Forward, then wait for it
      }
    }
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
