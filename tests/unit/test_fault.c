// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Faulty-node isolation (docs/realtime.md#faulty-nodes): each detector
// criterion triggers, legitimate signals do not; a plan with the
// misbehaving Faust fixture in parallel with a clean path keeps playing the
// clean path, posts one fault event naming the node, and is re-armed with
// and without a reset; FTZ/DAZ hold on any thread that runs a plan.

#include "compile/compile.h"
#include "rt/denormal.h"
#include "rt/fault.h"
#include "rt/runtime.h"
#include "rt/stats.h"

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#if defined(__SSE__)
#  include <xmmintrin.h>
#endif

#define RATE 48000.0
#define BLOCK 256U

static const DspNodeEnv env = { RATE, BLOCK, NULL, NULL, false, NULL };

/// Feed `seconds` of `gen(frame)` to a detector in BLOCK-frame blocks;
/// return the first fault and the frame count at which it tripped.
typedef float (*Gen)(uint64_t frame);

static DspFaultKind
detect(const Gen       gen,
       const double    seconds,
       const bool      check_level,
       uint64_t* const at)
{
  const DspFaultLimits limits   = dsp_fault_limits(RATE);
  int32_t              held     = 0;
  uint32_t             denormal = 0U;
  const uint64_t       total    = (uint64_t)(seconds * RATE);
  float                buf[BLOCK];
  for (uint64_t start = 0U; start < total; start += BLOCK) {
    for (uint32_t i = 0U; i < BLOCK; ++i) {
      buf[i] = gen(start + i);
    }
    DspFaultScan scan;
    bool         storm = false;
    float        value = 0.0f;
    dsp_fault_scan(buf, BLOCK, check_level, &scan);
    const DspFaultKind kind = dsp_fault_judge(
      &scan, BLOCK, &held, &limits, check_level, &storm, &value);
    denormal = storm ? denormal + BLOCK : 0U;
    if (kind != DSP_FAULT_NONE || denormal >= limits.hold) {
      *at = start + BLOCK;
      return kind != DSP_FAULT_NONE ? kind : DSP_FAULT_DENORMAL;
    }
  }
  *at = total;
  return DSP_FAULT_NONE;
}

static float
bits_float(const uint32_t u)
{
  float x = 0.0f;
  memcpy(&x, &u, sizeof(x));
  return x;
}

static float
gen_nan_once(const uint64_t f)
{
  return f == 1000U ? NAN : 0.1f * sinf((float)f * 0.05f);
}
static float
gen_inf_once(const uint64_t f)
{
  return f == 3001U ? -INFINITY : 0.1f;
}
static float
gen_dc_full(const uint64_t f)
{
  (void)f;
  return 1.0f;
}
static float
gen_dc_neg(const uint64_t f)
{
  (void)f;
  return -1.25f;
}
static float
gen_subnormal(const uint64_t f)
{
  return bits_float(0x00000100U + (uint32_t)(f & 0xFFU)); // ~3.6e-43
}
/// Full-scale square wave at `square_hz`, as a distortion pedal makes it.
static double square_hz = 10.0;
static float
gen_square(const uint64_t f)
{
  return fmod((double)f * square_hz / RATE, 1.0) < 0.5 ? 1.0f : -1.0f;
}
static float
gen_loud_sine(const uint64_t f)
{
  return 8.0f * sinf((float)f * 2.0f * 3.14159265f * 50.0f / 48000.0f);
}
static float
gen_silence(const uint64_t f)
{
  (void)f;
  return 0.0f;
}
static float
gen_quiet(const uint64_t f)
{
  return 1e-30f * (float)((f * 2654435761U) % 1000U); // Normal, tiny
}
static float
gen_mixed_subnormal(const uint64_t f)
{
  return (f % 64U) ? bits_float(0x00000100U) : 1e-6f; // A few normal ones
}

static void
test_criteria_trigger(void** state)
{
  (void)state;
  const uint32_t hold = dsp_fault_limits(RATE).hold;
  uint64_t       at   = 0U;

  assert_int_equal(hold, 4800U); // 100 ms
  assert_int_equal(detect(gen_nan_once, 1.0, true, &at), DSP_FAULT_NAN);
  assert_int_equal(at, 1024U); // The block that holds it
  assert_int_equal(detect(gen_inf_once, 1.0, true, &at), DSP_FAULT_NAN);
  assert_int_equal(at, 3072U);

  // Stuck: the first block end at or after 100 ms, not before
  assert_int_equal(detect(gen_dc_full, 1.0, true, &at), DSP_FAULT_STUCK);
  assert_int_equal(at, 4864U);
  assert_int_equal(detect(gen_dc_neg, 1.0, true, &at), DSP_FAULT_STUCK);
  assert_int_equal(at, 4864U);
  assert_int_equal(detect(gen_dc_full, 0.09, true, &at), DSP_FAULT_NONE);

  // Denormal storm, held 100 ms
  assert_int_equal(detect(gen_subnormal, 1.0, true, &at), DSP_FAULT_DENORMAL);
  assert_int_equal(at, 4864U);
  // NaN is caught on CV outputs too
  assert_int_equal(detect(gen_nan_once, 1.0, false, &at), DSP_FAULT_NAN);
}

static void
test_legitimate_signals(void** state)
{
  (void)state;
  uint64_t at = 0U;

  // A full-scale square wave: even at 5.1 Hz (a half period of 98 ms, just
  // under the hold) it changes sign before the hold is reached
  const double freqs[] = { 5.1, 10.0, 41.0, 440.0, 5000.0 };
  for (size_t k = 0U; k < sizeof(freqs) / sizeof(freqs[0]); ++k) {
    square_hz = freqs[k];
    assert_int_equal(detect(gen_square, 3.0, true, &at), DSP_FAULT_NONE);
  }
  // ... but a 4 Hz one (125 ms per half) holds too long: it is DC to us
  square_hz = 4.0;
  assert_int_equal(detect(gen_square, 3.0, true, &at), DSP_FAULT_STUCK);

  assert_int_equal(detect(gen_loud_sine, 3.0, true, &at), DSP_FAULT_NONE);
  assert_int_equal(detect(gen_silence, 3.0, true, &at), DSP_FAULT_NONE);
  assert_int_equal(detect(gen_quiet, 3.0, true, &at), DSP_FAULT_NONE);
  assert_int_equal(detect(gen_mixed_subnormal, 3.0, true, &at), DSP_FAULT_NONE);
  // A gate held at 1.0 on a CV output is not stuck
  assert_int_equal(detect(gen_dc_full, 3.0, false, &at), DSP_FAULT_NONE);
}

static void
test_scan_tail(void** state)
{
  (void)state;
  // Lengths that are not a multiple of 4 reach the scalar tail
  float buf[7] = { 0.5f, -0.25f, 0.0f, 0.125f, 2.0f, -3.0f, 0.0f };
  for (uint32_t n = 1U; n <= 7U; ++n) {
    buf[n - 1U] = NAN;
    DspFaultScan scan;
    dsp_fault_scan(buf, n, true, &scan);
    assert_false(isfinite(scan.sum));
    buf[n - 1U] = 0.0f;
  }
  // At full scale from the first sample: min and max are computed
  const float  vals[7] = { 2.0f, -0.25f, 0.0f, 0.125f, 0.5f, -3.0f, -4.0f };
  DspFaultScan scan;
  memcpy(buf, vals, sizeof(buf));
  dsp_fault_scan(buf, 7U, true, &scan);
  assert_float_equal(scan.min, -4.0f, 0.0f);
  assert_float_equal(scan.max, 2.0f, 0.0f);
  // Not on a CV output, nor when the first sample is ordinary
  dsp_fault_scan(buf, 7U, false, &scan);
  assert_float_equal(scan.min, 0.0f, 0.0f);
  buf[0] = 0.5f;
  dsp_fault_scan(buf, 7U, true, &scan);
  assert_float_equal(scan.max, 0.0f, 0.0f);
  assert_float_equal(scan.sum, 0.5f - 0.25f + 0.125f + 0.5f - 7.0f, 1e-6f);
}

// The plan: the fixture in parallel with a clean gain (tests/faust/data)

static DspPlan*
faulty_plan(const char* const on_fault)
{
  char json[2048];
  snprintf(json,
           sizeof(json),
           "{\"name\": \"f\", \"inputs\": [\"l\", \"r\"],"
           " \"outputs\": [\"l\", \"r\"], \"nodes\": ["
           "{\"id\": \"bad\", \"kind\": \"faust\", \"file\":"
           " \"%s/tests/faust/data/misbehave.dsp\", \"on_fault\": \"%s\"},"
           "{\"id\": \"clean\", \"kind\": \"gain\", \"channels\": 2}],"
           "\"connections\": [{\"from\": \"graph:l\", \"to\": \"bad:in0\"},"
           "{\"from\": \"graph:l\", \"to\": \"clean:in0\"},"
           "{\"from\": \"graph:r\", \"to\": \"clean:in1\"},"
           "{\"from\": \"bad:out0\", \"to\": \"graph:l\"},"
           "{\"from\": \"clean:out0\", \"to\": \"graph:l\"},"
           "{\"from\": \"clean:out1\", \"to\": \"graph:r\"}]}",
           DSP_SOURCE_ROOT,
           on_fault);
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  memset(&err, 0, sizeof(err));
  assert_int_equal(dsp_graph_load_string(json, "f.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  if (dsp_compile(graph, &env, &plan, &err)) {
    fail_msg("compile: %s", err.message);
  }
  return plan;
}

static float    in_l[BLOCK];
static float    in_r[BLOCK];
static float    out_l[BLOCK];
static float    out_r[BLOCK];
static uint64_t clock_frames;

/// Run one block of a 220 Hz sine (left) and 330 Hz (right).
static void
run_block(DspRuntime* const rt)
{
  for (uint32_t i = 0U; i < BLOCK; ++i) {
    const float t = (float)(clock_frames + i) / (float)RATE;
    in_l[i]       = 0.5f * sinf(2.0f * 3.14159265f * 220.0f * t);
    in_r[i]       = 0.5f * sinf(2.0f * 3.14159265f * 330.0f * t);
  }
  clock_frames += BLOCK;
  const float* in[]  = { in_l, in_r };
  float*       out[] = { out_l, out_r };
  dsp_runtime_process(rt, in, 2U, out, 2U, BLOCK);
}

/// Largest |out_l - in_l| (infinite if not finite) and out_r == in_r.
static float
left_error(void)
{
  float e = 0.0f;
  for (uint32_t i = 0U; i < BLOCK; ++i) {
    const float d = fabsf(out_l[i] - in_l[i]);
    e             = isfinite(d) ? (d > e ? d : e) : INFINITY;
    assert_true(out_r[i] == in_r[i]);
  }
  return e;
}

static uint32_t
read_faults(DspRuntime* const rt, DspEvent* const last)
{
  uint32_t n = 0U;
  DspEvent ev;
  while (!dsp_runtime_read_event(rt, &ev)) {
    if (ev.type == DSP_EVENT_FAULT) {
      *last = ev;
      ++n;
    }
  }
  return n;
}

/// A runtime playing faulty_plan(on_fault); returns the index of "bad".
static int
start_faulty(const char* const  on_fault,
             DspRuntime** const rt,
             DspPlan** const    plan)
{
  *rt           = dsp_runtime_new(64U);
  *plan         = faulty_plan(on_fault);
  const int bad = dsp_plan_find_node(*plan, "bad");
  assert_true(bad >= 0);
  assert_int_equal(dsp_runtime_send_plan(*rt, *plan), DSP_SUCCESS);
  return bad;
}

static void
test_plan_isolation_and_rearm(void** state)
{
  (void)state;
  DspRuntime* rt   = NULL;
  DspPlan*    plan = NULL;
  const int   bad  = start_faulty("mute", &rt, &plan);

  // Healthy: the fixture adds its low-passed input
  DspEvent ev;
  for (int b = 0; b < 20; ++b) {
    run_block(rt);
  }
  assert_true(left_error() > 0.05f);
  assert_int_equal(read_faults(rt, &ev), 0U);

  // NaN: cut in that very block, the clean path plays on
  assert_int_equal(dsp_runtime_send_param(rt, plan, (uint32_t)bad, 0U, 1.0f),
                   DSP_SUCCESS);
  for (int b = 0; b < 40; ++b) {
    run_block(rt);
    assert_true(left_error() == 0.0f);
  }
  assert_int_equal(read_faults(rt, &ev), 1U);
  assert_string_equal(ev.id, "bad");
  assert_int_equal(ev.kind, DSP_FAULT_NAN);
  assert_int_equal(ev.node, (uint32_t)bad);
  assert_int_equal(ev.plan, plan->serial);
  assert_false(isfinite(ev.sample));

  // Back to normal, re-armed without a reset: the filter state is still
  // NaN, so it faults again at once (and is cut at once again)
  assert_int_equal(dsp_runtime_send_param(rt, plan, (uint32_t)bad, 0U, 0.0f),
                   DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_rearm(rt, plan, (uint32_t)bad, false, 1U),
                   DSP_SUCCESS);
  run_block(rt);
  assert_true(left_error() == 0.0f);
  assert_int_equal(read_faults(rt, &ev), 1U);
  assert_int_equal(ev.arm, 1U);

  // Re-armed with a reset (Faust instanceClear): it plays again, fading
  // in from silence over 5 ms, and stays healthy
  assert_int_equal(dsp_runtime_send_rearm(rt, plan, (uint32_t)bad, true, 2U),
                   DSP_SUCCESS);
  for (int b = 0; b < 40; ++b) {
    run_block(rt);
    assert_true(isfinite(left_error()));
    if (b == 0) {
      // Fading in: after 24 of 240 frames its gain is at most 0.1
      for (uint32_t i = 0U; i < 24U; ++i) {
        assert_true(fabsf(out_l[i] - in_l[i]) < 0.06f);
      }
    }
  }
  assert_true(left_error() > 0.05f);
  assert_int_equal(read_faults(rt, &ev), 0U);

  // Stuck at full scale: 100 ms of +1.0 reach the output, then a 5 ms fade
  assert_int_equal(dsp_runtime_send_param(rt, plan, (uint32_t)bad, 0U, 3.0f),
                   DSP_SUCCESS);
  uint32_t blocks = 0U;
  while (!read_faults(rt, &ev) && blocks < 100U) {
    run_block(rt);
    ++blocks;
  }
  assert_int_equal(ev.kind, DSP_FAULT_STUCK);
  assert_int_equal(blocks, 19U); // 4864 frames: the first block end >= 4800
  assert_float_equal(ev.sample, 1.0f, 0.0f);
  run_block(rt); // Fade
  for (int b = 0; b < 10; ++b) {
    run_block(rt);
    assert_true(left_error() == 0.0f);
  }
  assert_int_equal(read_faults(rt, &ev), 0U); // Reported once

  dsp_runtime_free(rt);
}

static void
test_bypass_on_fault(void** state)
{
  (void)state;
  DspRuntime* const rt   = dsp_runtime_new(64U);
  DspPlan* const    plan = faulty_plan("bypass");
  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_param(rt, plan, 0U, 0U, 2.0f), DSP_SUCCESS);
  for (int b = 0; b < 4; ++b) {
    run_block(rt);
    // Its input passes: out_l = clean + dry = 2 in_l exactly
    for (uint32_t i = 0U; i < BLOCK; ++i) {
      assert_true(out_l[i] == 2.0f * in_l[i]);
    }
  }
  DspEvent ev;
  assert_int_equal(read_faults(rt, &ev), 1U);
  assert_int_equal(ev.bypass, 1U);
  dsp_runtime_free(rt);
}

/// Largest |out_l - 2 in_l|: 0 when "bad" passes its input beside "clean".
static float
dry_error(void)
{
  float e = 0.0f;
  for (uint32_t i = 0U; i < BLOCK; ++i) {
    const float d = fabsf(out_l[i] - 2.0f * in_l[i]);
    e             = d > e ? d : e;
  }
  return e;
}

// A user bypass (not a fault) on a healthy node: it ramps to the node's
// input, stays there, and ramps back (the plan runner checks the ramp and
// the bypass position out of line, beside the fault state)
static void
test_user_bypass(void** state)
{
  (void)state;
  DspRuntime* rt   = NULL;
  DspPlan*    plan = NULL;
  const int   bad  = start_faulty("mute", &rt, &plan);
  for (int b = 0; b < 8; ++b) {
    run_block(rt);
  }
  const float wet = dry_error();
  assert_true(wet > 5e-3f); // The low-pass lags a 220 Hz sine by ~0.03 rad

  // 10 ms = 480 frames: under two blocks
  assert_int_equal(
    dsp_runtime_send_bypass(rt, plan, (uint32_t)bad, true, 10.0, -1),
    DSP_SUCCESS);
  run_block(rt);
  assert_true(dry_error() > 1e-3f); // Still ramping
  for (int b = 0; b < 2; ++b) {
    run_block(rt);
  }
  for (int b = 0; b < 8; ++b) {
    run_block(rt);
    assert_true(dry_error() < 1e-6f);
  }

  assert_int_equal(
    dsp_runtime_send_bypass(rt, plan, (uint32_t)bad, false, 10.0, -1),
    DSP_SUCCESS);
  for (int b = 0; b < 8; ++b) {
    run_block(rt);
  }
  assert_true(dry_error() > 0.5f * wet);
  DspEvent ev;
  assert_int_equal(read_faults(rt, &ev), 0U);
  dsp_runtime_free(rt);
}

/// Run a 2-channel `gain` (0 dB) for 200 ms, full scale on its first
/// channel, silence on its second (whose first sample is not normal, so
/// every block of the node goes through the per-output scan); return its
/// fault kind.  `cv`: its first output is watched as dsp_compile() watches
/// a CV output (no level criterion).
static uint32_t
full_scale_through_plan(const bool cv)
{
  const char* const json =
    "{\"name\": \"g\", \"inputs\": [\"a\", \"b\"], \"outputs\": [\"a\","
    " \"b\"], \"nodes\": [{\"id\": \"g\", \"kind\": \"gain\", \"channels\":"
    " 2, \"params\": {\"gain\": 0}}], \"connections\": ["
    "{\"from\": \"graph:a\", \"to\": \"g:in0\"},"
    "{\"from\": \"graph:b\", \"to\": \"g:in1\"},"
    "{\"from\": \"g:out0\", \"to\": \"graph:a\"},"
    "{\"from\": \"g:out1\", \"to\": \"graph:b\"}]}";
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  memset(&err, 0, sizeof(err));
  assert_int_equal(dsp_graph_load_string(json, "g.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_compile(graph, &env, &plan, &err), DSP_SUCCESS);
  assert_int_equal(plan->steps[0].n_watch, 2U);
  assert_int_equal(plan->steps[0].watch[0].range, dsp_fault_watch_range(true));
  if (cv) {
    assert_ptr_equal(plan->steps[0].watch, plan->fault_watch);
    plan->fault_watch[0].range = dsp_fault_watch_range(false);
  }

  float a[BLOCK];
  float b[BLOCK];
  float ya[BLOCK];
  float yb[BLOCK];
  for (uint32_t i = 0U; i < BLOCK; ++i) {
    a[i] = 1.0f;
    b[i] = 0.0f;
  }
  const float* in[]  = { a, b };
  float*       out[] = { ya, yb };
  for (uint32_t k = 0U; k < (uint32_t)(0.2 * RATE) / BLOCK; ++k) {
    dsp_plan_run(plan, in, out, BLOCK);
  }
  const uint32_t kind = plan->faults[0].kind;
  dsp_plan_free(plan);
  return kind;
}

// The plan runner applies the level criterion to audio outputs only
static void
test_plan_cv_output(void** state)
{
  (void)state;
  assert_int_equal(full_scale_through_plan(false), DSP_FAULT_STUCK);
  assert_int_equal(full_scale_through_plan(true), DSP_FAULT_NONE);
}

static void
test_bad_on_fault(void** state)
{
  (void)state;
  const char* const json =
    "{\"name\": \"f\", \"inputs\": [], \"outputs\": [\"o\"], \"nodes\": ["
    "{\"id\": \"g\", \"kind\": \"gain\", \"on_fault\": \"ignore\"}],"
    "\"connections\": [{\"from\": \"g:out0\", \"to\": \"graph:o\"}]}";
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  memset(&err, 0, sizeof(err));
  assert_int_equal(dsp_graph_load_string(json, "f.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  assert_int_equal(dsp_compile(graph, &env, &plan, &err), DSP_ERR_BAD_GRAPH);
  assert_string_equal(err.path, "/nodes/0/on_fault");
  assert_non_null(strstr(err.message, "\"mute\" or \"bypass\""));
  dsp_graph_free(graph);
}

// FTZ/DAZ on a thread that never called dsp_runtime_process

typedef struct {
  unsigned before; ///< MXCSR FTZ|DAZ bits before running the plan
  unsigned after;  ///< ... and after
  float    y;      ///< gain(1 dB) of a subnormal input
} ThreadResult;

static void*
plan_thread(void* const arg)
{
  ThreadResult* const r     = (ThreadResult*)arg;
  const char* const   json  = "{\"name\": \"g\", \"inputs\": [\"i\"],"
                              " \"outputs\": [\"o\"], \"nodes\": [{\"id\":"
                              " \"g\", \"kind\": \"gain\", \"params\":"
                              " {\"gain\": 1}}], \"connections\": [{\"from\":"
                              " \"graph:i\", \"to\": \"g:in0\"}, {\"from\":"
                              " \"g:out0\", \"to\": \"graph:o\"}]}";
  DspGraph*           graph = NULL;
  DspPlan*            plan  = NULL;
  DspError            err;
  if (dsp_graph_load_string(json, "g.json", NULL, &graph, &err) ||
      dsp_compile(graph, &env, &plan, &err)) {
    return NULL;
  }
#if defined(__SSE__)
  // Threads inherit MXCSR from their creator: start from a host thread's
  // default (no FTZ, no DAZ)
  _mm_setcsr(_mm_getcsr() & ~DSP_MXCSR_FTZ_DAZ);
  r->before = _mm_getcsr() & DSP_MXCSR_FTZ_DAZ;
#endif
  float        x[4] = { bits_float(0x00400000U), 0.0f, 0.0f, 0.0f }; // ~5.9e-39
  float        y[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
  const float* in[] = { x };
  float*       out[] = { y };
  dsp_plan_run(plan, in, out, 4U);
#if defined(__SSE__)
  r->after = _mm_getcsr() & DSP_MXCSR_FTZ_DAZ;
#endif
  r->y = y[0];
  dsp_plan_free(plan);
  return NULL;
}

static void
test_ftz_daz_any_thread(void** state)
{
  (void)state;
#if defined(__SSE__)
  ThreadResult r = { 1U, 0U, 1.0f };
  pthread_t    t;
  assert_int_equal(pthread_create(&t, NULL, plan_thread, &r), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(r.before, 0U);
  assert_int_equal(r.after, DSP_MXCSR_FTZ_DAZ);
  // DAZ: the subnormal input reads as 0 (else 5.9e-39 * 1.12)
  uint32_t u = 1U;
  memcpy(&u, &r.y, sizeof(u));
  assert_int_equal(u, 0U);
#else
  skip();
#endif
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_criteria_trigger),
    cmocka_unit_test(test_legitimate_signals),
    cmocka_unit_test(test_scan_tail),
    cmocka_unit_test(test_plan_isolation_and_rearm),
    cmocka_unit_test(test_bypass_on_fault),
    cmocka_unit_test(test_user_bypass),
    cmocka_unit_test(test_plan_cv_output),
    cmocka_unit_test(test_bad_on_fault),
    cmocka_unit_test(test_ftz_daz_any_thread),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
