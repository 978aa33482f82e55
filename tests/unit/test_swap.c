// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Hot-swap on the runtime, offline and deterministic: a sine runs through
// plans that are swapped (plain, during a swap, many in a row), bypassed
// and swapped at a timed frame; the output never steps by more than the
// sine's own slope plus 1e-3 (-60 dBFS), also when a fresh reverb starts
// at any phase of the sine, and a reverb's tail outlives the swap away
// from it.

#include "compile/compile.h"
#include "nodes/setup.h"
#include "rt/runtime.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define BLOCK 256U
#define AMP 0.25

static DspSetup setup;

static DspPlan*
plan_of(const char* const file)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", DSP_SOURCE_ROOT, file);
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  memset(&err, 0, sizeof(err));
  assert_int_equal(dsp_graph_load_file(path, &graph, &err), DSP_SUCCESS);
  if (dsp_compile(graph, &setup.env, &plan, &err)) {
    char buf[1400];
    fail_msg("%s", dsp_error_format(&err, buf, sizeof(buf)));
  }
  return plan;
}

typedef struct {
  DspRuntime* rt;
  uint64_t    frame;
  float       last;
  double      excess;
  uint64_t    excess_at;
  double      slope;
} Run;

/// Process `blocks` blocks of the sine; track the largest excess step.
static void
run(Run* const r, const uint32_t blocks, float* const tail_rms)
{
  float  in_l[BLOCK], in_r[BLOCK], out_l[BLOCK], out_r[BLOCK];
  double sum = 0.0;
  for (uint32_t b = 0U; b < blocks; ++b) {
    for (uint32_t i = 0U; i < BLOCK; ++i) {
      const double t = (double)(r->frame + i) / 48000.0;
      in_l[i] = in_r[i] = (float)(AMP * sin(2.0 * M_PI * 440.0 * t));
    }
    const float* in[]  = { in_l, in_r };
    float*       out[] = { out_l, out_r };
    dsp_runtime_process_at(r->rt, (uint32_t)r->frame, in, 2U, out, 2U, BLOCK);
    for (uint32_t i = 0U; i < BLOCK; ++i) {
      const double step = fabs((double)out_l[i] - r->last) - r->slope;
      if (r->frame + i > 0U && step > r->excess) {
        r->excess    = step;
        r->excess_at = r->frame + i;
      }
      r->last = out_l[i];
      sum += (double)out_l[i] * out_l[i];
    }
    r->frame += BLOCK;
    dsp_runtime_collect(r->rt);
  }
  if (tail_rms) {
    *tail_rms = (float)sqrt(sum / (blocks * (double)BLOCK));
  }
}

static void
test_swaps(void** state)
{
  (void)state;
  DspError err;
  assert_int_equal(dsp_setup_init(&setup, NULL, 48000.0, 1024U, &err), 0);

  Run r;
  memset(&r, 0, sizeof(r));
  // A 0.25 sine at 440 Hz, doubled for the equal-power sum of correlated
  // signals mid-crossfade
  r.slope = 2.0 * M_PI * 440.0 / 48000.0 * AMP;
  r.rt    = dsp_runtime_new(256U);
  assert_non_null(r.rt);
  const char* const trim = "tests/osc/data/trim.json";
  const char* const verb = "graphs/reverb.json";

  DspPlan* plan = plan_of(trim);
  assert_int_equal(dsp_runtime_send_plan(r.rt, plan), 0);
  run(&r, 20U, NULL);

  struct {
    const char* what;
    double      excess;
  } steps[24];
  uint32_t n = 0U;
#define MARK(w)                              \
  do {                                       \
    steps[n].what   = (w);                   \
    steps[n].excess = r.excess;              \
    printf("%-32s excess %.3g at %llu\n",    \
           (w),                              \
           r.excess,                         \
           (unsigned long long)r.excess_at); \
    ++n;                                     \
    r.excess = 0.0;                          \
  } while (0)

  // A fresh reverb starts on the sine mid-waveform: at any phase, its
  // delay lines must not replay a step (its input fades in)
  for (uint32_t k = 0U; k < 6U; ++k) {
    assert_int_equal(dsp_runtime_send_swap(r.rt, plan_of(trim), 50.0, 0.1, -1),
                     0);
    run(&r, 20U + k, NULL);
    assert_int_equal(dsp_runtime_send_swap(r.rt, plan_of(verb), 50.0, 10.0, -1),
                     0);
    run(&r, 24U, NULL); // Past the reverb's 60 ms pre-delay
  }
  MARK("trim -> fresh verb at 6 phases");

  // Plain swap to another reverb
  plan = plan_of(verb);
  assert_int_equal(dsp_runtime_send_swap(r.rt, plan, 50.0, 10.0, -1), 0);
  run(&r, 40U, NULL);
  MARK("swap verb -> verb");

  // Bypass on and off
  assert_int_equal(dsp_runtime_send_bypass(r.rt, plan, 0U, true, 30.0, -1), 0);
  run(&r, 30U, NULL);
  assert_int_equal(dsp_runtime_send_bypass(r.rt, plan, 0U, false, 30.0, -1), 0);
  run(&r, 30U, NULL);
  MARK("bypass verb on, off");

  // A swap during a swap (same block, then a few blocks apart)
  for (uint32_t gap = 0U; gap < 6U; gap += 2U) {
    assert_int_equal(dsp_runtime_send_swap(r.rt, plan_of(verb), 50.0, 10.0, -1),
                     0);
    run(&r, gap, NULL);
    assert_int_equal(dsp_runtime_send_swap(r.rt, plan_of(trim), 50.0, 10.0, -1),
                     0);
    run(&r, 40U, NULL);
    MARK("swap during swap");
  }

  // Many swaps in a row, more than the voices
  for (uint32_t k = 0U; k < 12U; ++k) {
    assert_int_equal(dsp_runtime_send_swap(
                       r.rt, plan_of(k & 1U ? trim : verb), 50.0, 10.0, -1),
                     0);
    run(&r, 3U, NULL);
  }
  run(&r, 40U, NULL);
  MARK("12 swaps 16 ms apart");

  // Timed swap to silence: the tail rings out after it
  assert_int_equal(dsp_runtime_send_swap(r.rt, plan_of(verb), 50.0, 10.0, -1),
                   0);
  run(&r, 60U, NULL);
  const uint64_t at = r.frame + 1000U;
  assert_int_equal(dsp_runtime_send_swap(r.rt,
                                         plan_of("tests/osc/data/mute.json"),
                                         50.0,
                                         10.0,
                                         (int64_t)(uint32_t)at),
                   0);
  run(&r, 10U, NULL);
  MARK("timed swap verb -> mute");
  float tail = 0.0f;
  run(&r, 20U, &tail);
  printf("tail rms %.1f dBFS\n", 20.0 * log10(tail));
  assert_true(tail > 1e-3f);

  for (uint32_t i = 0U; i < n; ++i) {
    if (steps[i].excess >= 1e-3) {
      fail_msg("%s: step %g beyond the slope", steps[i].what, steps[i].excess);
    }
  }

  dsp_runtime_free(r.rt);
  dsp_setup_cleanup(&setup);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_swaps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
