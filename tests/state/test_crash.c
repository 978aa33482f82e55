// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Crash simulation: a child process resumes the checkpoint in the region
// and writes new ones in a loop, reporting each completed generation
// through a pipe; it is SIGKILLed at random moments.  After every kill the
// newest valid checkpoint is at least the last one reported, and its
// content is exactly what was written for it.
//
// DSP_STATE_KILLS sets the number of kills (default 300).

#include "fixture.h"

#include "state/checkpoint.h"
#include "state/region.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define REGION_SIZE (1024U * 1024U)
#define MAX_STATE (64U * 1024U)

/// What the child reports after each completed write.
typedef struct {
  uint64_t generation; ///< Generation written
  uint64_t seq;        ///< Content sequence number
} Report;

static void
child(const char* const path, const int fd)
{
  DspRegion* region = NULL;
  if (dsp_region_open(path, DSP_REGION_CREATE, REGION_SIZE, &region, NULL)) {
    _exit(3);
  }
  // Resume like the engine does: continue from what the region holds.
  DspCheckpoint* cp  = NULL;
  uint64_t       seq = 0U;
  if (!dsp_checkpoint_read(region, &cp, NULL, NULL)) {
    seq = cp->counters.param_changes;
  }
  dsp_checkpoint_free(cp);

  for (;;) {
    ++seq;
    DspCheckpoint* const next = fixture_checkpoint(seq, MAX_STATE);
    DspCheckpointInfo    info;
    if (!next || dsp_checkpoint_write(region, next, &info, NULL)) {
      _exit(4);
    }
    dsp_checkpoint_free(next);
    const Report r = { info.slot.generation, seq };
    if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
      _exit(5);
    }
  }
}

/// Microseconds from fork to the child's first finished write.
static long
time_first_write(const char* const path)
{
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (!pid) {
    close(fds[0]);
    child(path, fds[1]);
  }
  close(fds[1]);

  Report r;
  assert_int_equal(read(fds[0], &r, sizeof(r)), (ssize_t)sizeof(r));
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(fds[0]);
  unlink(path);
  return (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000L;
}

/// Kill a writer `kills` times (DSP_STATE_KILLS overrides) on a region at
/// `path`, waiting up to `max_us` before each kill (longer if this machine
/// is slow, e.g. under a sanitizer, so that kills still land in every
/// phase: start-up, resume and the writes after it).
static void
kill_loop(const char* const path, unsigned kills, long max_us)
{
  const long first_us = time_first_write(path);
  max_us              = first_us * 4L > max_us ? first_us * 4L : max_us;

  const char* const env = getenv("DSP_STATE_KILLS");
  if (env) {
    kills = (unsigned)strtoul(env, NULL, 10);
  }
  srand((unsigned)time(NULL));

  Report   last     = { 0U, 0U };
  size_t   n_writes = 0U;
  unsigned n_mid    = 0U; // Kills that left a slot torn or empty
  for (unsigned k = 0U; k < kills; ++k) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
      close(fds[0]);
      child(path, fds[1]);
    }
    close(fds[1]);

    // Kill during start-up, resume or a write.
    const long            us    = rand() % max_us;
    const struct timespec delay = { us / 1000000L, (us % 1000000L) * 1000L };
    nanosleep(&delay, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status)); // Not an early exit

    Report   r;
    ssize_t  n       = 0;
    unsigned in_kill = 0U;
    while ((n = read(fds[0], &r, sizeof(r))) == (ssize_t)sizeof(r)) {
      assert_true(r.generation > last.generation);
      assert_true(r.seq > last.seq);
      last = r;
      ++n_writes;
      ++in_kill;
    }

    // Keep kills spread over start-up, resume and writes whatever the
    // machine's speed right now (sanitizers, other load): wait longer when
    // a child finished no write, shorter when it finished many
    if (!in_kill && max_us < 20000000L) {
      max_us += max_us / 4L + 1L;
    } else if (in_kill > 16U && max_us > 1000L) {
      max_us -= max_us / 4L;
    }
    assert_true(n == 0); // Reports are atomic (< PIPE_BUF)
    close(fds[0]);

    DspRegion* region = NULL;
    DspError   err;
    if (dsp_region_open(path, DSP_REGION_READ, 0U, &region, &err)) {
      assert_int_equal(last.generation, 0U); // Killed before creating it
      continue;
    }
    DspCheckpoint*    cp = NULL;
    DspCheckpointInfo info;
    const DspStatus   st = dsp_checkpoint_read(region, &cp, &info, &err);
    if (last.generation == 0U) {
      assert_true(st == DSP_SUCCESS || st == DSP_ERR_NOT_FOUND);
    } else {
      if (st) {
        fail_msg("kill %u: %s", k, err.message);
      }
      assert_true(info.slot.generation >= last.generation);
      assert_true(cp->counters.param_changes >= last.seq);
      if (info.slot.generation == last.generation) {
        assert_int_equal(cp->counters.param_changes, last.seq);
      }
      DspCheckpoint* const expected =
        fixture_checkpoint(cp->counters.param_changes, MAX_STATE);
      assert_true(fixture_equal(cp, expected));
      dsp_checkpoint_free(expected);
      n_mid += info.other.condition != DSP_SLOT_VALID;
    }
    if (!st) {
      // The checkpoint the child had finished but not yet reported.
      last.generation = info.slot.generation;
      last.seq        = cp->counters.param_changes;
    }
    dsp_checkpoint_free(cp);
    dsp_region_close(region);
  }
  print_message("%u kills, %zu reported writes, %u kills mid-write, last "
                "generation %llu\n",
                kills,
                n_writes,
                n_mid,
                (unsigned long long)last.generation);
  assert_true(n_writes > kills / 4U);
  unlink(path);
}

static void
test_kill_tmpfs(void** state)
{
  (void)state;
  char path[64];
  kill_loop(fixture_path(path), 300U, 12000L);
}

static void
test_kill_disk(void** state)
{
  (void)state;
  // On a disk file every commit step waits for msync(): most kills land
  // inside a commit, between its steps.
  char path[64];
  snprintf(path, sizeof(path), "/var/tmp/dsp-state-test-%d", (int)getpid());
  unlink(path);
  kill_loop(path, 100U, 30000L);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_kill_tmpfs),
    cmocka_unit_test(test_kill_disk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
