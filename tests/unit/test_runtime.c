// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Runtime: parameter ramps (shape, length, jumps), and the statistics the
// audio thread publishes (peaks, cycles, frames).

#include "compile/compile.h"
#include "rt/runtime.h"
#include "rt/smooth.h"
#include "rt/stats.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const DspNodeEnv env = { 48000.0, 256U, NULL, NULL, false, NULL };

/// A gain node between one input and one output, ramp_ms as given.
static DspPlan*
gain_plan(const char* const ramp)
{
  char json[512];
  snprintf(json,
           sizeof(json),
           "{\"name\": \"g\", \"inputs\": [\"i\"], \"outputs\": [\"o\"], %s"
           "\"nodes\": [{\"id\": \"g\", \"kind\": \"gain\"}],"
           "\"connections\": [{\"from\": \"graph:i\", \"to\": \"g:in0\"},"
           "{\"from\": \"g:out0\", \"to\": \"graph:o\"}]}",
           ramp);
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  assert_int_equal(dsp_graph_load_string(json, "g.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_compile(graph, &env, &plan, &err), DSP_SUCCESS);
  return plan;
}

/// Run `n` frames of constant 1.0 through the runtime into `y`.
static void
run_ones(DspRuntime* const rt, float* const y, const uint32_t n)
{
  static float ones[4096];
  for (uint32_t i = 0U; i < n; ++i) {
    ones[i] = 1.0f;
  }
  const float* in[]  = { ones };
  float*       out[] = { y };
  dsp_runtime_process(rt, in, 1U, out, 1U, n);
}

static float
gain_of(const float db)
{
  return powf(10.0f, db / 20.0f);
}

static void
test_ramp_shape(void** state)
{
  (void)state;
  DspRuntime* const rt   = dsp_runtime_new(64U);
  DspPlan* const    plan = gain_plan("\"ramp_ms\": 10, ");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);

  float y[2048];
  run_ones(rt, y, 256U);
  assert_float_equal(y[255], 1.0f, 1e-7);

  // -20 dB with the graph's 10 ms ramp: 480 frames at 48 kHz
  assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, -20.0f, -1.0),
                   DSP_SUCCESS);
  run_ones(rt, y, 1024U);

  // The dB value moves in equal steps per sub-block: never a jump larger
  // than one step, monotonic, and exactly at the target after the ramp
  const float step_db = 20.0f * (float)DSP_SMOOTH_CHUNK / 480.0f;
  float       prev    = 1.0f;
  for (uint32_t i = 0U; i < 1024U; ++i) {
    assert_true(y[i] <= prev + 1e-7f);
    const float jump_db = 20.0f * log10f(prev / y[i]);
    assert_true(jump_db <= step_db + 1e-3f);
    prev = y[i];
  }
  assert_true(y[0] < 1.0f);              // moving from the first sub-block
  assert_true(y[240] > gain_of(-20.0f)); // halfway: not there yet
  assert_float_equal(y[479], gain_of(-20.0f), 1e-6);
  assert_float_equal(y[1023], gain_of(-20.0f), 1e-6);

  // An explicit 0 ms ramp jumps at the next block
  assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, 0.0f, 0.0),
                   DSP_SUCCESS);
  run_ones(rt, y, 64U);
  assert_float_equal(y[0], 1.0f, 1e-7);

  dsp_runtime_free(rt);
}

static void
test_ramp_then_jump_repeated(void** state)
{
  (void)state;
  // Regression (found by fuzz-osc): ramps ended by a jump and restarted
  // before the audio thread advanced them were listed again each time and
  // overran the list of ramps in progress
  DspRuntime* const rt   = dsp_runtime_new(4096U);
  DspPlan* const    plan = gain_plan("\"ramp_ms\": 10, ");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);
  for (int i = 0; i < 500; ++i) {
    assert_int_equal(dsp_runtime_send_param_ramp(
                       rt, plan, 0U, 0U, (float)(i % 20) - 30.0f, 5.0),
                     DSP_SUCCESS);
    assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, -40.0f, 0.0),
                     DSP_SUCCESS);
  }
  assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, -6.0f, 1.0),
                   DSP_SUCCESS);
  float y[512];
  run_ones(rt, y, 512U); // all 1001 changes applied in one cycle
  assert_true(plan->n_ramping <= plan->n_ramps);
  assert_float_equal(y[511], gain_of(-6.0f), 1e-6);
  run_ones(rt, y, 64U);
  assert_int_equal(plan->n_ramping, 0U);
  dsp_runtime_free(rt);
}

static void
test_ramp_disabled_by_graph(void** state)
{
  (void)state;
  DspRuntime* const rt   = dsp_runtime_new(64U);
  DspPlan* const    plan = gain_plan("\"ramp_ms\": 0, ");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, -6.0f, -1.0),
                   DSP_SUCCESS);
  float y[128];
  run_ones(rt, y, 128U);
  assert_float_equal(y[0], gain_of(-6.0f), 1e-6);
  dsp_runtime_free(rt);
}

static void
test_default_ramp_is_short(void** state)
{
  (void)state;
  // No ramp_ms in the graph: a few milliseconds by default
  DspRuntime* const rt   = dsp_runtime_new(64U);
  DspPlan* const    plan = gain_plan("");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_param_ramp(rt, plan, 0U, 0U, -12.0f, -1.0),
                   DSP_SUCCESS);
  float y[2048];
  run_ones(rt, y, 2048U);
  assert_true(y[0] > gain_of(-12.0f) + 0.01f);        // smoothed, not a jump
  assert_float_equal(y[1000], gain_of(-12.0f), 1e-6); // done within ~20 ms
  dsp_runtime_free(rt);
}

static void
test_stats(void** state)
{
  (void)state;
  DspRuntime* const rt   = dsp_runtime_new(64U);
  DspPlan* const    plan = gain_plan("");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);

  DspRuntimeStats stats;
  dsp_runtime_stats(rt, &stats);
  assert_int_equal(stats.windows, 0);

  // 0.5 s of a signal whose peak is 0.75 (odd length: not a multiple of 4)
  static float x[24001];
  static float y[24001];
  for (uint32_t i = 0U; i < 24001U; ++i) {
    x[i] = 0.5f * sinf((float)i * 0.01f);
  }
  x[23999] = -0.75f;
  for (uint32_t off = 0U; off < 24001U;) {
    const uint32_t n     = 24001U - off < 250U ? 24001U - off : 250U;
    const float*   in[]  = { x + off };
    float*         out[] = { y + off };
    dsp_runtime_process(rt, in, 1U, out, 1U, n);
    off += n;
  }

  dsp_runtime_stats(rt, &stats);
  assert_true(stats.windows >= 4U); // about every 100 ms of audio
  // Published at the end of each ~100 ms window: the last one ends at
  // 20250 frames (81 calls of 250)
  assert_int_equal(stats.cycles, 81U);
  assert_int_equal(stats.frames, 81U * 250U);
  assert_int_equal(stats.period_frames, 250U);
  assert_int_equal(stats.n_outputs, 1U);
  assert_true(stats.max_us_total > 0.0);
  assert_true(stats.load >= 0.0);

  // One more window that contains the -0.75 sample: its peak is metered,
  // and its RMS covers the frames since the last window (20250..24000 of
  // the sine) and this call
  double sumsq = 0.5625;
  for (uint32_t i = 20250U; i < 24001U; ++i) {
    sumsq += (double)y[i] * (double)y[i];
  }
  memset(x, 0, sizeof(x));
  x[3]               = -0.75f;
  const float* in[]  = { x };
  float*       out[] = { y };
  dsp_runtime_process(rt, in, 1U, out, 1U, 4801U);
  dsp_runtime_stats(rt, &stats);
  assert_float_equal(stats.peak[0], 0.75f, 1e-7);
  assert_float_equal(stats.rms[0], sqrt(sumsq / (3751.0 + 4801.0)), 1e-6);
  dsp_runtime_free(rt);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ramp_shape),
    cmocka_unit_test(test_ramp_then_jump_repeated),
    cmocka_unit_test(test_ramp_disabled_by_graph),
    cmocka_unit_test(test_default_ramp_is_short),
    cmocka_unit_test(test_stats),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
