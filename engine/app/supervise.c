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

/// The signal mask to restore in children (SIGINT/SIGTERM are blocked in
/// the supervisor except while it waits in ppoll()).
static sigset_t child_mask;

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

/// A child engine and its readiness pipe.
typedef struct {
  pid_t  pid;     ///< Process, 0 if none
  int    fd;      ///< Read end of its readiness pipe, -1 if none
  bool   ready;   ///< It reported its first block
  double started; ///< Monotonic start (or takeover) time
} Child;

/// Start `argv` as a child with a readiness pipe; false on failure.
static bool
spawn(Child* const c, char** const argv)
{
  int pfd[2] = { -1, -1 };
  if (pipe2(pfd, O_CLOEXEC)) {
    fprintf(stderr, "dspengine: supervise: pipe: %s\n", strerror(errno));
    return false;
  }
  dsp_timing_mark("fork");
  const pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "dspengine: supervise: fork: %s\n", strerror(errno));
    close(pfd[0]);
    close(pfd[1]);
    return false;
  }
  if (pid == 0) {
    // The write end goes to the engine, which reports its first block
    char      fd[16];
    const int w = dup(pfd[1]); // Without FD_CLOEXEC
    snprintf(fd, sizeof(fd), "%d", w);
    setenv(DSP_SUPERVISE_READY_ENV, fd, 1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigprocmask(SIG_SETMASK, &child_mask, NULL);
    execv("/proc/self/exe", argv);
    fprintf(stderr, "dspengine: supervise: exec: %s\n", strerror(errno));
    _exit(127);
  }
  close(pfd[1]);
  *c = (Child){ pid, pfd[0], false, mono_s() };
  return true;
}

/// Reap child `c` (it closed its pipe: it is gone or going) and log how
/// it ended.  @return Its wait status.
static int
reap(Child* const c, const char* const what)
{
  int   ws = 0;
  pid_t r  = -1;
  while ((r = waitpid(c->pid, &ws, 0)) < 0 && errno == EINTR) {
    if (stop_signal) {
      kill(c->pid, (int)stop_signal);
    }
  }
  if (!strcmp(what, "engine")) {
    dsp_timing_mark("death-noticed");
  }
  char when[40];
  real_time(when, sizeof(when));
  if (r == c->pid && WIFEXITED(ws)) {
    fprintf(stderr,
            "dspengine: supervise: %s (pid %d) exited with status %d at %s\n",
            what,
            (int)c->pid,
            WEXITSTATUS(ws),
            when);
  } else if (r == c->pid && WIFSIGNALED(ws)) {
    fprintf(stderr,
            "dspengine: supervise: %s (pid %d) killed by signal %d (%s) at "
            "%s\n",
            what,
            (int)c->pid,
            WTERMSIG(ws),
            strsignal(WTERMSIG(ws)),
            when);
  }
  close(c->fd);
  *c = (Child){ 0, -1, false, 0.0 };
  return ws;
}

/// Read what child `c`'s pipe has: true if it reported ready, false if
/// it closed it (gone).
static bool
read_ready(Child* const c)
{
  char          byte = 0;
  const ssize_t r    = read(c->fd, &byte, 1U);
  if (r > 0) {
    c->ready = true;
    return true;
  }
  return r < 0 && errno == EINTR;
}

int
dsp_supervise(const int         argc,
              char** const      argv,
              const char* const server,
              const bool        standby)
{
  // The children's command lines: ours without --supervise, resuming
  // always; the standby's with --standby
  char** const child_argv = (char**)calloc((size_t)argc + 4U, sizeof(char*));
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
  child_argv[n++]           = (char*)"--resume";
  child_argv[n++]           = (char*)"always";
  char** const standby_argv = (char**)calloc((size_t)n + 2U, sizeof(char*));
  if (!standby_argv) {
    free((void*)child_argv);
    fprintf(stderr, "dspengine: supervise: out of memory\n");
    return 1;
  }
  memcpy((void*)standby_argv, (void*)child_argv, (size_t)n * sizeof(char*));
  standby_argv[n] = (char*)"--standby";

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  // Delivered only inside ppoll(), so none is missed between two waits
  sigset_t stops;
  sigemptyset(&stops);
  sigaddset(&stops, SIGINT);
  sigaddset(&stops, SIGTERM);
  sigprocmask(SIG_BLOCK, &stops, &child_mask);

  // DSP_SUPERVISE_FAILS overrides the limit (0: never give up, no backoff)
  const char* const env       = getenv("DSP_SUPERVISE_FAILS");
  const int         max_fails = env ? atoi(env) : DSP_SUPERVISE_MAX_FAILS;
  // DSP_SUPERVISE_STALL_S: how long a restart may take before the JACK
  // server is checked
  const char* const stall_env = getenv("DSP_SUPERVISE_STALL_S");
  const double      stall_s =
    stall_env && atof(stall_env) > 0.0 ? atof(stall_env) : DSP_SUPERVISE_STALL;

  int      fails          = 0;     // Rapid failures in a row
  int      standby_fails  = 0;     // Standbys that died while waiting
  int      status         = 0;     // Exit status
  bool     stall_reported = false; // Said once until an engine runs again
  bool     restarted      = false; // The active engine replaced a dead one
  unsigned restarts       = 0U;
  Child    active         = { 0, -1, false, 0.0 };
  Child    spare          = { 0, -1, false, 0.0 };
  if (!spawn(&active, child_argv)) {
    status = 1;
  }

  while (active.pid) {
    // A standby once the engine runs (not on the resume path), unless
    // standbys keep dying
    if (standby && active.ready && !spare.pid && !stop_signal &&
        standby_fails < 3) {
      (void)spawn(&spare, standby_argv);
    }

    struct pollfd fds[2]  = { { active.fd, POLLIN, 0 },
                              { spare.pid ? spare.fd : -1, POLLIN, 0 } };
    int           timeout = -1;
    if (restarted && !active.ready && !stall_reported) {
      const double left = active.started + stall_s - mono_s();
      timeout           = left > 0.0 ? (int)(left * 1000.0) + 1 : 0;
    }
    const struct timespec ts = { timeout / 1000, (timeout % 1000) * 1000000L };
    const int rc = ppoll(fds, 2U, timeout < 0 ? NULL : &ts, &child_mask);
    if (rc < 0) {
      if (errno != EINTR) {
        break;
      }
      if (stop_signal) {
        // Forward; a standby leaves at once, the engine writes a clean
        // checkpoint and exits
        if (spare.pid) {
          kill(spare.pid, SIGTERM);
        }
        kill(active.pid, (int)stop_signal);
      }
      continue;
    }
    if (rc == 0) {
      // A restarted engine is not ready in time: is it the server?
      stall_reported = check_server(server, stall_s);
      continue;
    }

    if (fds[1].revents && spare.pid && !read_ready(&spare)) {
      if (!stop_signal) {
        ++standby_fails;
      }
      reap(&spare, "standby engine");
    }
    if (!fds[0].revents) {
      continue;
    }
    if (read_ready(&active)) {
      if (active.ready && stall_reported) {
        fprintf(stderr, "dspengine: supervise: the engine runs again\n");
        stall_reported = false;
      }
      if (active.ready) {
        fprintf(stderr,
                "dspengine: supervise: engine (pid %d) runs\n",
                (int)active.pid);
        standby_fails = 0;
      }
      continue;
    }

    // The engine died
    const bool was_ready = active.ready;
    const int  ws        = reap(&active, "engine");
    if (stop_signal || (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)) {
      // Stopped on purpose (signal forwarded, /quit): nothing to restart
      status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 0;
      if (spare.pid) {
        kill(spare.pid, SIGTERM); // It leaves: the checkpoint is clean
        reap(&spare, "standby engine");
      }
      break;
    }
    if (restarted && !was_ready && !stall_reported) {
      // A restarted engine died before its first block: the server?
      stall_reported = check_server(server, stall_s);
    }

    // A death within DSP_SUPERVISE_WINDOW of the start is a rapid failure
    // (rapid again and again: no standby, back off, give up)
    fails = mono_s() - active.started < DSP_SUPERVISE_WINDOW || !was_ready
              ? fails + 1
              : 1;
    if (max_fails > 0 && fails > max_fails) {
      fprintf(stderr,
              "dspengine: supervise: giving up after %d rapid failures\n",
              fails - 1);
      if (spare.pid) {
        kill(spare.pid, SIGTERM);
        reap(&spare, "standby engine");
      }
      status = 1;
      break;
    }
    ++restarts;
    restarted = true;
    if (spare.pid) {
      // It has the region's lock by now, or will in a moment
      active         = spare;
      active.started = mono_s();
      spare          = (Child){ 0, -1, false, 0.0 };
      fprintf(stderr,
              "dspengine: supervise: restart %u: standby engine (pid %d) "
              "takes over\n",
              restarts,
              (int)active.pid);
      if (active.ready) {
        // Its first block came before the death was handled
        fprintf(stderr,
                "dspengine: supervise: engine (pid %d) runs\n",
                (int)active.pid);
      }
      continue;
    }
    // Backoff after the second rapid failure: 10, 20, 40 ... 640 ms
    if (max_fails > 0 && fails > 2) {
      const int shift = fails - 3 < 6 ? fails - 3 : 6;
      usleep(10000U << (unsigned)shift);
    }
    fprintf(stderr, "dspengine: supervise: restart %u\n", restarts);
    if (!spawn(&active, child_argv)) {
      status = 1;
    }
  }
  sigprocmask(SIG_SETMASK, &child_mask, NULL);
  free((void*)standby_argv);
  free((void*)child_argv);
  return status;
}
