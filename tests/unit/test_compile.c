// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

// Compiler and plan: binding, errors, summing, fan-out, buffer reuse,
// varying block sizes, and parameters through the runtime ring.

#include "compile/compile.h"
#include "rt/runtime.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const DspNodeEnv env = { 48000.0, 64U, NULL, NULL, false, NULL };

static DspPlan*
compile_ok(const char* const json)
{
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  assert_int_equal(dsp_graph_load_string(json, "t.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  const DspStatus st = dsp_compile(graph, &env, &plan, &err);
  if (st) {
    print_error("%s: %s\n", err.path, err.message);
    dsp_graph_free(graph);
  }
  assert_int_equal(st, DSP_SUCCESS);
  return plan;
}

static void
compile_fails(const char* const json,
              const DspStatus   status,
              const char* const path,
              const char* const message_part)
{
  DspGraph* graph = NULL;
  DspPlan*  plan  = NULL;
  DspError  err;
  assert_int_equal(dsp_graph_load_string(json, "t.json", NULL, &graph, &err),
                   DSP_SUCCESS);
  const DspStatus st = dsp_compile(graph, &env, &plan, &err);
  if (st != status || strcmp(err.path, path) ||
      !strstr(err.message, message_part)) {
    print_error("got %d at \"%s\": %s\n", st, err.path, err.message);
  }
  assert_int_equal(st, status);
  assert_null(plan);
  assert_string_equal(err.path, path);
  assert_non_null(strstr(err.message, message_part));
  assert_string_equal(err.file, "t.json");
  dsp_graph_free(graph);
}

static float
db(const float v)
{
  return powf(10.0f, v / 20.0f);
}

static float
signal_at(const uint32_t ch, const uint32_t i)
{
  return sinf(0.01f * (float)(i + 1U) * (float)(ch + 1U)) + 0.1f * (float)ch;
}

#define HEAD2 "{\"name\": \"t\", \"inputs\": [\"a\", \"b\"], "

static void
test_fan_in_and_out(void** state)
{
  (void)state;
  // a -> g1 (-6 dB) -> out1 and out2; b -> g2 (+0) -> out1; b -> out2
  DspPlan* const plan = compile_ok(
    HEAD2 "\"outputs\": [\"o1\", \"o2\", \"o3\"], \"nodes\": ["
          "{\"id\": \"g1\", \"kind\": \"gain\", \"params\": {\"gain\": -6}},"
          "{\"id\": \"g2\", \"kind\": \"gain\"},"
          "{\"id\": \"s\", \"kind\": \"sum\"}],"
          "\"connections\": ["
          "{\"from\": \"graph:a\", \"to\": \"g1:in0\"},"
          "{\"from\": \"graph:b\", \"to\": \"g2:in0\"},"
          "{\"from\": \"g1:out0\", \"to\": \"graph:o1\"},"
          "{\"from\": \"g2:out0\", \"to\": \"graph:o1\"},"
          "{\"from\": \"g1:out0\", \"to\": \"s:in0\"},"
          "{\"from\": \"g2:out0\", \"to\": \"s:in0\"},"
          "{\"from\": \"graph:b\", \"to\": \"s:in1\"},"
          "{\"from\": \"s:out0\", \"to\": \"graph:o2\"}]}");

  enum { N = 200 };
  float in_a[N];
  float in_b[N];
  float o1[N];
  float o2[N];
  float o3[N];
  for (uint32_t i = 0U; i < N; ++i) {
    in_a[i] = signal_at(0, i);
    in_b[i] = signal_at(1, i);
    o3[i]   = 1.0f; // must be overwritten with silence
  }
  const float* in[]  = { in_a, in_b };
  float*       out[] = { o1, o2, o3 };
  dsp_plan_run(plan, in, out, N);

  const float g = db(-6.0f);
  for (uint32_t i = 0U; i < N; ++i) {
    assert_float_equal(o1[i], in_a[i] * g + in_b[i], 1e-6);
    assert_float_equal(o2[i], in_a[i] * g + in_b[i] + in_b[i], 1e-6);
    assert_float_equal(o3[i], 0.0f, 0.0f);
  }
  assert_int_equal(plan->n_mix, 2); // the fan-in at s:in0
  dsp_plan_free(plan);
}

static void
test_chain_reuses_buffers(void** state)
{
  (void)state;
  char   json[8192];
  size_t n = (size_t)snprintf(json,
                              sizeof(json),
                              "{\"name\": \"c\", \"inputs\": [\"i\"], "
                              "\"outputs\": [\"o\"], \"nodes\": [");
  enum { LEN = 12 };
  for (int k = 0; k < LEN; ++k) {
    n += (size_t)snprintf(json + n,
                          sizeof(json) - n,
                          "%s{\"id\": \"g%d\", \"kind\": \"gain\", "
                          "\"params\": {\"gain\": -1}}",
                          k ? "," : "",
                          k);
  }
  n += (size_t)snprintf(json + n,
                        sizeof(json) - n,
                        "], \"connections\": [{\"from\": \"graph:i\", "
                        "\"to\": \"g0:in0\"}");
  for (int k = 1; k < LEN; ++k) {
    n += (size_t)snprintf(json + n,
                          sizeof(json) - n,
                          ", {\"from\": \"g%d:out0\", \"to\": \"g%d:in0\"}",
                          k - 1,
                          k);
  }
  snprintf(json + n,
           sizeof(json) - n,
           ", {\"from\": \"g%d:out0\", \"to\": \"graph:o\"}]}",
           LEN - 1);

  DspPlan* const plan = compile_ok(json);
  assert_int_equal(plan->n_values, LEN + 1);
  assert_int_equal(plan->n_buffers, 2);

  float        x[100];
  float        y[100];
  const float* in[]  = { x };
  float*       out[] = { y };
  for (int i = 0; i < 100; ++i) {
    x[i] = signal_at(0, (uint32_t)i);
  }
  dsp_plan_run(plan, in, out, 100);
  for (int i = 0; i < 100; ++i) {
    assert_float_equal(y[i], x[i] * db(-12.0f), 1e-5);
  }
  dsp_plan_free(plan);
}

static void
test_block_sizes(void** state)
{
  (void)state;
  // The same output whatever the block sizes, including over max_block
  static const char* const json =
    HEAD2 "\"outputs\": [\"o\"], \"nodes\": ["
          "{\"id\": \"m\", \"kind\": \"mix\", \"params\": {\"level0\": -3, "
          "\"level1\": 2}}],"
          "\"connections\": ["
          "{\"from\": \"graph:a\", \"to\": \"m:in0\"},"
          "{\"from\": \"graph:b\", \"to\": \"m:in1\"},"
          "{\"from\": \"m:out0\", \"to\": \"graph:o\"}]}";

  enum { N = 1000 };
  static float a[N];
  static float b[N];
  static float ref[N];
  static float y[N];
  for (uint32_t i = 0U; i < N; ++i) {
    a[i]   = signal_at(0, i);
    b[i]   = signal_at(1, i);
    ref[i] = a[i] * db(-3.0f) + b[i] * db(2.0f);
  }

  static const uint32_t sizes[] = { 1, 7, 64, 63, 65, 200, 1000 };
  for (size_t s = 0U; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
    DspPlan* const plan = compile_ok(json);
    memset(y, 0, sizeof(y));
    for (uint32_t off = 0U; off < N;) {
      const uint32_t n     = N - off < sizes[s] ? N - off : sizes[s];
      const float*   in[]  = { a + off, b + off };
      float*         out[] = { y + off };
      dsp_plan_run(plan, in, out, n);
      off += n;
    }
    for (uint32_t i = 0U; i < N; ++i) {
      assert_float_equal(y[i], ref[i], 1e-6);
    }
    dsp_plan_free(plan);
  }
}

static void
test_unconnected(void** state)
{
  (void)state;
  // mix:in1 unconnected reads silence; graph:b unused; a passes straight
  DspPlan* const plan =
    compile_ok(HEAD2 "\"outputs\": [\"o\", \"p\"], \"nodes\": ["
                     "{\"id\": \"m\", \"kind\": \"mix\"},"
                     "{\"id\": \"x\", \"kind\": \"split\", \"outputs\": 3}],"
                     "\"connections\": ["
                     "{\"from\": \"graph:a\", \"to\": \"m:in0\"},"
                     "{\"from\": \"m:out0\", \"to\": \"graph:o\"},"
                     "{\"from\": \"graph:a\", \"to\": \"graph:p\"}]}");
  for (uint32_t k = 0U; k < plan->n_host_bufs; ++k) {
    // Nothing reads graph:b
    assert_false(!plan->host_bufs[k].output &&
                 plan->host_bufs[k].channel == 1U);
  }
  float        a[32];
  float        b[32];
  float        o[32];
  float        p[32];
  const float* in[]  = { a, b };
  float*       out[] = { o, p };
  for (int i = 0; i < 32; ++i) {
    a[i] = signal_at(0, (uint32_t)i);
    b[i] = 100.0f;
  }
  dsp_plan_run(plan, in, out, 32);
  for (int i = 0; i < 32; ++i) {
    assert_float_equal(o[i], a[i], 1e-7);
    assert_float_equal(p[i], a[i], 0.0f);
  }
  dsp_plan_free(plan);
}

#define HEAD1 "{\"name\": \"t\", \"inputs\": [\"i\"], \"outputs\": [\"o\"], "

static void
test_host_buffers(void** state)
{
  (void)state;
  // a -> g1 (-6 dB) -> o1 (in place) and o2 (copied from o1);
  // g1 + a -> g2 -> o3 (in place); o4 = g2 + b (copy, then add)
  DspPlan* const plan = compile_ok(
    HEAD2 "\"outputs\": [\"o1\", \"o2\", \"o3\", \"o4\"], \"nodes\": ["
          "{\"id\": \"g1\", \"kind\": \"gain\", \"params\": {\"gain\": -6}},"
          "{\"id\": \"g2\", \"kind\": \"gain\"}],"
          "\"connections\": ["
          "{\"from\": \"graph:a\", \"to\": \"g1:in0\"},"
          "{\"from\": \"g1:out0\", \"to\": \"graph:o1\"},"
          "{\"from\": \"g1:out0\", \"to\": \"graph:o2\"},"
          "{\"from\": \"g1:out0\", \"to\": \"g2:in0\"},"
          "{\"from\": \"graph:a\", \"to\": \"g2:in0\"},"
          "{\"from\": \"g2:out0\", \"to\": \"graph:o3\"},"
          "{\"from\": \"g2:out0\", \"to\": \"graph:o4\"},"
          "{\"from\": \"graph:b\", \"to\": \"graph:o4\"}]}");

  // In place: g1:out0 in o1 and g2:out0 in o3; their readers follow them
  uint32_t n_in_place = 0U;
  for (uint32_t k = 0U; k < plan->n_host_bufs; ++k) {
    const DspHostBuf* const h = &plan->host_bufs[k];
    if (h->output && h->kind == DSP_HOST_PORT &&
        h->port >= plan->steps[h->at].node->n_inputs) {
      assert_true(h->channel == 0U || h->channel == 2U);
      ++n_in_place;
    }
  }
  assert_int_equal(n_in_place, 2U);

  // The caller's buffers move on every call, and calls longer than
  // max_block (64) are split: every block must follow them
  enum { ROOM = 1024, CALLS = 12 };
  static float a[ROOM];
  static float b[ROOM];
  static float o[4][ROOM];
  const float  g   = db(-6.0f);
  uint32_t     pos = 0U;
  for (uint32_t call = 0U; call < CALLS; ++call) {
    const uint32_t n     = 1U + (call * 37U) % 150U;
    const uint32_t at    = (call * 53U) % (ROOM - 160U);
    const float*   in[]  = { a + at, b + at };
    float*         out[] = { o[0] + at, o[1] + at, o[2] + at, o[3] + at };
    for (uint32_t i = 0U; i < n; ++i) {
      a[at + i] = signal_at(0, pos + i);
      b[at + i] = signal_at(1, pos + i);
      for (uint32_t ch = 0U; ch < 4U; ++ch) {
        o[ch][at + i] = 1000.0f; // must be overwritten
      }
    }
    dsp_plan_run(plan, in, out, n);
    for (uint32_t i = 0U; i < n; ++i) {
      const float x  = signal_at(0, pos + i);
      const float y  = signal_at(1, pos + i);
      const float g1 = x * g;
      assert_float_equal(out[0][i], g1, 1e-6);
      assert_float_equal(out[1][i], g1, 1e-6);
      assert_float_equal(out[2][i], g1 + x, 1e-6);
      assert_float_equal(out[3][i], g1 + x + y, 1e-6);
      assert_float_equal(in[0][i], x, 0.0f); // inputs untouched
      assert_float_equal(in[1][i], y, 0.0f);
    }
    pos += n;
  }

  // graph:a is o1's buffer (a caller processing in place): the inputs are
  // read before any output is written
  for (uint32_t i = 0U; i < 100U; ++i) {
    o[0][i] = signal_at(0, i);
    b[i]    = signal_at(1, i);
  }
  const float* in[]  = { o[0], b };
  float*       out[] = { o[0], o[1], o[2], o[3] };
  dsp_plan_run(plan, in, out, 100U);
  assert_int_equal(plan->host_copy, 1U);
  for (uint32_t i = 0U; i < 100U; ++i) {
    const float x = signal_at(0, i);
    const float y = signal_at(1, i);
    assert_float_equal(out[0][i], x * g, 1e-6);
    assert_float_equal(out[1][i], x * g, 1e-6);
    assert_float_equal(out[2][i], x * g + x, 1e-6);
    assert_float_equal(out[3][i], x * g + x + y, 1e-6);
  }

  // Apart again: back to working in place
  const float* in2[] = { a, b };
  dsp_plan_run(plan, in2, out, 10U);
  assert_int_equal(plan->host_copy, 0U);
  dsp_plan_free(plan);
}

static void
test_errors(void** state)
{
  (void)state;
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"gian\"}], "
                      "\"connections\": []}",
                DSP_ERR_NOT_FOUND,
                "/nodes/0/kind",
                "unknown node kind \"gian\" (expected one of: lv2, faust, "
                "gain");
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"gain\", "
                      "\"channels\": 0}], \"connections\": []}",
                DSP_ERR_BAD_GRAPH,
                "/nodes/0/channels",
                "integer from 1 to 64");
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"gain\"}], "
                      "\"connections\": [{\"from\": \"a:in0\", \"to\": "
                      "\"graph:o\"}]}",
                DSP_ERR_NOT_FOUND,
                "/connections/0/from",
                "node \"a\" has no output port \"in0\" (it is an input) "
                "(outputs: out0)");
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"mix\"}], "
                      "\"connections\": [{\"from\": \"graph:i\", \"to\": "
                      "\"a:in5\"}]}",
                DSP_ERR_NOT_FOUND,
                "/connections/0/to",
                "node \"a\" has no input port \"in5\" (inputs: in0, in1)");
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"mix\", "
                      "\"params\": {\"level\": 1}}], \"connections\": []}",
                DSP_ERR_NOT_FOUND,
                "/nodes/0/params/level",
                "node \"a\" has no parameter \"level\" (parameters: level0, "
                "level1)");
  compile_fails(HEAD1 "\"nodes\": [{\"id\": \"a\", \"kind\": \"gain\", "
                      "\"params\": {\"gain\": 30}}], \"connections\": []}",
                DSP_ERR_RANGE,
                "/nodes/0/params/gain",
                "node \"a\": parameter \"gain\" value 30 out of range "
                "[-90, 24] dB");
  compile_fails(HEAD1 "\"nodes\": ["
                      "{\"id\": \"a\", \"kind\": \"gain\"},"
                      "{\"id\": \"b\", \"kind\": \"gain\"},"
                      "{\"id\": \"c\", \"kind\": \"gain\"}],"
                      "\"connections\": ["
                      "{\"from\": \"graph:i\", \"to\": \"a:in0\"},"
                      "{\"from\": \"a:out0\", \"to\": \"b:in0\"},"
                      "{\"from\": \"b:out0\", \"to\": \"c:in0\"},"
                      "{\"from\": \"c:out0\", \"to\": \"b:in0\"}]}",
                DSP_ERR_CYCLE,
                "/connections",
                "connections form a cycle: b -> c -> b");
}

static void
test_runtime_params(void** state)
{
  (void)state;
  DspRuntime* const rt   = dsp_runtime_new(16U);
  DspPlan* const    plan = compile_ok(
    HEAD1 "\"nodes\": [{\"id\": \"g\", \"kind\": \"gain\"}], \"connections\": ["
             "{\"from\": \"graph:i\", \"to\": \"g:in0\"},"
             "{\"from\": \"g:out0\", \"to\": \"graph:o\"}]}");
  float        x[16];
  float        y[16];
  const float* in[]  = { x };
  float*       out[] = { y };
  for (int i = 0; i < 16; ++i) {
    x[i] = 0.5f;
  }

  // No plan yet: silence
  y[0] = 1.0f;
  dsp_runtime_process(rt, in, 1, out, 1, 16);
  assert_float_equal(y[0], 0.0f, 0.0f);

  assert_int_equal(dsp_runtime_send_plan(rt, plan), DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_param(rt, plan, 0, 0, -6.0f), DSP_SUCCESS);
  assert_int_equal(dsp_runtime_send_param(rt, plan, 1, 0, -6.0f),
                   DSP_ERR_BAD_ARG);
  dsp_runtime_process(rt, in, 1, out, 1, 16);
  assert_ptr_equal(dsp_runtime_current(rt), plan);
  assert_float_equal(y[15], 0.5f * db(-6.0f), 1e-6);

  // Too few output buffers for the plan: silence, no overrun
  dsp_runtime_process(rt, in, 1, out, 0, 16);

  // A second plan retires the first, which is freed by collect
  DspPlan* const plan2 =
    compile_ok(HEAD1 "\"nodes\": [], \"connections\": ["
                     "{\"from\": \"graph:i\", \"to\": \"graph:o\"}]}");
  assert_int_equal(dsp_runtime_send_plan(rt, plan2), DSP_SUCCESS);
  // A message for the retired plan is ignored, not misapplied
  assert_int_equal(dsp_runtime_send_param(rt, plan, 0, 0, 6.0f), DSP_SUCCESS);
  dsp_runtime_process(rt, in, 1, out, 1, 16);
  assert_ptr_equal(dsp_runtime_current(rt), plan2);
  assert_float_equal(y[3], 0.5f, 0.0f);
  dsp_runtime_collect(rt);

  // The ring is bounded: filling it reports DSP_ERR_FULL
  DspStatus st = DSP_SUCCESS;
  for (int i = 0; i < 100 && !st; ++i) {
    st = dsp_runtime_send_plan(rt, NULL);
  }
  assert_int_equal(st, DSP_ERR_FULL);
  dsp_runtime_free(rt);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fan_in_and_out),
    cmocka_unit_test(test_chain_reuses_buffers),
    cmocka_unit_test(test_block_sizes),
    cmocka_unit_test(test_unconnected),
    cmocka_unit_test(test_host_buffers),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_runtime_params),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
